package dev.wsgrid.ktor.client

import dev.wsgrid.rpc.internal.requirePositive
import java.time.Duration
import java.util.concurrent.ThreadLocalRandom

/**
 * How a [WebSocketConnector] reconnects after it loses its connection (any close it did not ask
 * for): it waits [initialDelay], then [multiplier] times longer after each failed attempt, up to
 * [maxDelay], each wait moved by up to ±[jitter] of itself so that many clients do not return at
 * once. It sends its header again and keeps its provider and drivers.
 *
 * ```kotlin
 * ConnectorOptions.builder().reconnect(ReconnectPolicy.builder().maxDelay(Duration.ofSeconds(10)).build())
 * ```
 */
public class ReconnectPolicy private constructor(b: Builder) {
    /** The wait before the first attempt. Default: 200 ms. */
    public val initialDelay: Duration = b.initialDelay

    /** How much longer each next wait is. Default: 2. */
    public val multiplier: Double = b.multiplier

    /** The longest wait. Default: 30 s. */
    public val maxDelay: Duration = b.maxDelay

    /** How far a wait may move, as a fraction of it (0 to 1). Default: 0.2. */
    public val jitter: Double = b.jitter

    /** How many attempts in a row before giving up and closing; `0` (the default) for no limit. */
    public val maxAttempts: Int = b.maxAttempts

    /**
     * Whether calls made while reconnecting wait for the connection (up to their timeout) instead
     * of failing at once with `NotConnectedException`. Default: `false`.
     */
    public val waitWhileReconnecting: Boolean = b.waitWhileReconnecting

    /** The wait before attempt [attempt] (1 for the first), jitter included. */
    public fun delay(attempt: Int): Duration {
        var millis = initialDelay.toMillis().toDouble()
        repeat(attempt - 1) { millis = minOf(millis * multiplier, maxDelay.toMillis().toDouble()) }
        val moved = millis * (1 + jitter * (ThreadLocalRandom.current().nextDouble() * 2 - 1))
        return Duration.ofMillis(moved.toLong().coerceIn(0, maxDelay.toMillis()))
    }

    /** A builder starting from this policy. */
    public fun newBuilder(): Builder = Builder(this)

    /** Builds a [ReconnectPolicy]. */
    public class Builder internal constructor(from: ReconnectPolicy?) {
        internal var initialDelay: Duration = from?.initialDelay ?: Duration.ofMillis(200)
        internal var multiplier: Double = from?.multiplier ?: 2.0
        internal var maxDelay: Duration = from?.maxDelay ?: Duration.ofSeconds(30)
        internal var jitter: Double = from?.jitter ?: 0.2
        internal var maxAttempts: Int = from?.maxAttempts ?: 0
        internal var waitWhileReconnecting: Boolean = from?.waitWhileReconnecting ?: false

        /** A builder with the defaults. */
        public constructor() : this(null)

        /** Sets [ReconnectPolicy.initialDelay]. */
        public fun initialDelay(delay: Duration): Builder = apply { initialDelay = requirePositive("initialDelay", delay) }

        /** Sets [ReconnectPolicy.multiplier]; at least 1. */
        public fun multiplier(multiplier: Double): Builder = apply {
            require(multiplier >= 1.0) { "multiplier must be at least 1, was $multiplier" }
            this.multiplier = multiplier
        }

        /** Sets [ReconnectPolicy.maxDelay]. */
        public fun maxDelay(delay: Duration): Builder = apply { maxDelay = requirePositive("maxDelay", delay) }

        /** Sets [ReconnectPolicy.jitter]; between 0 and 1. */
        public fun jitter(jitter: Double): Builder = apply {
            require(jitter in 0.0..1.0) { "jitter must be between 0 and 1, was $jitter" }
            this.jitter = jitter
        }

        /** Sets [ReconnectPolicy.maxAttempts]; `0` for no limit. */
        public fun maxAttempts(attempts: Int): Builder = apply {
            require(attempts >= 0) { "maxAttempts cannot be negative, was $attempts" }
            maxAttempts = attempts
        }

        /** Sets [ReconnectPolicy.waitWhileReconnecting]. */
        public fun waitWhileReconnecting(wait: Boolean): Builder = apply { waitWhileReconnecting = wait }

        /** Builds the policy. */
        public fun build(): ReconnectPolicy = ReconnectPolicy(this)
    }

    /** Defaults and factories. */
    public companion object {
        /** The defaults. */
        @JvmField
        public val DEFAULT: ReconnectPolicy = Builder().build()

        /** A builder with the defaults. */
        @JvmStatic
        public fun builder(): Builder = Builder()
    }
}
