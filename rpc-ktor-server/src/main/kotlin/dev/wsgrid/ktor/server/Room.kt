package dev.wsgrid.ktor.server

import dev.wsgrid.rpc.CallTimeoutException
import dev.wsgrid.rpc.CommunicatorState
import dev.wsgrid.ktor.server.netty.EventLoopDispatcher
import dev.wsgrid.ktor.server.netty.FanOut
import dev.wsgrid.rpc.internal.RecordedCall
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.awaitAll
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
    private val registry: AcceptorRegistry<*, *>? = null,
) {
    internal val memberSet: MutableSet<WebSocketAcceptor<*, *>> = ConcurrentHashMap.newKeySet()

    /** The members now (on a cluster, this node's). */
    public val members: List<WebSocketAcceptor<*, *>> get() = ArrayList(memberSet)

    /** How many members the room has now. */
    public val size: Int get() = memberSet.size

    /**
     * Calls [call] on a driver of [type] of every member at once; see [broadcast]. On a cluster it
     * reaches the members on every node, and [BroadcastResult.failedNodes] names the nodes that
     * did not answer.
     */
    public suspend fun <T : Any> broadcast(type: Class<T>, timeout: Duration = DEFAULT_BROADCAST_TIMEOUT, call: suspend (T) -> Unit): BroadcastResult =
        registry?.takeIf { it.cluster != null }?.broadcastIn(name, type, timeout, call) ?: broadcastTo(ArrayList(memberSet), type, timeout, call)

    override fun toString(): String = "Room($name, ${memberSet.size} members)"

    public companion object {
        /** How long a broadcast waits for each member by default. */
        @JvmField
        public val DEFAULT_BROADCAST_TIMEOUT: Duration = Duration.ofSeconds(10)
    }
}

/**
 * Runs [call] once on a recording driver of [type] (see [RecordedCall.record]) and sends that one
 * call to every open acceptor of [members] at once; reports member by member.
 */
internal suspend fun <T : Any> broadcastTo(
    members: List<WebSocketAcceptor<*, *>>,
    type: Class<T>,
    timeout: Duration,
    call: suspend (T) -> Unit,
): BroadcastResult {
    val open = members.filter { it.state == CommunicatorState.OPEN }
    if (open.isEmpty()) return BroadcastResult(emptyList(), emptyMap())
    return broadcastRecorded(open, RecordedCall.record(type, open.first().options, call), timeout)
}

/**
 * Sends [call] to every open acceptor of [members] at once, and reports member by member; a
 * member that has not answered within [timeout] counts as failed. A notification is queued for
 * every member (its frame built once) and waits for nobody.
 */
internal suspend fun broadcastRecorded(members: List<WebSocketAcceptor<*, *>>, call: RecordedCall, timeout: Duration): BroadcastResult =
    sendRecorded(members, call, timeout).also { result ->
        members.firstOrNull()?.serverListener?.let { l -> runCatching { l.onBroadcast(call.listener, result) } }
    }

private suspend fun sendRecorded(members: List<WebSocketAcceptor<*, *>>, call: RecordedCall, timeout: Duration): BroadcastResult {
    val open = members.filter { it.state == CommunicatorState.OPEN }
    val delivered = ArrayList<String>(open.size)
    val failed = LinkedHashMap<String, Throwable>()
    if (call.oneWay) {
        // one task per event loop for all of its members (the frame encoded once per loop, each
        // channel flushed once); members served elsewhere (Ktor's sessions) are queued from here
        val outcomes = arrayOfNulls<Throwable?>(open.size)
        val byLoop = open.indices.groupBy { (open[it].transportDispatcher as? EventLoopDispatcher)?.loop }
        val batches = ArrayList<CompletableDeferred<Unit>>()
        for ((loop, indices) in byLoop) {
            val notifyAll = {
                for (i in indices) {
                    try {
                        open[i].notifyRecorded(call)
                    } catch (e: Exception) {
                        outcomes[i] = e
                    }
                }
            }
            if (loop == null) {
                notifyAll()
            } else {
                val done = CompletableDeferred<Unit>()
                batches.add(done)
                FanOut.on(loop) {
                    try {
                        notifyAll()
                    } finally {
                        done.complete(Unit)
                    }
                }
            }
        }
        batches.awaitAll()
        open.forEachIndexed { i, member -> outcomes[i]?.let { failed[member.id] = it } ?: delivered.add(member.id) }
        return BroadcastResult(delivered, failed)
    }
    return coroutineScope {
        // Each member's call starts on this thread and runs until it waits for its return; one timer
        // bounds the stragglers (a member not answering, a member not reading).
        val outcomes = open.map { member ->
            async(start = CoroutineStart.UNDISPATCHED) {
                try {
                    member.callRecorded(call, null)
                    null
                } catch (e: CancellationException) {
                    throw e
                } catch (e: Throwable) {
                    e
                }
            }
        }
        val finished = withTimeoutOrNull(timeout.toMillis()) { outcomes.joinAll() } != null
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
}

/** [Room.broadcast] with the driver type given as a type argument. */
public suspend inline fun <reified T : Any> Room.broadcast(noinline call: suspend (T) -> Unit): BroadcastResult =
    broadcast(T::class.java, Room.DEFAULT_BROADCAST_TIMEOUT, call)
