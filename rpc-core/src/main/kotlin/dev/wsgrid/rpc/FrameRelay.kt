package dev.wsgrid.rpc

import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.channels.Channel

/**
 * The receiver a [Transport] is started with while a handshake runs, before the communicator
 * that will serve the connection exists: the handshake [receive]s its frames (the header, the
 * server's accept) one by one, then [attach]es the communicator, which gets every frame that came
 * meanwhile and everything after, in order.
 *
 * A peer that sends more than [limit] frames before the handshake is over is closed with
 * [CloseCodes.POLICY_VIOLATION]: nothing it sends early is held without bound.
 *
 * Frames arrive on the transport's thread; [receive] and [attach] may be called from any one
 * coroutine or thread at a time.
 */
public class FrameRelay @JvmOverloads constructor(
    private val transport: Transport,
    private val limit: Int = DEFAULT_LIMIT,
) : FrameReceiver {
    /** Frames not yet received by the handshake nor attached; guarded by `this` together with [target]. */
    private val held = Channel<TransportFrame>(Channel.UNLIMITED)
    private var count = 0
    private var bounded = true

    @Volatile
    private var target: FrameReceiver? = null

    private val ended = CompletableDeferred<TransportFrame.Closed>()

    override fun onText(text: String) {
        target?.let { return it.onText(text) }
        hold(TransportFrame.Text(text)) { it.onText(text) }
    }

    override fun onBinary(data: ByteArray) {
        target?.let { return it.onBinary(data) }
        hold(TransportFrame.Binary(data)) { it.onBinary(data) }
    }

    override fun onClosed(closed: TransportFrame.Closed) {
        ended.complete(closed)
        target?.let { return it.onClosed(closed) }
        hold(closed) { it.onClosed(closed) }
    }

    private inline fun hold(frame: TransportFrame, deliver: (FrameReceiver) -> Unit) {
        val overflow = synchronized(this) {
            val t = target
            if (t != null) {
                deliver(t)
                return
            }
            held.trySend(frame)
            frame !is TransportFrame.Closed && ++count > limit && bounded
        }
        if (overflow) transport.close(CloseCodes.POLICY_VIOLATION, "more than $limit frames before the handshake finished")
    }

    /**
     * The next frame held, waiting for one; the connection's end comes as a [TransportFrame.Closed],
     * and again on every later call.
     */
    public suspend fun receive(): TransportFrame {
        val frame = held.receiveCatching().getOrNull() ?: return ended.await()
        synchronized(this) { if (frame !is TransportFrame.Closed) count-- }
        if (frame is TransportFrame.Closed) held.close()
        return frame
    }

    /**
     * Lifts the limit: from now on frames are held however many come, until [attach]. For the
     * moment between a server's accept frame and the attach, when a client may rightly send calls.
     */
    public fun unbounded() {
        synchronized(this) { bounded = false }
    }

    /** Waits until the connection has ended, and answers how. */
    public suspend fun awaitClosed(): TransportFrame.Closed = ended.await()

    /** Hands the held frames, then every frame that arrives, to [receiver]; once. */
    public fun attach(receiver: FrameReceiver) {
        synchronized(this) {
            check(target == null) { "a receiver is attached already" }
            while (true) {
                when (val f = held.tryReceive().getOrNull() ?: break) {
                    is TransportFrame.Text -> receiver.onText(f.text)
                    is TransportFrame.Binary -> receiver.onBinary(f.data)
                    is TransportFrame.Closed -> receiver.onClosed(f)
                }
            }
            held.close()
            target = receiver
        }
    }

    /** Defaults. */
    public companion object {
        /** Frames a peer may send before the handshake is over. */
        public const val DEFAULT_LIMIT: Int = 64
    }
}
