package dev.wsgrid.ktor.server

import dev.wsgrid.rpc.CloseCodes
import dev.wsgrid.rpc.CommunicatorState
import dev.wsgrid.rpc.Handshake
import dev.wsgrid.rpc.InvalidMessageException
import dev.wsgrid.rpc.TransportFrame
import dev.wsgrid.ktor.KtorTransport
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpStatusCode
import dev.wsgrid.rpc.WireProtocol
import io.ktor.server.application.ApplicationCall
import io.ktor.server.application.createRouteScopedPlugin
import io.ktor.server.application.install
import io.ktor.server.application.pluginOrNull
import io.ktor.server.plugins.origin
import io.ktor.server.request.uri
import io.ktor.server.response.respond
import io.ktor.server.routing.Route
import io.ktor.server.routing.application
import io.ktor.server.routing.route
import io.ktor.server.websocket.WebSocketServerSession
import io.ktor.server.websocket.WebSockets
import io.ktor.server.websocket.webSocket
import io.ktor.server.websocket.webSocketRaw
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Job
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import org.slf4j.LoggerFactory
import java.lang.reflect.Type
import java.util.concurrent.atomic.AtomicInteger
import kotlin.coroutines.coroutineContext
import kotlin.reflect.javaType
import kotlin.reflect.typeOf

/**
 * Serves wsgrid at [path] of this route, next to the application's own routes and under its
 * plugins (authentication included). Every client that sends a header is handed to [handler]
 * as a [WebSocketAcceptor]; the returned registry tracks those still connected.
 *
 * ```kotlin
 * install(WebSockets)
 * routing {
 *     get("/health") { call.respondText("ok") }
 *     wsgrid<Credentials, Calculator>("/calculator") { acceptor -> acceptor.accept(Calculator()) }
 * }
 * ```
 *
 * The application's WebSockets plugin sets the buffers of the Ktor sessions; [options] set
 * the handshake timeout, frame size, pings and connection limit of this route. The route serves
 * raw sessions (wsgrid answers pings and runs the close handshake itself), so the plugin's own
 * `pingPeriod` and `timeout` do not apply to it: [ServerOptions.pingInterval] does. With
 * [ServerOptions.compressionThreshold] set it serves Ktor's default sessions, which apply the
 * plugin's permessage-deflate extension.
 *
 * @param headerType the type headers are decoded to with the codec (`JsonElement` takes any header).
 * @throws IllegalStateException when the WebSockets plugin is not installed.
 */
public fun <Header, Provider : Any> Route.wsgrid(
    path: String,
    headerType: Type,
    options: ServerOptions = ServerOptions.DEFAULT,
    handler: AcceptorHandler<Header, Provider>,
): AcceptorRegistry<Header, Provider> {
    checkNotNull(application.pluginOrNull(WebSockets)) {
        "wsgrid(\"$path\") needs Ktor's WebSockets plugin: call install(WebSockets) before routing"
    }
    val registry = AcceptorRegistry<Header, Provider>()
    val endpoint = Endpoint(headerType, options, handler, registry)
    route(path) {
        if (options.extensions) {
            install(
                createRouteScopedPlugin("wsgrid extension negotiation") {
                    onCall { call ->
                        // echoed only to a client that offered it: a TGrid client (ws) fails on an unasked subprotocol
                        if (offersExtensions(call)) call.response.headers.append(HttpHeaders.SecWebSocketProtocol, WireProtocol.SUBPROTOCOL)
                    }
                },
            )
        }
        options.verifier?.let { verifier ->
            install(
                createRouteScopedPlugin("wsgrid client verifier") {
                    onCall { call ->
                        val status = verifier.verify(clientRequest(call))
                        if (status != null) call.respond(HttpStatusCode.fromValue(status))
                    }
                },
            )
        }
        // A raw session: KtorTransport answers pings and runs the close handshake itself (see its KDoc),
        // which saves a coroutine hop per frame each way. Compression is applied by Ktor's default
        // session only, so a route that offers it serves default sessions.
        if (options.compressionThreshold != null) webSocket { endpoint.serveKtor(this, options) } else webSocketRaw { endpoint.serveKtor(this, options) }
    }

    registry.joinCluster(options, application)
    return registry
}

@OptIn(ExperimentalStdlibApi::class)
/** [wsgrid] with headers decoded to [Header]: `wsgrid<Credentials, Calculator>("/calc") { ... }`. */
public inline fun <reified Header, Provider : Any> Route.wsgrid(
    path: String,
    options: ServerOptions = ServerOptions.DEFAULT,
    handler: AcceptorHandler<Header, Provider>,
): AcceptorRegistry<Header, Provider> = wsgrid(path, typeOf<Header>().javaType, options, handler)

/** [wsgrid] taking any header as JSON. */
public fun <Provider : Any> Route.wsgridAnyHeader(
    path: String,
    options: ServerOptions = ServerOptions.DEFAULT,
    handler: AcceptorHandler<JsonElement, Provider>,
): AcceptorRegistry<JsonElement, Provider> = wsgrid(path, JsonElement::class.java, options, handler)

/** Whether the upgrade request offers the `wsgrid.v1` subprotocol. */
internal fun offersExtensions(call: ApplicationCall): Boolean =
    call.request.headers.getAll(HttpHeaders.SecWebSocketProtocol).orEmpty()
        .any { h -> h.split(',').any { it.trim() == WireProtocol.SUBPROTOCOL } }

internal fun clientRequest(call: ApplicationCall): ClientRequest {
    val origin = call.request.origin
    val headers = call.request.headers.entries().associate { (k, v) -> k.lowercase() to v }
    return ClientRequest(call.request.uri, "${origin.remoteAddress}:${origin.remotePort}", headers)
}

/** Serves one Ktor WebSocket session of the route: counted, then handed to [endpoint] as a [KtorTransport]. */
internal suspend fun Endpoint<*, *>.serveKtor(session: WebSocketServerSession, options: ServerOptions) {
    session.maxFrameSize = options.maxFrameSize
    val transport = KtorTransport(session, options.outgoingLimits)
    // counted from the upgrade: a client that never sends its header holds a place until its handshake timeout
    if (!admit()) {
        refuse(transport)
        return
    }
    try {
        serve(transport, clientRequest(session.call), offersExtensions(session.call))
    } finally {
        release()
    }
}
