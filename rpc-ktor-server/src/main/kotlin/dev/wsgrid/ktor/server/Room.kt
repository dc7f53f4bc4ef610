package dev.wsgrid.ktor.server

import dev.wsgrid.rpc.CallTimeoutException
import dev.wsgrid.rpc.CommunicatorState
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
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
    val outcomes = open.map { member ->
        async {
            member.id to try {
                val driver = member.getDriver(type)
                withTimeoutOrNull(timeout.toMillis()) { call(driver) } ?: throw CallTimeoutException("broadcast", timeout)
                null
            } catch (e: CancellationException) {
                throw e
            } catch (e: Throwable) {
                e
            }
        }
    }.awaitAll()
    BroadcastResult(
        outcomes.filter { it.second == null }.map { it.first },
        outcomes.mapNotNull { (id, e) -> e?.let { id to it } }.toMap(),
    )
}

/** [Room.broadcast] with the driver type given as a type argument. */
public suspend inline fun <reified T : Any> Room.broadcast(noinline call: suspend (T) -> Unit): BroadcastResult =
    broadcast(T::class.java, Room.DEFAULT_BROADCAST_TIMEOUT, call)
