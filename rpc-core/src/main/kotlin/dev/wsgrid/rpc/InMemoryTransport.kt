package dev.wsgrid.rpc

import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicReference

/**
 * One end of an in-process pair of [Transport]s: what one end sends, the other receives.
 * It behaves like a WebSocket (ordered frames, a close with code and reason that both ends
 * see), so services can be tested without sockets:
 *
 * ```kotlin
 * val (left, right) = InMemoryTransport.pair()
 * val server = TransportCommunicator(Calculator()).apply { open(left) }
 * val client = TransportCommunicator<Nothing>().apply { open(right) }
 * client.getDriver<ICalculator>().plus(1.0, 2.0) // 3.0
 * ```
 *
 * Each end delivers what it receives from a coroutine of its own. [awaitWritable] waits while
 * `capacity` frames are waiting at the other end; a peer that lets `16 × capacity` pile up is
 * dropped with [CloseCodes.POLICY_VIOLATION], as a WebSocket transport drops a peer that does
 * not read.
 */
public class InMemoryTransport private constructor(
    private val capacity: Int,
    private val context: kotlinx.coroutines.CoroutineDispatcher,
) : Transport {
    /** Frames from the peer, then possibly its close; read only by this end's pump. */
    private val inbox = Channel<TransportFrame>(Channel.UNLIMITED)

    /** How many frames wait in [inbox]: written by the peer's senders and this end's pump. */
    private val waiting = MutableStateFlow(0)

    /** How this end closed, once it has (by itself, or seen from the peer's close). */
    private val closed = AtomicReference<TransportFrame.Closed?>(null)
    private val started = AtomicBoolean()
    private val scope = CoroutineScope(SupervisorJob() + context + CoroutineName("wsgrid-in-memory"))
    private lateinit var peer: InMemoryTransport

    override fun start(receiver: FrameReceiver) {
        check(started.compareAndSet(false, true)) { "the transport was started already" }
        scope.launch(start = CoroutineStart.UNDISPATCHED) {
            var end: TransportFrame.Closed? = null
            try {
                for (frame in inbox) {
                    waiting.update { it - 1 }
                    // this end closed: it reads nothing more, as a WebSocket that sent its close
                    if (closed.get()?.byPeer == false) break
                    when (frame) {
                        is TransportFrame.Text -> receiver.onText(frame.text)
                        is TransportFrame.Binary -> receiver.onBinary(frame.data)
                        is TransportFrame.Closed -> {
                            closed.compareAndSet(null, frame)
                            end = frame
                            break
                        }
                    }
                }
            } finally {
                receiver.onClosed(end ?: closed.get() ?: TransportFrame.Closed(CloseCodes.ABNORMAL, "", byPeer = true))
                scope.cancel()
            }
        }
    }

    override fun sendText(text: String) {
        deliver(TransportFrame.Text(text))
    }

    override fun sendBinary(data: ByteArray) {
        deliver(TransportFrame.Binary(data))
    }

    private fun deliver(frame: TransportFrame) {
        closed.get()?.let { throw ConnectionClosedException(it.code, it.reason) }
        if (peer.waiting.value >= capacity * OVERFLOW_FACTOR) {
            val why = "the peer did not read: ${peer.waiting.value} frames waiting (${capacity * OVERFLOW_FACTOR} at most)"
            close(CloseCodes.POLICY_VIOLATION, why)
            throw ConnectionClosedException(CloseCodes.POLICY_VIOLATION, why)
        }
        peer.waiting.update { it + 1 }
        if (peer.inbox.trySend(frame).isFailure) {
            peer.waiting.update { it - 1 }
            val info = closed.get() ?: TransportFrame.Closed(CloseCodes.ABNORMAL, "", true)
            throw ConnectionClosedException(info.code, info.reason)
        }
    }

    override suspend fun awaitWritable() {
        closed.get()?.let { throw ConnectionClosedException(it.code, it.reason) }
        if (peer.waiting.value < capacity) return
        peer.waiting.first { it < capacity || closed.get() != null }
        closed.get()?.let { throw ConnectionClosedException(it.code, it.reason) }
    }

    override fun close(code: Int, reason: String) {
        if (!closed.compareAndSet(null, TransportFrame.Closed(code, reason, byPeer = false))) return
        // The peer reads what was sent before the close, then sees the close...
        peer.inbox.trySend(TransportFrame.Closed(code, reason, byPeer = true))
        peer.inbox.close()
        // ...while this end stops reading at once (its pump skips what is left), as a WebSocket that sent its close does.
        inbox.close()
        if (!started.get()) scope.cancel()
    }

    /** Defaults and factories. */
    public companion object {
        /** Default number of frames one end lets wait at the other before [awaitWritable] waits. */
        public const val DEFAULT_CAPACITY: Int = 256

        private const val OVERFLOW_FACTOR = 16

        /** Creates a connected pair; see the class. Each end delivers on [Dispatchers.Default]. */
        @JvmStatic
        @JvmOverloads
        public fun pair(capacity: Int = DEFAULT_CAPACITY): Pair<InMemoryTransport, InMemoryTransport> = pair(capacity, Dispatchers.Default)

        /**
         * Creates a connected pair whose ends deliver on [dispatcher]. With a test dispatcher of
         * kotlinx-coroutines-test, and communicators on it too, timeouts run on its virtual clock:
         * a test of a ten-minute timeout takes no time and cannot race the real one.
         */
        @JvmStatic
        public fun pair(capacity: Int, dispatcher: kotlinx.coroutines.CoroutineDispatcher): Pair<InMemoryTransport, InMemoryTransport> {
            require(capacity > 0) { "capacity must be positive, was $capacity" }
            val a = InMemoryTransport(capacity, dispatcher)
            val b = InMemoryTransport(capacity, dispatcher)
            a.peer = b
            b.peer = a
            return a to b
        }
    }
}
