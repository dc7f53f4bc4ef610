package dev.wsgrid.ktor

import dev.wsgrid.rpc.ConnectionClosedException
import dev.wsgrid.rpc.internal.InternalWsgridApi
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.first

/**
 * The bytes a connection has accepted for sending and not yet seen written, counted against
 * [OutgoingLimits]: what decides when it stops reading, when senders wait, and when a peer that
 * does not read is dropped. Thread-safe; the transport adds on send and removes once written.
 */
@InternalWsgridApi
public class Backlog(private val limits: OutgoingLimits) {
    private var bytes = 0L // guarded by this

    /** When the backlog went above the high-water mark (System.nanoTime), or 0 while it is below. */
    @Volatile
    private var overSince: Long = 0L

    /** Whether the backlog is at or below its high-water mark; readers and waiting senders watch it. */
    public val writable: MutableStateFlow<Boolean> = MutableStateFlow(true)

    /** Counts [n] more bytes; answers `null`, or why the peer must be dropped ([OutgoingLimits.maxQueued] exceeded). */
    public fun add(n: Int): String? {
        synchronized(this) {
            if (bytes > 0 && bytes + n > limits.maxQueued) {
                return "the peer did not read: ${bytes + n} bytes would wait to be sent (maxOutgoingBytes ${limits.maxQueued})"
            }
            bytes += n
            if (bytes > limits.highWater && overSince == 0L) {
                overSince = System.nanoTime().coerceAtLeast(1)
                writable.value = false
            }
        }
        return null
    }

    /** [n] bytes counted earlier were written (or dropped): they no longer count. */
    public fun remove(n: Long) {
        synchronized(this) {
            bytes -= n
            if (bytes <= limits.highWater && overSince != 0L) {
                overSince = 0L
                writable.value = true
            }
        }
    }

    /** The bytes waiting now. */
    public val queuedBytes: Long get() = synchronized(this) { bytes }

    /** Whether the backlog has been above its high-water mark for longer than the send timeout. */
    public fun stalled(now: Long = System.nanoTime()): Boolean {
        val since = overSince
        return since != 0L && now - since > limits.sendTimeout.toNanos()
    }

    /** Why a stalled peer is dropped. */
    public fun stallReason(): String =
        "the peer did not read its frames for ${limits.sendTimeout.toMillis()} ms (${queuedBytes} bytes waiting, sendTimeout)"

    /** Waits until the backlog is at or below its high-water mark, or [closed] says the connection ended. */
    public suspend fun awaitWritable(closed: () -> ConnectionClosedException?) {
        closed()?.let { throw it }
        if (writable.value) return
        writable.first { it || closed() != null }
        closed()?.let { throw it }
    }

    /** The connection ended: whoever waits wakes (and finds it closed). */
    public fun release() {
        synchronized(this) {
            bytes = 0
            overSince = 0L
        }
        writable.value = true
    }
}
