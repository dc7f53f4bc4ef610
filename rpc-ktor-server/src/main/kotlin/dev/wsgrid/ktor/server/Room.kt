package dev.wsgrid.ktor.server

import dev.wsgrid.rpc.CallTimeoutException
import dev.wsgrid.rpc.CommunicatorState
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.withTimeoutOrNull
import java.time.Duration
import java.util.concurrent.ConcurrentHashMap

/**
 * A named group of connections of one server or route, as `line`'s rooms: created when the first
 * acceptor [enters][WebSocketAcceptor.enter] it, gone when the last one leaves (connections leave
 * their rooms when they close).
 */
public class Room internal constructor(
    /** The room's name. */
    public val name: String,
) {
    internal val memberSet: MutableSet<WebSocketAcceptor<*, *>> = ConcurrentHashMap.newKeySet()

    /** The members now. */
    public val members: List<WebSocketAcceptor<*, *>> get() = ArrayList(memberSet)

    /** How many members the room has now. */
    public val size: Int get() = memberSet.size

    /**
     * Calls [call] on a driver of [type] of every member at once; see [broadcast].
     */
    public suspend fun <T : Any> broadcast(type: Class<T>, timeout: Duration = DEFAULT_BROADCAST_TIMEOUT, call: suspend (T) -> Unit): BroadcastResult =
        broadcastTo(ArrayList(memberSet), type, timeout, call)

    override fun toString(): String = "Room($name, ${memberSet.size} members)"

    public companion object {
        /** How long a broadcast waits for each member by default. */
        @JvmField
        public val DEFAULT_BROADCAST_TIMEOUT: Duration = Duration.ofSeconds(10)
    }
}

/**
 * Calls [call] on a driver of [type] of every open acceptor of [members] at once, and reports
 * member by member; a member that has not finished within [timeout] counts as failed.
 */
internal suspend fun <T : Any> broadcastTo(
    members: List<WebSocketAcceptor<*, *>>,
    type: Class<T>,
    timeout: Duration,
    call: suspend (T) -> Unit,
): BroadcastResult = coroutineScope {
    val open = members.filter { it.state == CommunicatorState.OPEN }
    // Each member's call starts on this thread and runs until it first suspends: a notification whose
    // frame fits in the member's buffer is done right there, with no coroutine dispatch or timer of its
    // own. One timer bounds the stragglers (a call awaiting its return, a member not reading).
    val outcomes = open.map { member ->
        async(start = CoroutineStart.UNDISPATCHED) {
            try {
                call(member.getDriver(type))
                null
            } catch (e: CancellationException) {
                throw e
            } catch (e: Throwable) {
                e
            }
        }
    }
    val finished = withTimeoutOrNull(timeout.toMillis()) { outcomes.joinAll() } != null
    val delivered = ArrayList<String>(open.size)
    val failed = LinkedHashMap<String, Throwable>()
    open.forEachIndexed { i, member ->
        val outcome = outcomes[i]
        if (!finished && !outcome.isCompleted) {
            outcome.cancel()
            failed[member.id] = CallTimeoutException("broadcast", timeout)
        } else {
            val error = try {
                outcome.await()
            } catch (e: CancellationException) {
                currentCoroutineContext().ensureActive() // this broadcast was cancelled: give up
                e // the member's call was cancelled (its connection closed under it)
            }
            if (error == null) delivered += member.id else failed[member.id] = error
        }
    }
    BroadcastResult(delivered, failed)
}

/** [Room.broadcast] with the driver type given as a type argument. */
public suspend inline fun <reified T : Any> Room.broadcast(noinline call: suspend (T) -> Unit): BroadcastResult =
    broadcast(T::class.java, Room.DEFAULT_BROADCAST_TIMEOUT, call)
