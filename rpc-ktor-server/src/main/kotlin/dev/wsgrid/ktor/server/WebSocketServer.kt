package dev.wsgrid.ktor.server

import dev.wsgrid.ktor.server.netty.AcceptGuard
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
import dev.wsgrid.ktor.boundTo
import dev.wsgrid.ktor.deflateFrom
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import java.lang.reflect.Type
import java.net.BindException
import kotlin.reflect.javaType
import kotlin.reflect.typeOf

/**
 * TGrid's `WebSocketServer` on Ktor (its Netty engine by default, see [ServerOptions.engine]):
 * serves wsgrid at every path of one port, and hands each client that sends a header to the
 * handler as a [WebSocketAcceptor].
 *
 * ```kotlin
 * val server = WebSocketServer<Credentials, Calculator>()   // headers decoded to Credentials
 * server.open(0) { acceptor -> acceptor.accept(Calculator()) }
 * println("listening on ws://127.0.0.1:${server.port}")
 * // ...
 * server.close()
 * ```
 *
 * To serve wsgrid from a Ktor application of your own, use the [wsgrid] route instead; this
 * server is built on it.
 *
 * ## Engines
 * On Netty (the default) each connection's frames are handled on its own event loop, sockets count
 * towards `maxConnections` from their accept, and a socket has [ServerOptions.upgradeTimeout] to
 * complete its upgrade. [ServerEngine.CIO] runs on Ktor's CIO engine instead.
 *
 * ## TLS
 * With [tls], the server serves `wss://` (on Netty: the CIO engine has no TLS).
 *
 * From Kotlin, make one with the factory `WebSocketServer<Header, Provider>()`, which decodes
 * headers to `Header` (`JsonElement` takes any JSON).
 *
 * @param headerType the type client headers are decoded to.
 * @param options handshake timeout, limits, pings, pre-upgrade check.
 * @param tls the key and certificates to serve `wss://` with; `null` (the default) serves `ws://`.
 */
public class WebSocketServer<Header, Provider : Any> @JvmOverloads constructor(
    private val headerType: Type,
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
        val token = java.util.UUID.randomUUID().toString()
        val module: Application.() -> Unit = {
            install(WebSockets) {
                maxFrameSize = o.maxFrameSize
                o.compressionThreshold?.let { threshold -> extensions { deflateFrom(threshold) } }
                channels { boundTo(o.frameBuffer) }
            }
            routing {
                routeRegistry = wsgrid("{...}", headerType, o, handler, token)
            }
        }
        val t = tls
        check(t == null || o.engine == ServerEngine.NETTY) { "TLS needs the Netty engine: Ktor's CIO server has no TLS" }
        val guard = AcceptGuard(o.maxConnections, o.upgradeTimeout.toMillis())
        val server: EmbeddedServer<*, *> = if (o.engine == ServerEngine.CIO) {
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
                if (t == null) {
                    connector {
                        this.host = host
                        this.port = port
                    }
                } else {
                    sslConnector(t.keyStore, t.keyAlias, { t.storePassword }, { t.keyPassword }) {
                        this.host = host
                        this.port = port
                    }
                }
                shutdownGracePeriod = 0
                shutdownTimeout = 2_000
                // the event loops do every connection's work after its upgrade; Ktor's call threads
                // only see the upgrade requests
                workerGroupSize = Runtime.getRuntime().availableProcessors()
                // no timer per write: a connection's transport drops a peer that does not read (sendTimeout)
                responseWriteTimeoutSeconds = 0
                enableHttp2 = false
                enableH2c = false
                configureBootstrap = { handler(guard) }
                wsgridEventLoops()
            }, module = module)
        }
        try {
            server.startSuspend(wait = false)
        } catch (e: Exception) {
            state = ServerState.CLOSED
            runCatching { server.stopSuspend(0, 0) }
            // Ktor reports a failed bind as the cancellation of its engine job, caused by the BindException.
            // (Netty's epoll transport reports it as its own IOException, "bind(..) failed: Address already in use")
            if (generateSequence(e as Throwable) { it.cause }.any { it is BindException || (it is java.io.IOException && it.message?.contains("Address already in use") == true) }) {
                throw BindException("cannot open the server on $host:$port: the port is in use").apply { initCause(e) }
            }
            currentCoroutineContext().ensureActive()
            throw e
        }
        engine = server
        registry = routeRegistry
        this.port = server.engine.resolvedConnectors().first().port
        // one connection through the whole path before any client: what it loads is loaded while
        // the process can still open files (a class that fails to load later, when descriptors run
        // out, fails for good)
        try {
            WarmUp.connect(if (host == "0.0.0.0" || host == "::") "127.0.0.1" else host, this.port, t != null, token)
        } catch (e: Exception) {
            state = ServerState.CLOSED
            engine = null
            registry = null
            this.port = -1
            runCatching { server.stopSuspend(0, 0) }
            throw IllegalStateException("the server on $host:$port opened but could not serve its own warm-up connection: ${e.message}", e)
        }
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

/**
 * A server that decodes client headers to [Header] (`JsonElement` takes any JSON):
 * `WebSocketServer<Credentials, Calculator>()`, or with options,
 * `WebSocketServer<Credentials, Calculator>(ServerOptions { maxConnections = 1_000 })`.
 */
@OptIn(ExperimentalStdlibApi::class)
public inline fun <reified Header, Provider : Any> WebSocketServer(
    options: ServerOptions = ServerOptions.DEFAULT,
    tls: TlsConfig? = null,
): WebSocketServer<Header, Provider> = WebSocketServer(typeOf<Header>().javaType, options, tls)
