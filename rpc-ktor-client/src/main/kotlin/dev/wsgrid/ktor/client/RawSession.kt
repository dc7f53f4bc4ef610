package dev.wsgrid.ktor.client

import io.ktor.client.HttpClient
import io.ktor.client.plugins.websocket.ClientWebSocketSession
import io.ktor.client.request.HttpRequestBuilder
import io.ktor.client.request.prepareRequest
import io.ktor.http.URLProtocol
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.launch

/**
 * Opens a raw WebSocket session on any engine of [this] client (Ktor's own `webSocketRawSession`
 * exists for CIO only): the engine's session as it is, without the WebSockets plugin's default
 * session and its coroutine per direction. Its response stays open until [release] completes
 * (when the connection's transport has ended): an engine that ends its session on the peer's
 * close frame (Java's) must not have the response torn down before that frame is read. The
 * client owns the coroutine that keeps the response open.
 */
internal suspend fun HttpClient.rawWebSocketSession(release: CompletableDeferred<Unit>, block: HttpRequestBuilder.() -> Unit): ClientWebSocketSession {
    val opened = CompletableDeferred<ClientWebSocketSession>()
    val statement = prepareRequest {
        url { protocol = URLProtocol.WS; port = protocol.defaultPort }
        block()
    }
    launch {
        try {
            statement.body<ClientWebSocketSession, Unit> { session ->
                opened.complete(session)
                release.await()
            }
        } catch (cause: Throwable) {
            opened.completeExceptionally(cause)
        }
    }
    return opened.await()
}
