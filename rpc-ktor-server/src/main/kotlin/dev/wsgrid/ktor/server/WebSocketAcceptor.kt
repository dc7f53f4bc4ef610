package dev.wsgrid.ktor.server

import dev.wsgrid.ktor.WebSocketTransport
import dev.wsgrid.rpc.FrameRelay
import dev.wsgrid.rpc.CloseCodes
import dev.wsgrid.rpc.Communicator
import dev.wsgrid.rpc.CommunicatorState
import dev.wsgrid.rpc.Handshake
import dev.wsgrid.rpc.IdConflictException
import dev.wsgrid.rpc.TransportFrame
import dev.wsgrid.rpc.WireProtocol
import dev.wsgrid.rpc.internal.PeerText
import kotlinx.coroutines.CompletableDeferred
import org.slf4j.LoggerFactory
import java.util.UUID
import java.util.concurrent.ConcurrentHashMap
import kotlinx.coroutines.Job
import java.time.Duration
import kotlin.time.toJavaDuration

/**
 * One client of a server, as TGrid's `WebSocketAcceptor`: the handler reads its [header],
 * [path] and [request], then [accept]s it with a provider or [reject]s it.
 *
 * ```kotlin
 * server.open(0) { acceptor ->
 *     if (acceptor.header.token != "secret") acceptor.reject("bad token")   // 1008, CloseCodes.POLICY_VIOLATION
 *     else acceptor.accept(Calculator())
 * }
 * ```
 *
 * Each accepted connection has a unique [id], and may [enter] rooms for broadcasts.
 *
 * Once accepted it is an open [Communicator]: the server calls the client's provider through
 * [getDriver], and [close] ends the connection.
 */
public class WebSocketAcceptor<Header, Provider : Any> internal constructor(
    private val transport: WebSocketTransport,
    /** Holds the frames that come after the header until the accept hands them to the session. */
    private val relay: FrameRelay,
    /** The header the client sent, decoded to the server's header type. */
    public val header: Header,
    /** The upgrade request: path, remote address, HTTP headers. */
    public val request: ClientRequest,
    private val serverOptions: ServerOptions,
    private val registry: AcceptorRegistry<Header, Provider>,
    parent: Job?,
    /** What the connection will speak once accepted: `WSGRID_V1` when the client offered it and the server agrees. */
    private val agreedProtocol: WireProtocol = WireProtocol.TGRID,
) : Communicator<Provider>(null, serverOptions.communicator, parent ?: Job()) {

    @Volatile
    private var currentId: String = UUID.randomUUID().toString()

    /** Whether the handler chose the id (a random one is unique by construction). */
    @Volatile
    internal var idChosen: Boolean = false
        private set

    private val roomNames: MutableSet<String> = ConcurrentHashMap.newKeySet()

    /**
     * This connection's id among the server's open connections: random unless the handler sets
     * one before accepting. [accept] fails with [IdConflictException] when another open connection
     * has it.
     *
     * @throws IllegalStateException when set after accepting or rejecting.
     */
    public var id: String
        get() = currentId
        set(value) {
            val st = state
            check(st == CommunicatorState.NONE) { "cannot change the id: connection is $st" }
            require(value.isNotEmpty()) { "an id cannot be empty" }
            currentId = value
            idChosen = true
        }

    /**
     * Changes the id of this open connection to [id], claimed as [accept] claims one (on a cluster:
     * cluster-wide); its old id is free from then on. For a client that says who it is after
     * connecting (a chat's `setName`).
     *
     * @throws IdConflictException when another connection has [id]; this one keeps its id.
     * @throws ClusterUnavailableException on a cluster whose backend cannot be reached.
     * @throws IllegalStateException unless the connection is open.
     */
    public suspend fun changeId(id: String) {
        require(id.isNotEmpty()) { "an id cannot be empty" }
        val st = state
        check(st == CommunicatorState.OPEN) { "cannot change the id: connection is $st" }
        val old = currentId
        if (id == old) return
        registry.claim(this, id, chosen = true)
        currentId = id
        idChosen = true
        registry.release(this, old)
    }

    /** The rooms this connection is in. */
    public val rooms: Set<String> get() = snapshot(roomNames)

    /**
     * Enters the room [name] (made if nobody is in it); answers whether this connection was not
     * in it yet. Connections leave their rooms when they close.
     *
     * @throws IllegalStateException unless the connection is open.
     */
    public fun enter(name: String): Boolean {
        val st = state
        check(st == CommunicatorState.OPEN) { "cannot enter the room $name: connection is $st" }
        roomNames.add(name)
        return registry.enter(this, name)
    }

    /** Leaves the room [name] (removed when it empties); answers whether this connection was in it. */
    public fun leave(name: String): Boolean {
        roomNames.remove(name)
        return registry.leave(this, name)
    }

    /** Completed when an accept or reject has finished, however it ended. */
    private val decided = CompletableDeferred<Unit>()

    /** Set while [accept] claims the id, until it has moved to `ACCEPTING` or failed. */
    @Volatile
    private var claiming: CompletableDeferred<Unit>? = null

    /**
     * What the connection speaks, known as soon as the header arrived (so a handler may read it
     * before accepting): `WSGRID_V1` when the client offered the extensions and the server agrees.
     */
    override val protocol: WireProtocol get() = agreedProtocol

    /** The request path with its query (`/calculator?room=1`). */
    public val path: String get() = request.path

    /** The client's address (`127.0.0.1:51234`). */
    public val remoteAddress: String get() = request.remoteAddress

    /**
     * Accepts the client: sends TGrid's `1` (the extension accept to a wsgrid client that offered
     * `wsgrid.v1`, see [protocol]) and starts serving [provider] to it, reachable only through
     * [serviceInterfaces], or through every service interface of its class when none is given
     * (see [setProvider]; a provider already set with interfaces keeps them).
     *
     * @throws IllegalStateException unless the state is `NONE`.
     * @throws IllegalArgumentException when [provider]'s service interfaces are invalid, or it does
     *   not implement one of [serviceInterfaces]; the client is then still waiting, and may be rejected.
     */
    public suspend fun accept(provider: Provider?, vararg serviceInterfaces: Class<*>) {
        val st = state
        check(st == CommunicatorState.NONE) { "cannot accept: connection is $st" }
        require(provider != null || serviceInterfaces.isEmpty()) { "cannot expose a null provider through ${serviceInterfaces.joinToString { it.simpleName }}" }
        // on a cluster the claim is a round trip: a handler that does not wait for its accept (a Java
        // future) has decided all the same, and the endpoint waits for the state it leads to
        val claimed = CompletableDeferred<Unit>()
        claiming = claimed
        try {
            registry.claim(this)
            try {
                if (provider != null && serviceInterfaces.isNotEmpty()) setProvider(provider, *serviceInterfaces) else this.provider = provider
                moveStateOrFail(CommunicatorState.ACCEPTING, "accept", CommunicatorState.NONE)
            } catch (e: Exception) {
                registry.release(this)
                throw e
            }
        } finally {
            claiming = null
            claimed.complete(Unit)
        }
        try {
            // once the client has the accept it may call at once: those calls wait for the session
            relay.unbounded()
            transport.sendText(if (agreedProtocol.extensions) Handshake.EXTENSION_ACCEPT else Handshake.ACCEPT)
            openSession(transport, agreedProtocol, relay)
        } catch (e: Throwable) {
            moveState(CommunicatorState.CLOSED, CommunicatorState.ACCEPTING)
            registry.release(this)
            throw e
        } finally {
            decided.complete(Unit)
        }
    }

    override fun onOpened() {
        serverOptions.listener?.let { l -> notify { l.onConnection(this) } }
    }

    /**
     * Rejects the client with [CloseCodes.POLICY_VIOLATION] (1008, as TGrid does) and [reason],
     * which its connect reports: `acceptor.reject("unknown token")`.
     *
     * @throws IllegalStateException unless the state is `NONE`.
     */
    public suspend fun reject(reason: String): Unit = reject(CloseCodes.POLICY_VIOLATION, reason)

    /**
     * Rejects the client: closes its socket with [code] (one of [CloseCodes]) and [reason], which
     * its connect reports.
     *
     * @throws IllegalStateException unless the state is `NONE`.
     */
    public suspend fun reject(code: Int = CloseCodes.POLICY_VIOLATION, reason: String = "") {
        reject(code, reason, HandshakeRejection.REJECTED)
    }

    internal suspend fun reject(code: Int, reason: String, why: HandshakeRejection) {
        moveStateOrFail(CommunicatorState.REJECTING, "reject", CommunicatorState.NONE)
        handshakeRejected(serverOptions, request, why, code)
        try {
            transport.close(code, reason)
            relay.awaitClosed()
        } finally {
            moveState(CommunicatorState.CLOSED, CommunicatorState.REJECTING)
            decided.complete(Unit)
        }
    }

    /** Waits for an accept or reject that has started (from another coroutine or a future) to finish. */
    internal suspend fun awaitDecision() {
        claiming?.await()
        val st = state
        if (st == CommunicatorState.ACCEPTING || st == CommunicatorState.REJECTING) decided.await()
    }

    /** Ends this acceptor for good once its connection is over: see [retire]. */
    internal fun release() {
        retire()
    }

    /**
     * Closes the connection with [code] (one of [CloseCodes]) and [reason]; pending calls on both sides fail. Returns
     * once closed; at once when already closed.
     */
    public suspend fun close(code: Int = CloseCodes.NORMAL, reason: String = "") {
        // an accept (or reject) under way finishes first: its client already has its answer
        awaitDecision()
        if (state == CommunicatorState.NONE) reject(code, reason) else closeSession(code, reason)
    }

    /**
     * Pings the client every [interval] from now on, so idle intermediaries keep the connection,
     * and drops it when a ping goes unanswered for the server's pong timeout.
     */
    public fun ping(interval: Duration) {
        require(!interval.isNegative && !interval.isZero) { "the ping interval must be positive, was $interval" }
        transport.ping(interval, serverOptions.pongTimeout)
    }

    /** Pings the client every [interval]; see the `java.time.Duration` overload. */
    public fun ping(interval: kotlin.time.Duration): Unit = ping(interval.toJavaDuration())

    override fun onClosed(closed: TransportFrame.Closed) {
        registry.remove(this, closed)
        serverOptions.listener?.let { l -> notify { l.onDisconnection(this, closed.code, closed.reason) } }
    }

    private inline fun notify(event: () -> Unit) {
        try {
            event()
        } catch (e: Exception) {
            LoggerFactory.getLogger(WebSocketAcceptor::class.java).warn("a server listener failed", e)
        }
    }

    override val description: String get() = "acceptor ${PeerText.escaped(path, 100)} from $remoteAddress"

    override val logConnectionId: String get() = id

    override val logRemoteAddress: String get() = remoteAddress

    /** The server's listener, for the rooms and broadcasts this acceptor takes part in. */
    internal val serverListener: ServerListener? get() = serverOptions.listener
}
