package dev.wsgrid.ktor

import java.time.Duration

/**
 * How much a connection may hold for a peer that reads slower than it is written to.
 *
 * @property highWater queued bytes above which the connection stops reading the peer's frames
 *   and senders that can wait do so. Default: 1 MiB.
 * @property maxQueued queued bytes beyond which the peer is dropped with 1008 (one frame bigger
 *   than this still goes when nothing else waits). Default: 16 MiB.
 * @property sendTimeout how long the queue may stay above [highWater] before the peer, which is
 *   not reading, is dropped with 1008. Default: 30 s.
 */
public class OutgoingLimits @JvmOverloads constructor(
    public val highWater: Long = 1L shl 20,
    public val maxQueued: Long = 16L shl 20,
    public val sendTimeout: Duration = Duration.ofSeconds(30),
) {
    init {
        require(highWater > 0) { "highWater must be positive, was $highWater" }
        require(maxQueued >= highWater) { "maxQueued ($maxQueued) must be at least highWater ($highWater)" }
        require(!sendTimeout.isNegative && !sendTimeout.isZero) { "sendTimeout must be positive, was $sendTimeout" }
    }

    /** Defaults. */
    public companion object {
        /** The defaults. */
        @JvmField
        public val DEFAULT: OutgoingLimits = OutgoingLimits()
    }
}
