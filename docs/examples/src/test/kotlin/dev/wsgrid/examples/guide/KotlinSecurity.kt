package dev.wsgrid.examples.guide

import dev.wsgrid.ktor.server.ClientVerifier
import dev.wsgrid.ktor.server.ServerOptions
import dev.wsgrid.ktor.server.TlsConfig
import dev.wsgrid.ktor.server.WebSocketServer
import java.nio.file.Path
import kotlin.time.Duration.Companion.seconds

// The Kotlin samples of docs/guide/security.md; compiled by the build (a TLS key store is needed to run it).

/** A server with the guide's checks, limits and TLS. */
fun secureServer(keyStore: Path, password: String): WebSocketServer<Credentials, ICalculator> {
    // region kotlin-security
    val options = ServerOptions {
        verifier = ClientVerifier { request -> if (request.origin == "https://app.example.com") null else 403 }  // before the upgrade
        handshakeTimeout = 3.seconds
        maxFrameSize = 1L shl 20
        maxConnections = 1_000
        communicator { maxPendingCalls = 256; maxConcurrentCalls = 64 }
    }
    val server = WebSocketServer<Credentials, ICalculator>(
        options,
        TlsConfig.keyStore(keyStore, password),                      // serves wss:// (or TlsConfig.pem(chain, key))
    )
    // endregion
    return server
}
