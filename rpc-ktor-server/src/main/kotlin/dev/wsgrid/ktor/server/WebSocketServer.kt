package dev.wsgrid.ktor.server

import dev.wsgrid.rpc.CloseCodes
import io.ktor.server.application.install
import io.ktor.server.cio.CIO
import io.ktor.server.application.Application
import io.ktor.server.engine.sslConnector
import io.ktor.server.netty.Netty
import io.ktor.server.engine.EmbeddedServer
import io.ktor.server.engine.connector
import io.ktor.server.engine.embeddedServer
import io.ktor.server.routing.routing
import io.ktor.server.websocket.WebSockets
import io.ktor.websocket.ChannelOverflow
import io.ktor.websocket.WebSocketDeflateExtension
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.serialization.json.JsonElement
import java.lang.reflect.Type
import java.net.BindException

/**
 * TGrid's `WebSocketServer` on Ktor's CIO engine: serves wsgrid at every path of one port, and
 * hands each client that sends a header to the handler as a [WebSocketAcceptor].
 *
 * ```kotlin
 * val server = WebSocketServer<JsonElement, Calculator>()
 * server.open(0) { acceptor -> acceptor.accept(Calculator()) }
 * println("listening on ws://127.0.0.1:${server.port}")
 * // ...
 * server.close()
 * ```
 *
 * To serve wsgrid from a Ktor application of your own, use the [wsgrid] route instead; this
 * server is built on it.
 *
 * ## TLS
 * With [tls], the server serves `wss://` on Ktor's Netty engine, since the CIO engine has no TLS;
 * everything else about it is the same.
 *
 * @param headerType the type client headers are decoded to (default: any JSON).
 * @param options handshake timeout, limits, pings, pre-upgrade check.
 * @param tls the key and certificates to serve `wss://` with; `null` (the default) serves `ws://`.
 */
public class WebSocketServer<Header, Provider : Any> @JvmOverloads constructor(
    private val headerType: Type = JsonElement::class.java,
    public val options: ServerOptions = ServerOptions.DEFAULT,
    public val tls: TlsConfig? = null,
) {
    private val lock = Mutex()

    @Volatile
    private var engine: EmbeddedServer<*, *>? = null

    @Volatile
    private var registry: AcceptorRegistry<Header, Provider>? = null

    /** Where the server is in its life. */
    @Volatile
    public var state: ServerState = ServerState.NONE
        private set

    /** The port the server listens on (the real one when opened with port 0), or -1 when not open. */
    @Volatile
    public var port: Int = -1
        private set

    /** The connected clients that sent a header, or none when the server is not open. */
    public val acceptors: List<WebSocketAcceptor<Header, Provider>> get() = registry?.toList() ?: emptyList()

    /** The accepted, open connection with [id], or `null`. */
    public fun find(id: String): WebSocketAcceptor<Header, Provider>? = registry?.find(id)

    /** The connection with [id] on any node of the server's cluster; see [AcceptorRegistry.locate]. */
    public suspend fun locate(id: String): dev.wsgrid.rpc.Communicator<*>? = registry?.locate(id)

    /** The room [name], or `null` when nobody is in it. */
    public fun room(name: String): Room? = registry?.room(name)

    /** The names of the rooms that have members now. */
    public val rooms: Set<String> get() = registry?.rooms ?: emptySet()

    /**
     * Calls [call] on a driver of [type] of every open connection at once, and reports member by
     * member; see [Room.broadcast].
     */
    public suspend fun <T : Any> broadcast(type: Class<T>, timeout: java.time.Duration = Room.DEFAULT_BROADCAST_TIMEOUT, call: suspend (T) -> Unit): BroadcastResult =
        registry?.broadcast(type, timeout, call) ?: BroadcastResult(emptyList(), emptyMap())

    /** Opens on every interface of [port] (0 picks a free port); see the other overload. */
    public suspend fun open(port: Int, handler: AcceptorHandler<Header, Provider>): Unit = open("0.0.0.0", port, handler)

    /**
     * Starts listening on [host]:[port] (port 0 picks a free one, readable as [port]). Allowed
     * when the state is `NONE` or `CLOSED`.
     *
     * @throws IllegalStateException when the server is open or opening.
     * @throws java.net.BindException when the port is in use, naming it.
     */
    public suspend fun open(host: String, port: Int, handler: AcceptorHandler<Header, Provider>): Unit = lock.withLock {
        check(state == ServerState.NONE || state == ServerState.CLOSED) { "cannot open: the server is $state" }
        require(port in 0..65535) { "port must be between 0 and 65535, was $port" }
        state = ServerState.OPENING
        val o = options
        var routeRegistry: AcceptorRegistry<Header, Provider>? = null
        val module: Application.() -> Unit = {
            install(WebSockets) {
                maxFrameSize = o.maxFrameSize
                o.compressionThreshold?.let { threshold ->
                    extensions {
                        install(WebSocketDeflateExtension) { compressIfBiggerThan(threshold) }
                    }
                }
                channels {
                    incoming = bounded(o.frameBuffer, ChannelOverflow.SUSPEND)
                    outgoing = bounded(o.frameBuffer, ChannelOverflow.SUSPEND)
                }
            }
            routing {
                routeRegistry = wsgrid("{...}", headerType, o, handler)
            }
        }
        val t = tls
        val server: EmbeddedServer<*, *> = if (t == null) {
            embeddedServer(CIO, configure = {
                connector {
                    this.host = host
                    this.port = port
                }
                shutdownGracePeriod = 0
                shutdownTimeout = 2_000
            }, module = module)
        } else {
            embeddedServer(Netty, configure = {
                sslConnector(t.keyStore, t.keyAlias, { t.storePassword }, { t.keyPassword }) {
                    this.host = host
                    this.port = port
                }
                shutdownGracePeriod = 0
                shutdownTimeout = 2_000
            }, module = module)
        }
        try {
            server.startSuspend(wait = false)
        } catch (e: Exception) {
            state = ServerState.CLOSED
            runCatching { server.stopSuspend(0, 0) }
            // Ktor reports a failed bind as the cancellation of its engine job, caused by the BindException.
            if (generateSequence(e as Throwable) { it.cause }.any { it is BindException }) {
                throw BindException("cannot open the server on $host:$port: the port is in use").apply { initCause(e) }
            }
            currentCoroutineContext().ensureActive()
            throw e
        }
        engine = server
        registry = routeRegistry
        this.port = server.engine.resolvedConnectors().first().port
        state = ServerState.OPEN
        o.listener?.let { l -> runCatching { l.onListening(host, this.port) } }
    }

    /**
     * Closes every client connection (1001, "server closing"; their pending calls fail on both
     * sides) and stops listening. Returns once stopped; at once when not open.
     */
    public suspend fun close(): Unit = lock.withLock {
        val server = engine ?: return@withLock
        state = ServerState.CLOSING
        try {
            coroutineScope {
                for (a in registry?.toList().orEmpty()) launch { runCatching { a.close(CloseCodes.GOING_AWAY, "server closing") } }
            }
            registry?.leaveCluster()
            server.stopSuspend(0, 2_000)
        } finally {
            engine = null
            registry = null
            port = -1
            state = ServerState.CLOSED
        }
    }
}
