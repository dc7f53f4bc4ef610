package dev.wsgrid.ktor.server

import dev.wsgrid.rpc.Communicator
import dev.wsgrid.rpc.IdConflictException
import dev.wsgrid.rpc.TransportFrame
import kotlinx.coroutines.launch
import java.time.Duration
import java.util.concurrent.ConcurrentHashMap

/**
 * The clients of one wsgrid route or server (`ws`'s `clientTracking`), their ids and their
 * rooms. Iteration is weakly consistent: it never fails while clients come and go.
 *
 * Every client that sent a header is tracked; an accepted one is also found by its
 * [id][WebSocketAcceptor.id], unique among the open connections.
 *
 * On a cluster ([ServerOptions.cluster]) ids are unique cluster-wide, [locate] finds connections on
 * every node, and broadcasts reach the members on every node; [find], [rooms] and a room's
 * [members][Room.members] stay this node's.
 */
public class AcceptorRegistry<Header, Provider : Any> internal constructor() : Iterable<WebSocketAcceptor<Header, Provider>> {
    private val acceptors: MutableSet<WebSocketAcceptor<Header, Provider>> = ConcurrentHashMap.newKeySet()
    private val byId = ConcurrentHashMap<String, WebSocketAcceptor<Header, Provider>>()
    private val roomsByName = ConcurrentHashMap<String, Room>()

    /** How many clients are tracked now. */
    public val size: Int get() = acceptors.size

    override fun iterator(): Iterator<WebSocketAcceptor<Header, Provider>> = acceptors.iterator()

    /** A snapshot of the tracked clients. */
    public fun toList(): List<WebSocketAcceptor<Header, Provider>> = ArrayList(acceptors)

    /** The accepted, open connection with [id], or `null`. */
    public fun find(id: String): WebSocketAcceptor<Header, Provider>? = byId[id]

    /** This node's part of the cluster, or `null` on a single node; set once, before any client comes. */
    @Volatile
    internal var cluster: ClusterNode? = null

    /** The job of the coroutines that serve this route's connections on the fast path (each ends with its connection). */
    internal var connectionsJob: kotlinx.coroutines.Job? = null

    /**
     * The connection with [id] on whichever node of the cluster holds it: the acceptor itself when
     * it is here (as [find]), a [RemoteConnection] when another node holds it, or `null`. On a
     * single node, the same as [find].
     *
     * @throws ClusterUnavailableException when the id is not here and the cluster cannot be asked.
     */
    public suspend fun locate(id: String): Communicator<*>? = find(id) ?: cluster?.locate(id)

    /**
     * The room [name], or `null` when nobody is in it. On a cluster, a room of any name (its
     * [members][Room.members] are this node's, and its broadcasts reach every node's).
     */
    public fun room(name: String): Room? = roomsByName[name] ?: cluster?.let { Room(name, this) }

    /** The names of the rooms that have members now. */
    public val rooms: Set<String> get() = snapshot(roomsByName.keys)

    /**
     * Calls [call] on a driver of [type] of every open connection at once, and reports member by
     * member; see [Room.broadcast].
     */
    public suspend fun <T : Any> broadcast(type: Class<T>, timeout: Duration = Room.DEFAULT_BROADCAST_TIMEOUT, call: suspend (T) -> Unit): BroadcastResult =
        broadcastIn(null, type, timeout, call)

    /** Broadcasts to [room]'s members (every connection when `null`), on every node of a cluster. */
    internal suspend fun <T : Any> broadcastIn(room: String?, type: Class<T>, timeout: Duration, call: suspend (T) -> Unit): BroadcastResult {
        val c = cluster ?: return broadcastTo(localMembers(room), type, timeout, call)
        return c.broadcast(room, dev.wsgrid.rpc.internal.RecordedCall.record(type, c.options.communicator, call), timeout)
    }

    /** This node's members of [room] (every connection when `null`). */
    internal fun localMembers(room: String?): List<WebSocketAcceptor<*, *>> =
        if (room == null) ArrayList(acceptors) else roomsByName[room]?.memberSet?.let { ArrayList(it) } ?: emptyList()

    /** The ids of the accepted connections. */
    internal fun ids(): List<String> = ArrayList(byId.keys)

    internal fun add(acceptor: WebSocketAcceptor<Header, Provider>) {
        acceptors.add(acceptor)
    }

    internal fun remove(acceptor: WebSocketAcceptor<Header, Provider>, closed: TransportFrame.Closed? = null) {
        acceptors.remove(acceptor)
        release(acceptor)
        for (name in acceptor.rooms) leave(acceptor, name)
        if (closed != null) cluster?.onLocalClosed(acceptor, closed)
    }

    /**
     * Takes [id] for [acceptor]; throws [IdConflictException] when another connection has it (on a
     * cluster: on any node), or [ClusterUnavailableException] when a [chosen] id cannot be claimed
     * cluster-wide.
     */
    internal suspend fun claim(acceptor: WebSocketAcceptor<Header, Provider>, id: String = acceptor.id, chosen: Boolean = acceptor.idChosen) {
        val holder = byId.putIfAbsent(id, acceptor)
        if (holder != null && holder !== acceptor) throw IdConflictException(id)
        if (holder === acceptor) return
        try {
            cluster?.claim(id, chosen)
        } catch (e: Throwable) {
            byId.remove(id, acceptor)
            throw e
        }
    }

    internal fun release(acceptor: WebSocketAcceptor<Header, Provider>, id: String = acceptor.id) {
        if (byId.remove(id, acceptor)) cluster?.release(id)
    }

    /**
     * Joins the cluster of [options], when it has one. The node leaves with [leaveCluster], or when
     * [application] stops (a route in an application of the user's own).
     */
    internal fun joinCluster(options: ServerOptions, application: io.ktor.server.application.Application) {
        val adapter = options.cluster ?: return
        check(cluster == null) { "this registry is in a cluster already" }
        val node = ClusterNode(adapter, this, options)
        cluster = node
        application.monitor.subscribe(io.ktor.server.application.ApplicationStopping) {
            node.scope.launch { node.close() }
        }
    }

    /** Leaves the cluster, if in one: frees this node's ids and closes its tunnels. */
    internal suspend fun leaveCluster() {
        cluster?.close()
    }

    internal fun enter(acceptor: WebSocketAcceptor<*, *>, name: String): Boolean {
        var added = false
        var size = 0
        roomsByName.compute(name) { _, room -> (room ?: Room(name, this)).also { added = it.memberSet.add(acceptor); size = it.memberSet.size } }
        if (added) acceptor.serverListener?.let { l -> runCatching { l.onRoomEntered(name, acceptor, size) } }
        return added
    }

    internal fun leave(acceptor: WebSocketAcceptor<*, *>, name: String): Boolean {
        var removed = false
        var size = 0
        roomsByName.computeIfPresent(name) { _, room ->
            removed = room.memberSet.remove(acceptor)
            size = room.memberSet.size
            if (room.memberSet.isEmpty()) null else room
        }
        if (removed) acceptor.serverListener?.let { l -> runCatching { l.onRoomLeft(name, acceptor, size) } }
        return removed
    }
}

/**
 * A copy of a concurrent set. Kotlin's `toSet()` / `toList()` read the size first and then the
 * elements, which fails when an element leaves in between; `toArray()` underneath these copies does not.
 */
internal fun <T> snapshot(set: Collection<T>): Set<T> = java.util.Collections.unmodifiableSet(LinkedHashSet(set))
