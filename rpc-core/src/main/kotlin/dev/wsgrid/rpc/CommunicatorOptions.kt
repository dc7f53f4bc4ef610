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

/**
 * How a communicator encodes values, bounds its work and runs providers. Immutable; share one
 * instance among many communicators (it also caches the parsed service interfaces).
 *
 * ```kotlin
 * val options = CommunicatorOptions.builder()
 *     .callTimeout(Duration.ofSeconds(10))
 *     .maxPendingCalls(512)
 *     .build()
 * ```
 */
public class CommunicatorOptions private constructor(builder: Builder) {
    /** Encodes arguments and results. Default: [KotlinxCodec.DEFAULT]. */
    public val codec: Codec = builder.codec

    /**
     * How long a call waits for its return before it fails with [CallTimeoutException];
     * `null` (the default, as in TGrid) waits as long as the connection lives.
     */
    public val callTimeout: Duration? = builder.callTimeout

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

    /** Builds [CommunicatorOptions]; every setter returns the builder. */
    public class Builder internal constructor(from: CommunicatorOptions?) {
        internal var codec: Codec = from?.codec ?: KotlinxCodec.DEFAULT
        internal var callTimeout: Duration? = from?.callTimeout
        internal var maxPendingCalls: Int = from?.maxPendingCalls ?: 4096
        internal var maxConcurrentCalls: Int = from?.maxConcurrentCalls ?: 1024
        internal var blockingDispatcher: CoroutineDispatcher = from?.blockingDispatcher ?: Dispatchers.IO
        internal var exposeStackTraces: Boolean = from?.exposeStackTraces ?: false
        internal var streamBufferSize: Int = from?.streamBufferSize ?: 64
        internal var eventListenerFactory: EventListener.Factory = from?.eventListenerFactory ?: EventListener.NONE_FACTORY
        internal var mdc: Boolean = from?.mdc ?: true

        /** Creates a builder with the defaults. */
        public constructor() : this(null)

        /** Sets [CommunicatorOptions.codec]. */
        public fun codec(codec: Codec): Builder = apply { this.codec = codec }

        /** Sets [CommunicatorOptions.callTimeout]; `null` turns the timeout off. */
        public fun callTimeout(timeout: Duration?): Builder = apply { callTimeout = requirePositiveOrNull("callTimeout", timeout) }

        /** Sets [CommunicatorOptions.callTimeout]; `null` turns the timeout off. */
        public fun callTimeout(timeout: kotlin.time.Duration?): Builder = callTimeout(timeout?.toJavaDuration())

        /** Sets [CommunicatorOptions.maxPendingCalls]. */
        public fun maxPendingCalls(max: Int): Builder = apply { maxPendingCalls = requirePositive("maxPendingCalls", max) }

        /** Sets [CommunicatorOptions.maxConcurrentCalls]. */
        public fun maxConcurrentCalls(max: Int): Builder = apply { maxConcurrentCalls = requirePositive("maxConcurrentCalls", max) }

        /** Sets [CommunicatorOptions.blockingDispatcher]. */
        public fun blockingDispatcher(dispatcher: CoroutineDispatcher): Builder = apply { blockingDispatcher = dispatcher }

        /** Runs blocking provider methods on [executor] (see [CommunicatorOptions.blockingDispatcher]). */
        public fun blockingExecutor(executor: Executor): Builder = blockingDispatcher(executor.asCoroutineDispatcher())

        /** Sets [CommunicatorOptions.exposeStackTraces]. */
        public fun exposeStackTraces(expose: Boolean): Builder = apply { exposeStackTraces = expose }

        /** Sets [CommunicatorOptions.streamBufferSize]. */
        public fun streamBufferSize(items: Int): Builder = apply { streamBufferSize = requirePositive("streamBufferSize", items) }

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
