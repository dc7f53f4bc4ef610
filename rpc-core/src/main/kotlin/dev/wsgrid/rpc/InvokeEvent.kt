package dev.wsgrid.rpc

import java.time.Instant

/**
 * The four invoke events of TGrid. *Send* and *complete* happen on the caller, *receive* and
 * *return* on the callee. See [InvokeListener].
 */
public sealed class InvokeEvent {
    /** The call the event is about. */
    public abstract val function: InvokeFunction

    /** A call is about to be sent; changing [function]'s parameters changes what is sent. */
    public class Send internal constructor(public val time: Instant, override val function: InvokeFunction) : InvokeEvent()

    /** A call arrived; changing [function]'s parameters changes what the provider receives. */
    public class Receive internal constructor(public val time: Instant, override val function: InvokeFunction) : InvokeEvent()

    /**
     * A return arrived for a call this side made; changing [result]'s value changes what the
     * caller gets.
     */
    public class Complete internal constructor(
        override val function: InvokeFunction,
        public val result: InvokeReturn,
        public val requestedAt: Instant,
        public val completedAt: Instant,
    ) : InvokeEvent()

    /** The provider finished a call; changing [result]'s value changes what is sent back. */
    public class Return internal constructor(
        override val function: InvokeFunction,
        public val result: InvokeReturn,
        public val requestedAt: Instant,
        public val completedAt: Instant,
    ) : InvokeEvent()
}
