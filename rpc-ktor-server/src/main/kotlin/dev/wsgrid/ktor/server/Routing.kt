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
        if (options.compressionThreshold != null) webSocket { endpoint.serve(this) } else webSocketRaw { endpoint.serve(this) }
    }
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

/** The per-client work of one wsgrid route: handshake, handler, then serving until closed. */
internal class Endpoint<Header, Provider : Any>(
    private val headerType: Type,
    private val options: ServerOptions,
    private val handler: AcceptorHandler<Header, Provider>,
    val registry: AcceptorRegistry<Header, Provider>,
) {
    private val headerAdapter = options.communicator.codec.adapter(headerType)

    /** A header of type JsonElement or Object may be absent or null; one of any other type may not. */
    private val headerMayBeNull = headerType == JsonElement::class.java || headerType == Any::class.java
    private val headerTypeName = headerType.typeName.substringAfterLast('.').substringAfterLast('$')

    /** The upgraded connections of this route, counted before anything else is done for one. */
    private val open = AtomicInteger()

    suspend fun serve(session: WebSocketServerSession) {
        // counted from the upgrade, atomically: concurrent handshakes cannot pass the limit together,
        // and a client that never sends its header holds a place until its handshake timeout
        if (open.incrementAndGet() > options.maxConnections) {
            open.decrementAndGet()
            KtorTransport(session, options.sendTimeout).close(CloseCodes.TRY_AGAIN_LATER, "too many connections (maxConnections ${options.maxConnections})")
            return
        }
        try {
            serveCounted(session)
        } finally {
            open.decrementAndGet()
        }
    }

    private suspend fun serveCounted(session: WebSocketServerSession) {
        val request = clientRequest(session.call)
        val transport = KtorTransport(session, options.sendTimeout)
        session.maxFrameSize = options.maxFrameSize
        options.pingInterval?.let { transport.ping(it, options.pongTimeout) }
        val timeout = options.handshakeTimeout
        val frame = withTimeoutOrNull(timeout.toMillis()) { transport.receive() }
        if (frame == null) {
            transport.close(CloseCodes.POLICY_VIOLATION, "no header within ${timeout.toMillis()} ms")
            return
        }
        if (frame is TransportFrame.Closed) return
        if (frame !is TransportFrame.Text) {
            transport.close(CloseCodes.POLICY_VIOLATION, "the first frame must be a text frame holding {\"header\": ...}")
            return
        }
        @Suppress("UNCHECKED_CAST")
        val header = try {
            val json = Handshake.parseHeader(frame.text)
            if (json is JsonNull && !headerMayBeNull) {
                transport.close(CloseCodes.POLICY_VIOLATION, "invalid header: null, but ${headerTypeName} was expected")
                return
            }
            headerAdapter.fromJson(json) as Header
        } catch (e: InvalidMessageException) {
            transport.close(CloseCodes.POLICY_VIOLATION, e.message!!.take(120))
            return
        } catch (e: Exception) {
            transport.close(CloseCodes.POLICY_VIOLATION, "invalid header: ${e.message}".take(120))
            return
        }
        val protocol = if (options.extensions && offersExtensions(session.call)) WireProtocol.WSGRID_V1 else WireProtocol.TGRID
        val acceptor = WebSocketAcceptor<Header, Provider>(transport, header, request, options, registry, coroutineContext[Job], protocol)
        registry.add(acceptor)
        try {
            try {
                handler.handle(acceptor)
            } catch (e: CancellationException) {
                throw e
            } catch (e: Exception) {
                log.warn("the handler of {} failed", acceptor.description, e)
                options.listener?.let { l -> runCatching { l.onError(e, acceptor) } }
                if (acceptor.state == CommunicatorState.NONE) acceptor.reject(CloseCodes.INTERNAL_ERROR, "the server failed to handle the connection")
            }
            // A handler may have started its accept or reject without waiting for it (a Java future).
            acceptor.awaitDecision()
            if (acceptor.state == CommunicatorState.NONE) {
                log.warn("the handler of {} returned without accepting or rejecting it", acceptor.description)
                acceptor.reject(CloseCodes.INTERNAL_ERROR, "the server neither accepted nor rejected the connection")
            }
            if (acceptor.state != CommunicatorState.CLOSED) acceptor.join()
        } finally {
            registry.remove(acceptor)
        }
    }

    private companion object {
        val log = LoggerFactory.getLogger(Endpoint::class.java)
    }
}
