package dev.wsgrid.bench

import dev.wsgrid.ktor.client.WebSocketConnector
import kotlinx.serialization.Serializable

/** What a connect client prints: [connect] counts connect + handshake + close cycles, one at a time. */
@Serializable
data class ConnectResult(val system: String, val connect: Figures)

/**
 * `client-connect URL N WARMUP`: [n] times, one after the other, a new connector with the default
 * options connects (WebSocket upgrade, header, the server's accept) and closes, as a new user's
 * first program does; after [warmup] such cycles for the JIT. Each cycle is one "call" of the figures.
 */
suspend fun connectClient(url: String, n: Int, warmup: Int): ConnectResult {
    suspend fun cycle() {
        val connector = WebSocketConnector<Nothing?, Any>(null, null)
        connector.connect(url)
        connector.close()
    }
    if (warmup > 0) sequential(warmup) { cycle() }
    return ConnectResult("kotlin", sequential(n) { cycle() })
}
