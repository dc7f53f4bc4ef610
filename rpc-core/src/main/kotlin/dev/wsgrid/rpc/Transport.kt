package dev.wsgrid.rpc

import kotlinx.coroutines.CoroutineDispatcher

/**
 * The pipe a [Communicator] talks through: one WebSocket connection, an in-memory pair
 * ([InMemoryTransport]), or anything else that moves whole text and binary frames in order.
 *
 * ## Contract
 * - [start] is called once; from then on the transport delivers what it receives to the
 *   [FrameReceiver], one frame at a time and in order, on its own thread (a connection's event
 *   loop, or its reader coroutine), and ends with exactly one [FrameReceiver.onClosed].
 * - [sendText] and [sendBinary] queue one frame and return at once: they never block and never
 *   suspend, and may be called from any thread. Frames go out in the order of the calls. They
 *   throw [ConnectionClosedException] once the transport is closed.
 * - The outgoing queue is bounded in bytes. Above its high-water mark the transport stops reading
 *   (a peer that does not read its answers gets no more calls served) and [awaitWritable]
 *   suspends; a peer that leaves it above the mark for the send timeout, or fills it to the
 *   limit, is dropped with [CloseCodes.POLICY_VIOLATION], reported to the receiver.
 * - [close] starts the close handshake with the code and reason and returns at once; it is
 *   idempotent. The receiver's [FrameReceiver.onClosed] reports the end.
 */
public interface Transport {
    /** Starts delivering received frames to [receiver]. Called once. */
    public fun start(receiver: FrameReceiver)

    /** Queues one text frame. */
    public fun sendText(text: String)

    /** Queues one binary frame; the transport owns [data] from now on. */
    public fun sendBinary(data: ByteArray)

    /**
     * Suspends while the outgoing queue is above its high-water mark; returns at once otherwise.
     * Senders that can wait (a driver call, a stream) call it first, so a slow peer slows them
     * instead of filling the queue.
     *
     * @throws ConnectionClosedException once the transport is closed.
     */
    public suspend fun awaitWritable()

    /** Starts closing with [code] and [reason]; a no-op when closing or closed. */
    public fun close(code: Int, reason: String)

    /**
     * Where the connection's own work runs: the dispatcher the transport delivers frames on, which
     * runs a task inline when already on that thread. `null` leaves the choice to the communicator.
     */
    public val dispatcher: CoroutineDispatcher? get() = null
}

/** What a [Transport] delivers received frames to; see its contract. Called on the transport's thread. */
public interface FrameReceiver {
    /** A text frame arrived. */
    public fun onText(text: String)

    /** A binary frame arrived; the receiver owns [data]. */
    public fun onBinary(data: ByteArray)

    /** The transport closed; nothing follows. */
    public fun onClosed(closed: TransportFrame.Closed)
}

/** The frames of a transport, as [InMemoryTransport] hands them to tests; [Closed] ends every connection. */
public sealed class TransportFrame {
    /** A text frame. */
    public class Text(public val text: String) : TransportFrame() {
        override fun toString(): String = "Text(${text.length} chars)"
    }

    /** A binary frame. */
    public class Binary(public val data: ByteArray) : TransportFrame() {
        override fun toString(): String = "Binary(${data.size} bytes)"
    }

    /**
     * The transport is closed; no frame follows.
     *
     * @property code the close code ([CloseCodes.ABNORMAL] when the connection was lost).
     * @property reason the close reason, possibly empty.
     * @property byPeer whether the remote side closed (`false` when this side did).
     * @property cause what broke the connection, when it was not a clean close.
     */
    public class Closed @JvmOverloads constructor(
        public val code: Int,
        public val reason: String,
        public val byPeer: Boolean,
        public val cause: Throwable? = null,
    ) : TransportFrame() {
        override fun toString(): String = "Closed(code=$code, reason=\"$reason\", byPeer=$byPeer)"
    }
}
