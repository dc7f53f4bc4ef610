package dev.wsgrid.ktor.server

import dev.wsgrid.ktor.KtorTransport
import dev.wsgrid.ktor.server.netty.AcceptGuard
import dev.wsgrid.ktor.server.netty.OwnedUpgrade
import dev.wsgrid.rpc.WireProtocol
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpMethod
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.ApplicationCall
import io.ktor.server.application.createRouteScopedPlugin
import io.ktor.server.application.install
import io.ktor.server.application.pluginOrNull
import io.ktor.server.plugins.origin
import io.ktor.server.request.uri
import io.ktor.server.response.respond
import io.ktor.server.routing.Route
import io.ktor.server.routing.application
import io.ktor.server.routing.header
import io.ktor.server.routing.method
import io.ktor.server.routing.route
import io.ktor.server.websocket.WebSocketUpgrade
import io.ktor.server.websocket.WebSockets
import io.ktor.server.websocket.webSocket
import io.ktor.websocket.WebSocketSession
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch
import kotlinx.serialization.json.JsonElement
import java.lang.reflect.Type
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
 * [options] set the handshake timeout, frame size, pings and connection limit of this route.
 *
 * ## Engines
 * On Ktor's Netty engine with [wsgridEventLoops] in its configuration, wsgrid owns the upgrade:
 * once the route has answered `101`, each connection's frames are handled on its own event loop
 * (the fast path). Elsewhere it serves Ktor's raw WebSocket sessions: wsgrid answers pings and
 * runs the close handshake itself, so the WebSockets plugin's own `pingPeriod` and `timeout` do
 * not apply ([ServerOptions.pingInterval] does). With [ServerOptions.compressionThreshold] set it
 * serves Ktor's default sessions, which apply the plugin's permessage-deflate extension.
 *
 * @param headerType the type headers are decoded to with the codec (`JsonElement` takes any header).
 * @throws IllegalStateException when the WebSockets plugin is not installed.
 */
public fun <Header, Provider : Any> Route.wsgrid(
    path: String,
    headerType: Type,
    options: ServerOptions = ServerOptions.DEFAULT,
    handler: AcceptorHandler<Header, Provider>,
): AcceptorRegistry<Header, Provider> = wsgrid(path, headerType, options, handler, null)

/** [wsgrid], with the token of the standalone server's warm-up connection. */
internal fun <Header, Provider : Any> Route.wsgrid(
    path: String,
    headerType: Type,
    options: ServerOptions,
    handler: AcceptorHandler<Header, Provider>,
    warmUpToken: String?,
): AcceptorRegistry<Header, Provider> {
    checkNotNull(application.pluginOrNull(WebSockets)) {
        "wsgrid(\"$path\") needs Ktor's WebSockets plugin: call install(WebSockets) before routing"
    }
    val registry = AcceptorRegistry<Header, Provider>()
    val endpoint = Endpoint(headerType, options, handler, registry, warmUpToken)
    // the connections the fast path serves outside Ktor's calls; they end with the application
    val app = application
    val connections = CoroutineScope(app.coroutineContext + SupervisorJob(app.coroutineContext[Job]) + Dispatchers.Default + CoroutineName("wsgrid $path"))
    registry.connectionsJob = connections.coroutineContext[Job]
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
                        if (endpoint.isWarmUp(call)) return@onCall
                        val request = clientRequest(call)
                        val status = verifier.verify(request)
                        if (status != null) {
                            handshakeRejected(options, request, HandshakeRejection.VERIFIER, status)
                            call.respond(HttpStatusCode.fromValue(status))
                        }
                    }
                },
            )
        }
        if (options.compressionThreshold != null) {
            // compression is applied by Ktor's default session only
            webSocket { endpoint.serveKtor(this, call, options) }
        } else {
            method(HttpMethod.Get) {
                header(HttpHeaders.Connection, "Upgrade") {
                    header(HttpHeaders.Upgrade, "websocket") {
                        handle { endpoint.upgrade(call, options, connections) }
                    }
                }
            }
        }
    }

    registry.joinCluster(options, application)
    return registry
}

/**
 * Answers one upgrade request of the route: wsgrid's own upgrade on Netty with the gate in place,
 * else Ktor's raw WebSocket session.
 */
private suspend fun Endpoint<*, *>.upgrade(call: ApplicationCall, options: ServerOptions, connections: CoroutineScope) {
    if (!OwnedUpgrade.available(call)) {
        call.respond(WebSocketUpgrade(call) { serveKtor(this, call, options) })
        return
    }
    val request = clientRequest(call)
    val offers = offersExtensions(call)
    val overLimit = OwnedUpgrade.nettyCall(call)?.context?.channel()?.attr(AcceptGuard.OVER_LIMIT)?.get() == true
    val warmUp = isWarmUp(call)
    val transport = OwnedUpgrade.upgrade(call, options.maxFrameSize, options.outgoingLimits) ?: return
    connections.launch {
        when {
            warmUp -> warmUp(transport)
            // accepted over the limit, or past it among the route's upgrades: refused with 1013
            overLimit || !admit() -> refuse(transport, request)
            else -> try {
                serve(transport, request, offers)
            } finally {
                release()
            }
        }
    }
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

/** Serves one Ktor WebSocket session of the route: counted, then handed to the endpoint as a [KtorTransport]. */
internal suspend fun Endpoint<*, *>.serveKtor(session: WebSocketSession, call: ApplicationCall, options: ServerOptions) {
    // upgraded through Ktor on the standalone server's Netty engine (compression): the upgrade's deadline is met
    OwnedUpgrade.nettyCall(call)?.context?.channel()?.let { ch -> ch.eventLoop().execute { ch.pipeline().get(AcceptGuard.DEADLINE)?.let { ch.pipeline().remove(it) } } }
    session.maxFrameSize = options.maxFrameSize
    val transport = KtorTransport(session, options.outgoingLimits)
    if (isWarmUp(call)) {
        warmUp(transport)
        return
    }
    // counted from the upgrade: a client that never sends its header holds a place until its handshake timeout
    if (!admit()) {
        refuse(transport, clientRequest(call))
        return
    }
    try {
        serve(transport, clientRequest(call), offersExtensions(call))
    } finally {
        release()
    }
}
