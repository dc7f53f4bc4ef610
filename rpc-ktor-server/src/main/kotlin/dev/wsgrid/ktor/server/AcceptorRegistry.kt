package dev.wsgrid.ktor.server

import dev.wsgrid.rpc.IdConflictException
import java.time.Duration
import java.util.concurrent.ConcurrentHashMap

/**
 * The clients of one wsgrid route or server (`ws`'s `clientTracking`), their ids and their
 * rooms. Iteration is weakly consistent: it never fails while clients come and go.
 *
 * Every client that sent a header is tracked; an accepted one is also found by its
 * [id][WebSocketAcceptor.id], unique among the open connections.
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

    /** The room [name], or `null` when nobody is in it. */
    public fun room(name: String): Room? = roomsByName[name]

    /** The names of the rooms that have members now. */
    public val rooms: Set<String> get() = snapshot(roomsByName.keys)

    /**
     * Calls [call] on a driver of [type] of every open connection at once, and reports member by
     * member; see [Room.broadcast].
     */
    public suspend fun <T : Any> broadcast(type: Class<T>, timeout: Duration = Room.DEFAULT_BROADCAST_TIMEOUT, call: suspend (T) -> Unit): BroadcastResult =
        broadcastTo(ArrayList(acceptors), type, timeout, call)

    internal fun add(acceptor: WebSocketAcceptor<Header, Provider>) {
        acceptors.add(acceptor)
    }

    internal fun remove(acceptor: WebSocketAcceptor<Header, Provider>) {
        acceptors.remove(acceptor)
        release(acceptor)
        for (name in acceptor.rooms) leave(acceptor, name)
    }

    /** Takes [acceptor]'s id for it; throws [IdConflictException] when another connection has it. */
    internal fun claim(acceptor: WebSocketAcceptor<Header, Provider>) {
        val holder = byId.putIfAbsent(acceptor.id, acceptor)
        if (holder != null && holder !== acceptor) throw IdConflictException(acceptor.id)
    }

    internal fun release(acceptor: WebSocketAcceptor<Header, Provider>) {
        byId.remove(acceptor.id, acceptor)
    }

    internal fun enter(acceptor: WebSocketAcceptor<*, *>, name: String): Boolean {
        var added = false
        var size = 0
        roomsByName.compute(name) { _, room -> (room ?: Room(name)).also { added = it.memberSet.add(acceptor); size = it.memberSet.size } }
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
