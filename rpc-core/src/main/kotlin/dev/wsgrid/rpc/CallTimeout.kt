package dev.wsgrid.rpc

import kotlinx.coroutines.withContext
import java.time.Duration
import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext
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

    /** The key of [CallTimeout] in a coroutine context. */
    public companion object Key : CoroutineContext.Key<CallTimeout>
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
