package dev.wsgrid.rpc

/**
 * The pipe a [Communicator] talks through: one WebSocket connection, an in-memory pair
 * ([InMemoryTransport]), or anything else that moves whole text and binary frames in order.
 *
 * ## Contract
 * - [sendText] and [sendBinary] may be called from many coroutines at once. Frames go out in
 *   the order of the calls, including callers that had to suspend because the outgoing buffer
 *   was full (a kotlinx.coroutines `Channel` gives this for free). They throw
 *   [ConnectionClosedException] once the transport is closed.
 * - [receive] is called by one coroutine at a time and returns the frames in the order they
 *   arrived; after it has returned a [TransportFrame.Closed], it returns that same frame again.
 * - [close] sends a close with the code and reason, is idempotent, and makes [receive] end with
 *   a [TransportFrame.Closed].
 */
public interface Transport {
    /** Sends one text frame. */
    public suspend fun sendText(text: String)

    /** Sends one binary frame. */
    public suspend fun sendBinary(data: ByteArray)

    /** Receives the next frame, suspending until one arrives or the transport closes. */
    public suspend fun receive(): TransportFrame

    /** Closes with [code] and [reason]; a no-op when already closed. */
    public suspend fun close(code: Int, reason: String)
}

/** What [Transport.receive] returns. */
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
