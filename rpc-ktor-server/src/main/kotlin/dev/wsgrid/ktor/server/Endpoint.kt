package dev.wsgrid.ktor.server

import dev.wsgrid.ktor.WebSocketTransport
import dev.wsgrid.rpc.CloseCodes
import dev.wsgrid.rpc.CommunicatorState
import dev.wsgrid.rpc.ConnectionClosedException
import dev.wsgrid.rpc.FrameRelay
import dev.wsgrid.rpc.Handshake
import dev.wsgrid.rpc.InvalidMessageException
import dev.wsgrid.rpc.TransportFrame
import dev.wsgrid.rpc.WireProtocol
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Job
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import org.slf4j.LoggerFactory
import java.lang.reflect.Type
import java.util.concurrent.atomic.AtomicInteger
import kotlin.coroutines.coroutineContext

/**
 * The per-client work of one wsgrid route or server, on any engine: the connection limit, the
 * header, the handler, then serving until the connection closes. The engine hands it each
 * upgraded connection as a [WebSocketTransport].
 */
internal class Endpoint<Header, Provider : Any>(
    private val headerType: Type,
    private val options: ServerOptions,
    private val handler: AcceptorHandler<Header, Provider>,
    val registry: AcceptorRegistry<Header, Provider>,
    /** The header value the standalone server's own warm-up connection carries; `null` for a route. */
    private val warmUpToken: String? = null,
) {
    private val headerAdapter = options.communicator.codec.adapter(headerType)

    /** A header of type JsonElement or Object may be absent or null; one of any other type may not. */
    private val headerMayBeNull = headerType == JsonElement::class.java || headerType == Any::class.java
    private val headerTypeName = headerType.typeName.substringAfterLast('.').substringAfterLast('$')

    /** The upgraded connections of this endpoint, counted before anything else is done for one. */
    private val open = AtomicInteger()

    /**
     * Takes a place for one more upgraded connection: `false` (and nothing taken) beyond
     * `maxConnections`. Counted with one atomic step, so concurrent handshakes cannot pass the
     * limit together. [release] gives the place back.
     */
    fun admit(): Boolean {
        if (open.incrementAndGet() <= options.maxConnections) return true
        open.decrementAndGet()
        return false
    }

    /** Tells the server's listener, and the log, that [request] was refused for [reason] with [code]. */
    fun rejected(request: ClientRequest, reason: HandshakeRejection, code: Int) = handshakeRejected(options, request, reason, code)

    fun release() {
        open.decrementAndGet()
    }

    /** Why a connection beyond the limit is refused. */
    val refusal: String get() = "too many connections (maxConnections ${options.maxConnections})"

    /**
     * Refuses [transport] (upgraded beyond the limit) with 1013 and waits until it is closed,
     * having built nothing else for it.
     */
    suspend fun refuse(transport: WebSocketTransport, request: ClientRequest? = null) {
        val client = request ?: ClientRequest("", "", emptyMap())
        options.listener?.let { l -> runCatching { l.onLimitExceeded("maxConnections", client) } }
        rejected(client, HandshakeRejection.MAX_CONNECTIONS, CloseCodes.TRY_AGAIN_LATER)
        // what the client sends until it reads the close is held, then dropped with the relay
        val relay = FrameRelay(transport, Int.MAX_VALUE)
        transport.start(relay)
        transport.close(CloseCodes.TRY_AGAIN_LATER, refusal)
        relay.awaitClosed()
    }

    /** Whether [call] is the standalone server's warm-up connection (see `WebSocketServer.open`). */
    fun isWarmUp(call: io.ktor.server.application.ApplicationCall): Boolean =
        warmUpToken != null && call.request.headers[WARM_UP_HEADER] == warmUpToken

    /** Closes the warm-up connection normally: it only walked the path a client takes, so nothing fails on it later. */
    suspend fun warmUp(transport: WebSocketTransport) {
        val relay = FrameRelay(transport, Int.MAX_VALUE)
        transport.start(relay)
        transport.close(CloseCodes.NORMAL, "warm-up")
        relay.awaitClosed()
    }

    /**
     * Serves one upgraded connection (admitted by [admit]) until it closes: reads its header
     * within the handshake timeout, hands its acceptor to the handler, and serves what it accepts.
     *
     * @param offersExtensions whether the client offered the `wsgrid.v1` subprotocol (and was
     *   answered with it).
     */
    suspend fun serve(transport: WebSocketTransport, request: ClientRequest, offersExtensions: Boolean) {
        val relay = FrameRelay(transport)
        transport.start(relay)
        options.pingInterval?.let { transport.ping(it, options.pongTimeout) }
        val header = (readHeader(transport, relay, request) ?: return).value
        val protocol = if (options.extensions && offersExtensions) WireProtocol.WSGRID_V1 else WireProtocol.TGRID
        val acceptor = WebSocketAcceptor<Header, Provider>(transport, relay, header, request, options, registry, coroutineContext[Job], protocol)
        registry.add(acceptor)
        try {
            try {
                handler.handle(acceptor)
            } catch (e: CancellationException) {
                throw e
            } catch (e: ConnectionClosedException) {
                // the client went away under its handler (it reset, or closed): ordinary
                log.debug("{} closed while its handler ran: {}", acceptor.description, e.message)
            } catch (e: Exception) {
                log.warn("the handler of {} failed", acceptor.description, e)
                options.listener?.let { l -> runCatching { l.onError(e, acceptor) } }
                if (acceptor.state == CommunicatorState.NONE) acceptor.reject(CloseCodes.INTERNAL_ERROR, "the server failed to handle the connection", HandshakeRejection.ERROR)
            }
            // A handler may have started its accept or reject without waiting for it (a Java future).
            acceptor.awaitDecision()
            if (acceptor.state == CommunicatorState.NONE) {
                log.warn("the handler of {} returned without accepting or rejecting it", acceptor.description)
                acceptor.reject(CloseCodes.INTERNAL_ERROR, "the server neither accepted nor rejected the connection", HandshakeRejection.ERROR)
            }
            if (acceptor.state != CommunicatorState.CLOSED) acceptor.join()
            relay.awaitClosed()
        } finally {
            registry.remove(acceptor)
            // its job is a child of this connection's coroutine, which cannot complete while it is active
            acceptor.release()
        }
    }

    /** A header as read, which may itself be `null`. */
    private class Read<H>(val value: H)

    /** The client's header, or `null` when the connection was closed instead (and is closed now). */
    private suspend fun readHeader(transport: WebSocketTransport, relay: FrameRelay, request: ClientRequest): Read<Header>? {
        val timeout = options.handshakeTimeout
        fun refuse(reason: String, why: HandshakeRejection = HandshakeRejection.INVALID_HEADER): Read<Header>? {
            rejected(request, why, CloseCodes.POLICY_VIOLATION)
            transport.close(CloseCodes.POLICY_VIOLATION, reason)
            return null
        }
        val header = when (val frame = withTimeoutOrNull(timeout.toMillis()) { relay.receive() }) {
            null -> refuse("no header within ${timeout.toMillis()} ms", HandshakeRejection.TIMEOUT)
            is TransportFrame.Closed -> null
            !is TransportFrame.Text -> refuse("the first frame must be a text frame holding {\"header\": ...}")
            else -> try {
                val json = Handshake.parseHeader(frame.text)
                @Suppress("UNCHECKED_CAST")
                if (json is JsonNull && !headerMayBeNull) refuse("invalid header: null, but $headerTypeName was expected") else Read(headerAdapter.fromJson(json) as Header)
            } catch (e: InvalidMessageException) {
                refuse(e.message!!.take(120))
            } catch (e: Exception) {
                refuse("invalid header: ${e.message}".take(120))
            }
        }
        if (header == null) relay.awaitClosed()
        return header
    }

    companion object {
        private val log = LoggerFactory.getLogger(Endpoint::class.java)

        /** The header of the warm-up connection's upgrade request. */
        const val WARM_UP_HEADER = "x-wsgrid-warm-up"
    }
}

private val handshakeLog = LoggerFactory.getLogger(WebSocketAcceptor::class.java)

/** One INFO line, with the client's address in the MDC, and the listener's hook, for a refused handshake. */
internal fun handshakeRejected(options: ServerOptions, request: ClientRequest, reason: HandshakeRejection, code: Int) {
    if (handshakeLog.isInfoEnabled) {
        val mdc = options.communicator.mdc
        if (mdc) org.slf4j.MDC.put("wsgrid.remote", request.remoteAddress)
        try {
            handshakeLog.info("handshake of {} from {} rejected: {} (code {})", dev.wsgrid.rpc.internal.PeerText.forLog(request.path, 100), request.remoteAddress, reason.tag, code)
        } finally {
            if (mdc) org.slf4j.MDC.remove("wsgrid.remote")
        }
    }
    options.listener?.let { l ->
        try {
            l.onHandshakeRejected(request, reason, code)
        } catch (e: Exception) {
            handshakeLog.warn("a server listener failed", e)
        }
    }
}
