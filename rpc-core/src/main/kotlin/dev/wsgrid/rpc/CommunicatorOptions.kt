package dev.wsgrid.rpc

import dev.wsgrid.rpc.internal.requirePositive
import dev.wsgrid.rpc.internal.requirePositiveOrNull

import dev.wsgrid.rpc.internal.ServiceBindings
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.asCoroutineDispatcher
import java.time.Duration
import java.util.concurrent.Executor
import kotlin.time.toJavaDuration
import kotlin.time.toKotlinDuration

/**
 * How a communicator encodes values, bounds its work and runs providers. Immutable; share one
 * instance among many communicators (it also caches the parsed service interfaces).
 *
 * ```kotlin
 * val options = CommunicatorOptions {
 *     callTimeout = 10.seconds
 *     maxPendingCalls = 512
 * }
 * ```
 *
 * From Java: `CommunicatorOptions.builder().callTimeout(Duration.ofSeconds(10)).build()`.
 */
public class CommunicatorOptions private constructor(builder: Builder) {
    /** Encodes arguments and results. Default: [KotlinxCodec.DEFAULT]. */
    public val codec: Codec = builder.codec

    /**
     * How long a call waits for its return before it fails with [CallTimeoutException];
     * `null` (the default, as in TGrid) waits as long as the connection lives.
     */
    public val callTimeout: Duration? = builder.callTimeout?.toJavaDuration()

    /**
     * How many calls of this side may wait for their return at once on one connection.
     * One more fails at once with [LimitExceededException]. Default: 4096.
     */
    public val maxPendingCalls: Int = builder.maxPendingCalls

    /**
     * How many calls of the remote side may run at once on one connection. One more is answered
     * with an error naming this limit, and the connection lives on. Default: 1024.
     */
    public val maxConcurrentCalls: Int = builder.maxConcurrentCalls

    /**
     * Where provider methods that neither suspend nor return a future run, so that a slow one
     * never stalls the connection's other calls. Default: [Dispatchers.IO].
     */
    public val blockingDispatcher: CoroutineDispatcher = builder.blockingDispatcher

    /**
     * Whether an error sent to the remote side carries the JVM stack trace in its `stack`
     * property. Default: `false`, so internals do not leak to clients.
     */
    public val exposeStackTraces: Boolean = builder.exposeStackTraces

    /**
     * How many items of one stream may be in flight towards this side (sent by the remote side and
     * not yet taken by the collector): the credit this side grants, and the size of the stream's
     * buffer. Streams are a wsgrid extension (`docs/guide/extensions.md`). Default: 64.
     */
    public val streamBufferSize: Int = builder.streamBufferSize

    /**
     * Makes the [EventListener] of each connection: what observes its calls, frames and limits
     * for metrics and traces. Default: [EventListener.NONE_FACTORY], which observes nothing and
     * costs nothing.
     */
    public val eventListenerFactory: EventListener.Factory = builder.eventListenerFactory

    /**
     * Whether the SLF4J MDC holds `wsgrid.connection` (the connection's id, when it has one),
     * `wsgrid.remote` (the remote side's address) and `wsgrid.listener` (the function path) while
     * a provider function runs, and the first two while wsgrid logs about the connection.
     * Default: `true`.
     */
    public val mdc: Boolean = builder.mdc

    internal val bindings: ServiceBindings = ServiceBindings(codec)

    /** A builder that starts from these options. */
    public fun newBuilder(): Builder = Builder(this)

    /**
     * Builds [CommunicatorOptions]. From Kotlin, set its properties in a block
     * (`CommunicatorOptions { callTimeout = 10.seconds }`); from Java, chain its setters
     * (`CommunicatorOptions.builder().callTimeout(Duration.ofSeconds(10)).build()`). Each value is
     * checked as it is set.
     */
    @WsgridDsl
    public class Builder internal constructor(from: CommunicatorOptions?) {
        /** [CommunicatorOptions.codec]. */
        @get:JvmSynthetic @set:JvmSynthetic
        public var codec: Codec = from?.codec ?: KotlinxCodec.DEFAULT

        /** [CommunicatorOptions.callTimeout]; `null` turns the timeout off. */
        @get:JvmSynthetic @set:JvmSynthetic
        public var callTimeout: kotlin.time.Duration? = from?.callTimeout?.toKotlinDuration()
            set(value) { field = requirePositiveOrNull("callTimeout", value) }

        /** [CommunicatorOptions.maxPendingCalls]. */
        @get:JvmSynthetic @set:JvmSynthetic
        public var maxPendingCalls: Int = from?.maxPendingCalls ?: 4096
            set(value) { field = requirePositive("maxPendingCalls", value) }

        /** [CommunicatorOptions.maxConcurrentCalls]. */
        @get:JvmSynthetic @set:JvmSynthetic
        public var maxConcurrentCalls: Int = from?.maxConcurrentCalls ?: 1024
            set(value) { field = requirePositive("maxConcurrentCalls", value) }

        /** [CommunicatorOptions.blockingDispatcher]. */
        @get:JvmSynthetic @set:JvmSynthetic
        public var blockingDispatcher: CoroutineDispatcher = from?.blockingDispatcher ?: Dispatchers.IO

        /** [CommunicatorOptions.exposeStackTraces]. */
        @get:JvmSynthetic @set:JvmSynthetic
        public var exposeStackTraces: Boolean = from?.exposeStackTraces ?: false

        /** [CommunicatorOptions.streamBufferSize]. */
        @get:JvmSynthetic @set:JvmSynthetic
        public var streamBufferSize: Int = from?.streamBufferSize ?: 64
            set(value) { field = requirePositive("streamBufferSize", value) }

        /** [CommunicatorOptions.eventListenerFactory]. */
        @get:JvmSynthetic @set:JvmSynthetic
        public var eventListenerFactory: EventListener.Factory = from?.eventListenerFactory ?: EventListener.NONE_FACTORY

        /** [CommunicatorOptions.mdc]. */
        @get:JvmSynthetic @set:JvmSynthetic
        public var mdc: Boolean = from?.mdc ?: true

        /** Creates a builder with the defaults. */
        public constructor() : this(null)

        /** Sets [codec]. */
        public fun codec(codec: Codec): Builder = apply { this.codec = codec }

        /** Sets [callTimeout]; `null` turns the timeout off. */
        public fun callTimeout(timeout: Duration?): Builder = apply { callTimeout = timeout?.toKotlinDuration() }

        /** Sets [maxPendingCalls]. */
        public fun maxPendingCalls(max: Int): Builder = apply { maxPendingCalls = max }

        /** Sets [maxConcurrentCalls]. */
        public fun maxConcurrentCalls(max: Int): Builder = apply { maxConcurrentCalls = max }

        /** Sets [blockingDispatcher]. */
        public fun blockingDispatcher(dispatcher: CoroutineDispatcher): Builder = apply { blockingDispatcher = dispatcher }

        /** Runs blocking provider methods on [executor] (see [CommunicatorOptions.blockingDispatcher]). */
        public fun blockingExecutor(executor: Executor): Builder = blockingDispatcher(executor.asCoroutineDispatcher())

        /** Sets [exposeStackTraces]. */
        public fun exposeStackTraces(expose: Boolean): Builder = apply { exposeStackTraces = expose }

        /** Sets [streamBufferSize]. */
        public fun streamBufferSize(items: Int): Builder = apply { streamBufferSize = items }

        /** Sets [CommunicatorOptions.eventListenerFactory] to one that hands every connection [listener]. */
        public fun eventListener(listener: EventListener): Builder = eventListenerFactory(EventListener.factory(listener))

        /** Sets [CommunicatorOptions.eventListenerFactory]. */
        public fun eventListenerFactory(factory: EventListener.Factory): Builder = apply { eventListenerFactory = factory }

        /** Sets [CommunicatorOptions.mdc]. */
        public fun mdc(enabled: Boolean): Builder = apply { mdc = enabled }

        /** Builds the options. */
        public fun build(): CommunicatorOptions = CommunicatorOptions(this)
    }

    /** Defaults and factories. */
    public companion object {
        /** The defaults. */
        @JvmField
        public val DEFAULT: CommunicatorOptions = Builder().build()

        /** A builder with the defaults. */
        @JvmStatic
        public fun builder(): Builder = Builder()
    }
}

/** Builds [CommunicatorOptions] from the defaults and what [block] sets: `CommunicatorOptions { callTimeout = 10.seconds }`. */
@JvmSynthetic
public inline fun CommunicatorOptions(block: CommunicatorOptions.Builder.() -> Unit): CommunicatorOptions =
    CommunicatorOptions.Builder().apply(block).build()
