package dev.wsgrid.ktor.client

import dev.wsgrid.ktor.KtorTransport
import dev.wsgrid.ktor.OutgoingLimits
import dev.wsgrid.rpc.CloseCodes
import dev.wsgrid.rpc.Communicator
import dev.wsgrid.rpc.CommunicatorState
import dev.wsgrid.rpc.ConnectException
import dev.wsgrid.rpc.ConnectionClosedException
import dev.wsgrid.rpc.FrameRelay
import dev.wsgrid.rpc.Handshake
import dev.wsgrid.rpc.HandshakeRejectedException
import dev.wsgrid.rpc.HandshakeTimeoutException
import dev.wsgrid.rpc.TransportFrame
import io.ktor.client.HttpClient
import io.ktor.client.HttpClientConfig
import io.ktor.client.engine.java.Java
import javax.net.ssl.SSLContext
import io.ktor.client.engine.cio.CIO
import io.ktor.client.plugins.websocket.WebSockets
import io.ktor.client.plugins.websocket.webSocketSession
import io.ktor.client.request.HttpRequestBuilder
import io.ktor.http.takeFrom
import io.ktor.client.request.header
import io.ktor.http.HttpHeaders
import dev.wsgrid.rpc.WireProtocol
import dev.wsgrid.rpc.internal.PeerText
import dev.wsgrid.ktor.boundTo
import dev.wsgrid.ktor.deflateFrom
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.asCoroutineDispatcher
import java.util.concurrent.Executors
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import org.slf4j.LoggerFactory
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.withTimeoutOrNull
import java.lang.reflect.Type
import java.net.URI
import kotlin.coroutines.EmptyCoroutineContext

/**
 * TGrid's `WebSocketConnector`: connects to a server, sends [header], and once accepted serves
 * [provider][Communicator.provider] to the server and calls the server's through drivers.
 *
 * ```kotlin
 * val connector = WebSocketConnector(Credentials("token"), provider = ChatPrinter())   // or WebSocketConnector(header) to serve nothing
 * connector.connect("ws://127.0.0.1:37000/chat")
 * val chat = connector.getDriver<IChatService>()
 * chat.talk("hello")
 * connector.close()
 * ```
 *
 * A connector may connect again after it closed; its drivers stay valid. With a
 * [ReconnectPolicy] it also reconnects by itself after losing its connection.
 *
 * @param header the header sent on every connect; the server's handler reads it.
 * @param provider what the server may call, or `null`.
 * @param options handshake timeout, HTTP headers, pings, limits, the Ktor client.
 * @param headerType how to encode [header]: its runtime class by default; give a full type for
 *   generic headers (`Map<String, String>`).
 */
public class WebSocketConnector<Header, Provider : Any> @JvmOverloads constructor(
    public val header: Header,
    provider: Provider? = null,
    public val connectorOptions: ConnectorOptions = ConnectorOptions.DEFAULT,
    headerType: Type? = null,
) : Communicator<Provider>(provider, connectorOptions.communicator, EmptyCoroutineContext) {

    private val headerJson: String = when (header) {
        null -> "null"
        else -> options.codec.adapter(headerType ?: (header as Any).javaClass).encode(header)
    }

    @Volatile
    private var ownedClient: HttpClient? = null

    @Volatile
    private var closingByUser = false

    @Volatile
    private var reconnectJob: Job? = null

    /** Owns the reconnect loop; a loop ends when connected, given up, or cancelled by [close]. */
    private val reconnectScope = CoroutineScope(SupervisorJob() + Dispatchers.Default + CoroutineName("wsgrid-reconnect"))

    /** The `ws://` / `wss://` URL of the last connect, or `null` before the first. */
    @Volatile
    public var url: String? = null
        private set

    /**
     * Connects to [url] (`ws`, `wss`, `http` or `https`), sends the header and waits until the
     * server accepts it. Allowed when the state is `NONE` or `CLOSED`.
     *
     * @throws HandshakeRejectedException when the server rejects the header (its code and reason).
     * @throws HandshakeTimeoutException when the server does not answer within the handshake timeout.
     * @throws ConnectException when the server cannot be reached or refuses the upgrade.
     * @throws IllegalArgumentException for a URL that is not a WebSocket or HTTP URL.
     * @throws IllegalStateException when a connection is already open or opening.
     */
    public suspend fun connect(url: String) {
        val target = webSocketUrl(url)
        closingByUser = false
        moveStateOrFail(CommunicatorState.CONNECTING, "connect", CommunicatorState.NONE, CommunicatorState.CLOSED)
        this.url = target
        try {
            handshake(target)
        } catch (e: Throwable) {
            moveState(CommunicatorState.CLOSED, CommunicatorState.CONNECTING)
            throw e
        }
    }

    /** Opens a WebSocket to [target], sends the header and waits for the server's `1`; then serves it. */
    private suspend fun handshake(target: String) {
        val o = connectorOptions
        // keeps the raw session's response open until this connection has ended (see rawWebSocketSession)
        val release = CompletableDeferred<Unit>()
        sessionRelease = release
        val client = o.httpClient ?: newClient(o)
        ownedClient = if (o.httpClient == null) client else null
        try {
            val upgrade: HttpRequestBuilder.() -> Unit = {
                url.takeFrom(target)
                for ((k, v) in o.headers) header(k, v)
                if (o.extensions) header(HttpHeaders.SecWebSocketProtocol, WireProtocol.SUBPROTOCOL)
            }
            // A raw session: KtorTransport answers pings and runs the close handshake itself (see its KDoc),
            // which saves a coroutine hop per frame each way. Compression is applied by Ktor's default
            // session only, so a connector that asks for it gets one.
            val session = try {
                if (o.compressionThreshold != null) client.webSocketSession(upgrade) else client.rawWebSocketSession(release, upgrade)
            } catch (e: CancellationException) {
                throw e
            } catch (e: Exception) {
                throw ConnectException(target, "cannot connect to $target: ${refusal(e)}", e)
            }
            session.maxFrameSize = o.maxFrameSize
            val transport = KtorTransport(session, OutgoingLimits(o.outgoingBuffer, o.maxOutgoingBytes, o.sendTimeout))
            // the handshake reads the server's answer; the session takes every frame after it
            val relay = FrameRelay(transport)
            transport.start(relay)
            o.pingInterval?.let { transport.ping(it, o.pongTimeout) }
            val timeout = o.handshakeTimeout
            try {
                transport.sendText(Handshake.headerFrame(headerJson))
            } catch (e: ConnectionClosedException) {
                // A server that closes at once (a full server) closes the connection under the send:
                // its close frame says why.
            }
            val first = withTimeoutOrNull(timeout.toMillis()) { relay.receive() }
            var protocol = WireProtocol.TGRID
            when {
                first == null -> {
                    val why = "the server did not answer the header within ${timeout.toMillis()} ms"
                    transport.close(CloseCodes.POLICY_VIOLATION, "handshake timeout")
                    throw HandshakeTimeoutException(timeout, "cannot connect to $target: $why")
                }
                first is TransportFrame.Closed -> throw HandshakeRejectedException(first.code, first.reason)
                else -> {
                    val text = (first as? TransportFrame.Text)?.text
                    // a server that agreed to the extensions accepts with its own frame; only then do both speak them
                    if (o.extensions && text == Handshake.EXTENSION_ACCEPT) protocol = WireProtocol.WSGRID_V1
                    if (text != Handshake.ACCEPT && protocol == WireProtocol.TGRID) {
                        transport.close(CloseCodes.POLICY_VIOLATION, "invalid handshake")
                        throw HandshakeRejectedException(
                            CloseCodes.POLICY_VIOLATION, "invalid handshake",
                            "cannot connect to $target: the server answered the header with " +
                                (text?.let { "\"${PeerText.escaped(it, 100)}\"" } ?: "a binary frame") + " instead of \"1\"",
                        )
                    }
                }
            }
            openSession(transport, protocol, relay)
        } catch (e: Throwable) {
            release.complete(Unit)
            closeOwnedClient()
            throw e
        }
    }

    /** Completed when the current connection has ended; see [handshake]. */
    @Volatile
    private var sessionRelease: CompletableDeferred<Unit>? = null

    /**
     * Closes the connection with [code] and [reason]; pending calls on both sides fail with
     * `ConnectionClosedException`. Returns once closed; at once when already closed.
     */
    public suspend fun close(code: Int = CloseCodes.NORMAL, reason: String = "") {
        closingByUser = true
        reconnectJob?.cancelAndJoin()
        if (moveState(CommunicatorState.CLOSED, CommunicatorState.RECONNECTING)) return
        closeSession(code, reason)
    }

    override fun onClosed(closed: TransportFrame.Closed) {
        sessionRelease?.complete(Unit)
        closeOwnedClient()
        val policy = connectorOptions.reconnect
        if (policy != null && !closingByUser) {
            log.info("{}: the connection was lost (code {}, reason {}); reconnecting", description, closed.code, PeerText.forLog(closed.reason))
            moveState(CommunicatorState.RECONNECTING, CommunicatorState.OPEN, CommunicatorState.CLOSING)
            tell { it.onReconnecting(this, closed.code) }
            reconnectJob = reconnectScope.launch { reconnect(policy) }
        }
    }

    /** Tries again and again, with backoff, until connected, closed, rejected, or out of attempts. */
    private suspend fun reconnect(policy: ReconnectPolicy) {
        val target = url ?: return
        var attempt = 0
        while (!closingByUser) {
            attempt++
            if (policy.maxAttempts in 1 until attempt) {
                log.warn("{}: gave up reconnecting after {} attempts", description, policy.maxAttempts)
                moveState(CommunicatorState.CLOSED, CommunicatorState.RECONNECTING)
                tell { it.onReconnectGaveUp(this, policy.maxAttempts) }
                return
            }
            delay(policy.delay(attempt).toMillis())
            if (closingByUser) return
            try {
                handshake(target)
                log.info("{}: reconnected after {} attempt(s)", description, attempt)
                tell { it.onReconnected(this, attempt) }
                return
            } catch (e: HandshakeRejectedException) {
                tell { it.onReconnectFailed(this, attempt, e) }
                // A deliberate rejection (TGrid's 1008, an application's 4xxx) is final; a server going
                // away or overloaded (1001, 1006, 1011-1014) is worth another try.
                if (e.code == CloseCodes.POLICY_VIOLATION || e.code in 4000..4999) {
                    log.warn("{}: the server rejected the reconnection ({}); not trying again", description, PeerText.forLog(e.message))
                    moveState(CommunicatorState.CLOSED, CommunicatorState.RECONNECTING)
                    tell { it.onReconnectGaveUp(this, attempt) }
                    return
                }
                log.debug("{}: reconnect attempt {} was closed: {}", description, attempt, e.message)
            } catch (e: CancellationException) {
                throw e
            } catch (e: Exception) {
                log.debug("{}: reconnect attempt {} failed: {}", description, attempt, e.message)
                tell { it.onReconnectFailed(this, attempt, e) }
            }
        }
    }

    override suspend fun awaitOpen(): Boolean {
        val policy = connectorOptions.reconnect ?: return false
        if (!policy.waitWhileReconnecting || state != CommunicatorState.RECONNECTING) return false
        return awaitState(setOf(CommunicatorState.OPEN, CommunicatorState.CLOSED)) == CommunicatorState.OPEN
    }

    override val description: String get() = "connector to $url"

    override val logRemoteAddress: String? get() = url?.let { u -> runCatching { URI(u).let { if (it.port < 0) it.host else "${it.host}:${it.port}" } }.getOrNull() }

    private inline fun tell(event: (ConnectorListener) -> Unit) {
        val l = connectorOptions.listener ?: return
        try {
            event(l)
        } catch (e: Exception) {
            log.warn("{}: a connector listener failed", description, e)
        }
    }

    private fun closeOwnedClient() {
        val client = ownedClient ?: return
        ownedClient = null
        client.close()
    }

    /**
     * The connector's own Ktor client, on threads of its own that end with it: Ktor's Java engine
     * on one thread (see [ClientEngine.JAVA]), or its CIO engine on two. Threads of its own keep
     * the connection's hand-offs on one or two threads instead of waking others (on
     * `Dispatchers.IO` the benchmarks measured 24 context switches per call on the client).
     */
    private fun newClient(o: ConnectorOptions): HttpClient {
        val n = if (o.engine == ClientEngine.JAVA) 1 else 2
        val threads = Executors.newFixedThreadPool(n) { r ->
            Thread(r, "wsgrid-connector-io-${threadIds.incrementAndGet()}").apply { isDaemon = true }
        }
        val io = threads.asCoroutineDispatcher()
        val client = if (o.engine == ClientEngine.JAVA) javaClient(o, io) else cioClient(o, io)
        // the engine's coroutines finish on these threads after close(): stop them once they have
        client.engine.coroutineContext[Job]!!.invokeOnCompletion { threads.shutdown() }
        return client
    }

    private fun HttpClientConfig<*>.webSockets(o: ConnectorOptions) {
        install(WebSockets) {
            maxFrameSize = o.maxFrameSize
            o.compressionThreshold?.let { threshold -> extensions { deflateFrom(threshold) } }
            channels { boundTo(FRAME_BUFFER) }
        }
    }

    private fun javaClient(o: ConnectorOptions, io: CoroutineDispatcher): HttpClient = HttpClient(Java) {
        webSockets(o)
        engine {
            dispatcher = io
            o.trustManager?.let { tm ->
                config { sslContext(SSLContext.getInstance("TLS").apply { init(null, arrayOf(tm), null) }) }
            }
        }
    }

    private fun cioClient(o: ConnectorOptions, io: CoroutineDispatcher): HttpClient = HttpClient(CIO) {
        webSockets(o)
        engine {
            dispatcher = io
            o.trustManager?.let { tm -> https { trustManager = tm } }
        }
    }

    /** Why a connect failed, with the HTTP status when the server answered the upgrade with one. */
    private fun refusal(e: Exception): String {
        val handshake = generateSequence(e as Throwable) { it.cause }.filterIsInstance<java.net.http.WebSocketHandshakeException>().firstOrNull()
        if (handshake != null) {
            val status = runCatching { handshake.response.statusCode() }.getOrNull()
            return if (status != null) "the server answered the upgrade with HTTP $status" else "the upgrade failed: ${handshake.message}"
        }
        return e.message ?: e.javaClass.simpleName
    }

    internal companion object {
        private val log = LoggerFactory.getLogger(WebSocketConnector::class.java)

        private val threadIds = AtomicInteger()

        /** Frames buffered per direction by the connector's own Ktor client. */
        const val FRAME_BUFFER = 64

        /** `http(s)://` becomes `ws(s)://`, as TGrid's connector does; other schemes are refused. */
        fun webSocketUrl(url: String): String {
            val uri = try {
                URI(url)
            } catch (e: Exception) {
                throw IllegalArgumentException("not a URL: $url", e)
            }
            val scheme = when (uri.scheme?.lowercase()) {
                "ws", "http" -> "ws"
                "wss", "https" -> "wss"
                else -> throw IllegalArgumentException("cannot connect to $url: the scheme must be ws, wss, http or https")
            }
            require(!uri.host.isNullOrEmpty()) { "cannot connect to $url: no host" }
            return scheme + url.substring(url.indexOf(':'))
        }
    }
}

/**
 * A connector that sends [header] and serves nothing to the server, with no provider type to
 * name: `val connector = WebSocketConnector(Credentials("token"))`.
 *
 * @param headerType how to encode [header]: its runtime class by default; give a full type for generic headers.
 */
public fun <Header> WebSocketConnector(
    header: Header,
    options: ConnectorOptions = ConnectorOptions.DEFAULT,
    headerType: Type? = null,
): WebSocketConnector<Header, Nothing> = WebSocketConnector(header, null, options, headerType)
