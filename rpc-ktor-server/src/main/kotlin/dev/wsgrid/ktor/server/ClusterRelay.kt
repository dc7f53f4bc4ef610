package dev.wsgrid.ktor.server

import dev.wsgrid.rpc.CommunicatorState
import dev.wsgrid.rpc.ConnectionClosedException
import dev.wsgrid.rpc.NotConnectedException
import dev.wsgrid.rpc.RemoteException
import dev.wsgrid.rpc.internal.RecordedCall
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.cancel
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put
import org.slf4j.LoggerFactory
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicBoolean

/**
 * The owner's end of one [RemoteConnection] of another node: each call frame that arrives is made
 * on [acceptor] (its own uid there, the arguments as they came), and its return goes back with the
 * caller's uid and the value as it came. Notifications are queued without waiting.
 */
internal class ClusterRelay(
    private val node: ClusterNode,
    val tunnelId: String,
    /** The calling node. */
    val origin: String,
    val acceptor: WebSocketAcceptor<*, *>,
) {
    /** Owns the relayed calls running now, a child of the node's scope; cancelled when the tunnel ends. */
    private val calls = CoroutineScope(node.scope.coroutineContext + SupervisorJob(node.scope.coroutineContext[Job]))
    private val ended = AtomicBoolean()

    /** The relayed calls by the caller's uid, until they return. */
    private val running = ConcurrentHashMap<Long, Job>()

    /** A call frame from [origin] (on the link's thread). */
    fun onFrame(frame: String) {
        val received = try {
            RecordedCall.parse(frame)
        } catch (e: Exception) {
            log.debug("node {}: skipped a frame from node {}: {}", node.nodeId, origin, e.message)
            return
        }
        if (acceptor.state == CommunicatorState.ACCEPTING) {
            // accepted a moment ago (its client was located at once): its session opens right after the accept frame
            calls.launch {
                acceptor.awaitDecision()
                relay(received)
            }
            return
        }
        relay(received)
    }

    private fun relay(received: RecordedCall.Received) {
        if (received.uid == RecordedCall.NOTIFICATION_UID) {
            try {
                acceptor.notifyRecorded(received.call)
            } catch (e: Exception) {
                closedUnder(e)
            }
            return
        }
        val job = calls.launch(start = CoroutineStart.UNDISPATCHED) {
            val reply = try {
                RecordedCall.returnFrame(received.uid, true, acceptor.callRecordedForValue(received.call, null))
            } catch (e: CancellationException) {
                throw e
            } catch (e: RemoteException) {
                RecordedCall.returnFrame(received.uid, false, e.data.toString())
            } catch (e: Exception) {
                if (closedUnder(e)) return@launch
                val error = buildJsonObject {
                    put("name", e.javaClass.simpleName)
                    put("message", e.message ?: "")
                }
                RecordedCall.returnFrame(received.uid, false, error.toString())
            }
            if (!ended.get()) node.sendQuietly(origin, ClusterMessages.returnFrame(tunnelId, reply))
        }
        // registered after it may have finished already: the handler then runs at once and removes it
        running[received.uid] = job
        job.invokeOnCompletion { running.remove(received.uid, job) }
    }

    /** The caller gave the call [uid] up: it stops here too. */
    fun cancel(uid: Long) {
        running[uid]?.cancel()
    }

    /** Ends the tunnel when [e] says the connection closed; answers whether it did. */
    private fun closedUnder(e: Exception): Boolean = when (e) {
        is ConnectionClosedException -> {
            end(e.code, e.reason)
            true
        }
        is NotConnectedException -> {
            end(1001, "the connection ${acceptor.id} is ${e.state}")
            true
        }
        else -> false
    }

    /** The connection closed: the calling node's tunnel closes with [code] and [reason]. */
    fun end(code: Int, reason: String) {
        if (!ended.compareAndSet(false, true)) return
        node.sendQuietly(origin, ClusterMessages.close(tunnelId, code, reason))
        calls.cancel("the tunnel ended")
        node.relayEnded(this)
    }

    /** The calling side is gone: its calls stop. */
    fun cancel() {
        if (!ended.compareAndSet(false, true)) return
        calls.cancel("the tunnel ended")
        node.relayEnded(this)
    }

    private companion object {
        val log = LoggerFactory.getLogger(ClusterRelay::class.java)
    }
}
