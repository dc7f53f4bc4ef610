package dev.wsgrid.rpc

import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.ClosedSendChannelException
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
 * Each direction buffers at most `capacity` frames; a sender beyond that suspends until the
 * receiver catches up.
 */
public class InMemoryTransport private constructor(capacity: Int) : Transport {
    private val inbox = Channel<TransportFrame>(capacity)
    private val closed = AtomicReference<TransportFrame.Closed?>(null)
    private lateinit var peer: InMemoryTransport

    override suspend fun sendText(text: String) {
        deliver(TransportFrame.Text(text))
    }

    override suspend fun sendBinary(data: ByteArray) {
        deliver(TransportFrame.Binary(data.copyOf()))
    }

    private suspend fun deliver(frame: TransportFrame) {
        closed.get()?.let { throw ConnectionClosedException(it.code, it.reason) }
        try {
            peer.inbox.send(frame)
        } catch (e: ClosedSendChannelException) {
            val info = closed.get() ?: TransportFrame.Closed(CloseCodes.ABNORMAL, "", true)
            throw ConnectionClosedException(info.code, info.reason, cause = e)
        }
    }

    override suspend fun receive(): TransportFrame =
        inbox.receiveCatching().getOrNull()
            ?: closed.get()
            ?: TransportFrame.Closed(CloseCodes.ABNORMAL, "", byPeer = true)

    override suspend fun close(code: Int, reason: String) {
        if (!closed.compareAndSet(null, TransportFrame.Closed(code, reason, byPeer = false))) return
        // The peer still reads what was sent before the close, then sees the close.
        peer.closed.compareAndSet(null, TransportFrame.Closed(code, reason, byPeer = true))
        peer.inbox.close()
        // This end stops reading at once, as a WebSocket that sent its close does.
        inbox.cancel()
    }

    /** Defaults and factories. */
    public companion object {
        /** Default number of frames buffered in each direction. */
        public const val DEFAULT_CAPACITY: Int = 256

        /** Creates a connected pair; each direction buffers up to [capacity] frames. */
        @JvmStatic
        @JvmOverloads
        public fun pair(capacity: Int = DEFAULT_CAPACITY): Pair<InMemoryTransport, InMemoryTransport> {
            require(capacity > 0) { "capacity must be positive, was $capacity" }
            val a = InMemoryTransport(capacity)
            val b = InMemoryTransport(capacity)
            a.peer = b
            b.peer = a
            return a to b
        }
    }
}
