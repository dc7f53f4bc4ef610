package dev.wsgrid.bench

import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.serialization.Serializable
import java.util.concurrent.atomic.AtomicInteger

/** One workload's figures, as every client (Kotlin, Java, node) prints them. */
@Serializable
data class Figures(
    val calls: Int,
    val seconds: Double,
    val callsPerSec: Double,
    val p50us: Double,
    val p99us: Double,
)

/** Per-call latencies in nanoseconds, turned into [Figures]. */
class Latencies(private val n: Int) {
    private val nanos = LongArray(n)

    fun record(i: Int, ns: Long) {
        nanos[i] = ns
    }

    fun figures(elapsedNs: Long): Figures {
        val sorted = nanos.copyOf().also { it.sort() }
        fun pct(p: Double): Double = sorted[minOf(n - 1, maxOf(0, Math.ceil(p / 100 * n).toInt() - 1))] / 1000.0
        val seconds = elapsedNs / 1e9
        return Figures(n, round3(seconds), round1(n / seconds), round1(pct(50.0)), round1(pct(99.0)))
    }
}

fun round1(v: Double): Double = Math.round(v * 10) / 10.0
fun round3(v: Double): Double = Math.round(v * 1000) / 1000.0

/** [n] calls, each awaited before the next. */
suspend fun sequential(n: Int, call: suspend (Int) -> Unit): Figures {
    val lat = Latencies(n)
    val t0 = System.nanoTime()
    for (i in 0 until n) {
        val s = System.nanoTime()
        call(i)
        lat.record(i, System.nanoTime() - s)
    }
    return lat.figures(System.nanoTime() - t0)
}

/** [total] calls with at most [inflight] outstanding at a time. */
suspend fun pipelined(total: Int, inflight: Int, call: suspend (Int) -> Unit): Figures {
    val lat = Latencies(total)
    val next = AtomicInteger()
    val t0 = System.nanoTime()
    coroutineScope {
        repeat(inflight) {
            launch {
                while (true) {
                    val i = next.getAndIncrement()
                    if (i >= total) break
                    val s = System.nanoTime()
                    call(i)
                    lat.record(i, System.nanoTime() - s)
                }
            }
        }
    }
    return lat.figures(System.nanoTime() - t0)
}

/** The sizes of the call workloads; the same numbers go to the node and Java clients. */
data class CallWorkload(
    val sequential: Int = 20_000,
    val pipelined: Int = 200_000,
    val inflight: Int = 256,
    val payload: Int = 10_000,
    /** Warm-up rounds, each a full sequential + pipelined + payload pass at a tenth of the size. */
    val warmupRounds: Int = 5,
) {
    /** Items in the stream workload. */
    val streamItems: Int get() = pipelined

    fun args(): List<String> = listOf("$sequential", "$pipelined", "$inflight", "$payload", "$warmupRounds")

    companion object {
        fun parse(args: List<String>): CallWorkload {
            if (args.isEmpty()) return CallWorkload()
            require(args.size == 5) { "expected SEQ PIPELINED INFLIGHT PAYLOAD WARMUP_ROUNDS, got $args" }
            return CallWorkload(args[0].toInt(), args[1].toInt(), args[2].toInt(), args[3].toInt(), args[4].toInt())
        }
    }
}

/** What a call-workload client prints as its last line. */
@Serializable
data class CallResult(
    val system: String,
    val sequential: Figures,
    val pipelined: Figures,
    val payload: Figures,
    /** CPU and context switches per sequential call, client and server (JVM clients on Linux only). */
    val sequentialCost: Cost? = null,
    /** Items/s of one stream of [CallWorkload.streamItems] numbers (wsgrid.v1 connections only). */
    val streamItemsPerSec: Double? = null,
)
