package dev.wsgrid.rpc

import kotlinx.coroutines.withContext
import java.time.Duration
import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext
import java.util.function.Supplier
import kotlin.time.toJavaDuration

/**
 * A coroutine context element that sets the timeout of the driver calls made under it,
 * overriding the driver's and the communicator's. See [withCallTimeout].
 *
 * @property timeout the timeout; must be positive.
 */
public class CallTimeout(public val timeout: Duration) : AbstractCoroutineContextElement(Key) {
    init {
        require(!timeout.isNegative && !timeout.isZero) { "a call timeout must be positive, was $timeout" }
    }

    /** The key of [CallTimeout] in a coroutine context, and the timeout of future-style calls. */
    public companion object Key : CoroutineContext.Key<CallTimeout> {
        private val forFutures = ThreadLocal<Duration?>()

        /**
         * Runs [calls] with every future-returning driver call it makes on this thread limited to
         * [timeout], overriding the driver's and the communicator's; for Java callers, who have no
         * coroutine context:
         *
         * ```java
         * CompletableFuture<Double> sum = CallTimeout.withTimeout(Duration.ofSeconds(2), () -> calc.plus(1, 2));
         * ```
         */
        @JvmStatic
        public fun <T> withTimeout(timeout: Duration, calls: Supplier<T>): T {
            require(!timeout.isNegative && !timeout.isZero) { "a call timeout must be positive, was $timeout" }
            val previous = forFutures.get()
            forFutures.set(timeout)
            try {
                return calls.get()
            } finally {
                forFutures.set(previous)
            }
        }

        /** The timeout [withTimeout] set on this thread, as a context element; empty when none. */
        internal fun forFutureCall(): CoroutineContext = forFutures.get()?.let { CallTimeout(it) } ?: EmptyCoroutineContext
    }
}

/**
 * Runs [block] with every driver call in it limited to [timeout]:
 *
 * ```kotlin
 * val sum = withCallTimeout(2.seconds) { calculator.plus(1.0, 2.0) }
 * ```
 *
 * A call that gets no return in time fails with [CallTimeoutException].
 */
public suspend fun <T> withCallTimeout(timeout: kotlin.time.Duration, block: suspend () -> T): T =
    withContext(CallTimeout(timeout.toJavaDuration())) { block() }
