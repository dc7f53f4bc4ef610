package dev.wsgrid.micrometer

import io.micrometer.core.instrument.MeterRegistry
import kotlinx.coroutines.awaitCancellation
import kotlinx.serialization.Serializable

interface IService {
    suspend fun plus(x: Double, y: Double): Double
    suspend fun fail(why: String): Double
    suspend fun hold(): Double
    suspend fun echo(text: String): String
}

/** A driver of a function the server does not have. */
interface IMissing {
    suspend fun missing(): Double
}

class Service : IService {
    override suspend fun plus(x: Double, y: Double) = x + y
    override suspend fun fail(why: String): Double = throw IllegalStateException(why)
    override suspend fun hold(): Double = awaitCancellation()
    override suspend fun echo(text: String) = text
}

interface IPrinter {
    suspend fun print(line: String)
}

@Serializable
data class Credentials(val token: String)

/** The count of the call timer of [listener], [side] and [outcome], 0 when it has none yet. */
fun MeterRegistry.calls(listener: String, side: String, outcome: String): Long =
    find(MeterNames.CALLS).tags(MeterNames.LISTENER, listener, MeterNames.SIDE, side, MeterNames.OUTCOME, outcome).timer()?.count() ?: 0

/** The count of the counter [name] with [tags], 0 when it has none yet. */
fun MeterRegistry.counted(name: String, vararg tags: String): Double = find(name).tags(*tags).counter()?.count() ?: 0.0

/** The value of the gauge [name] with [tags], or -1 when there is none. */
fun MeterRegistry.gauged(name: String, vararg tags: String): Double = find(name).tags(*tags).gauge()?.value() ?: -1.0
