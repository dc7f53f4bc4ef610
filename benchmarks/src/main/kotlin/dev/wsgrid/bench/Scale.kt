package dev.wsgrid.bench

import dev.wsgrid.ktor.client.ConnectorOptions
import dev.wsgrid.ktor.client.WebSocketConnector
import io.ktor.client.HttpClient
import io.ktor.client.engine.cio.CIO
import io.ktor.client.plugins.websocket.WebSockets
import io.ktor.websocket.ChannelOverflow
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.sync.Semaphore
import kotlinx.coroutines.sync.withPermit
import kotlinx.coroutines.withTimeout
import kotlinx.serialization.Serializable
import java.util.concurrent.atomic.AtomicInteger

@Serializable
data class ScaleStep(
    val connections: Int,
    val connectSeconds: Double,
    val connectsPerSec: Double,
    val serverHeapBytes: Long,
    val heapPerConnectionBytes: Long,
    val serverThreads: Int,
    val fanoutMs: List<Double>,
    val fanoutMedianMs: Double,
)

@Serializable
data class ScaleResult(val system: String, val baselineHeapBytes: Long, val steps: List<ScaleStep>)

/** A member of the fan-out room: counts `deliver` notifications of the current broadcast. */
private class Member(private val round: Round) : BenchMember {
    override suspend fun deliver(seq: Int) = round.arrived(seq)

    override suspend fun twice(x: Double): Double = 2 * x
}

/** One broadcast: completes when [expected] members have its sequence number. */
private class Round {
    @Volatile
    var seq = -1
    @Volatile
    var expected = 0
    private val count = AtomicInteger()
    @Volatile
    var done = CompletableDeferred<Unit>()

    fun start(seq: Int, expected: Int) {
        count.set(0)
        done = CompletableDeferred()
        this.expected = expected
        this.seq = seq
    }

    @Volatile
    var first = 0L

    fun arrived(seq: Int) {
        if (seq != this.seq) return
        val n = count.incrementAndGet()
        if (n == 1) first = System.nanoTime()
        if (n == expected) done.complete(Unit)
    }
}

/**
 * `client-scale URL N1,N2,...`: opens connections up to each N (with [parallel] handshakes at a
 * time), reads the server's heap per idle connection after a collection, then times broadcasts
 * of one notification to all N members until the last has it. The same client measures a wsgrid
 * server and TGrid's node server ([system] names which, for the results).
 */
/**
 * One CIO client for [connections] connectors at once, with small frame channels: thousands of
 * connections in one process, as the scale and cluster workloads hold them.
 */
fun scaleHttpClient(connections: Int): HttpClient = HttpClient(CIO) {
    install(WebSockets) {
        channels {
            incoming = bounded(16, ChannelOverflow.SUSPEND)
            outgoing = bounded(16, ChannelOverflow.SUSPEND)
        }
    }
    engine {
        maxConnectionsCount = connections + 100
        endpoint.maxConnectionsPerRoute = connections + 100
    }
}

suspend fun scaleClient(url: String, targets: List<Int>, system: String = "wsgrid", broadcasts: Int = 7, parallel: Int = 64): ScaleResult {
    val max = targets.max()
    val http = scaleHttpClient(max)
    val options = ConnectorOptions.builder().httpClient(http).build()
    val control = WebSocketConnector<Nothing?, Any>(null, null, options)
    control.connect(url)
    val service = control.getDriver<BenchService>()
    val round = Round()
    val members = ArrayList<WebSocketConnector<Nothing?, BenchMember>>()
    val steps = ArrayList<ScaleStep>()
    try {
        val baseline = service.stats(gc = true).heapUsedBytes
        var seq = 0
        for (target in targets.sorted()) {
            val gate = Semaphore(parallel)
            val t0 = System.nanoTime()
            val opened = coroutineScope {
                (members.size until target).map {
                    async {
                        gate.withPermit {
                            val m = WebSocketConnector<Nothing?, BenchMember>(null, Member(round), options)
                            m.connect(url)
                            m.getDriver<BenchService>().join("fan")
                            m
                        }
                    }
                }.awaitAll()
            }
            val seconds = (System.nanoTime() - t0) / 1e9
            members += opened
            val stats = service.stats(gc = true)
            val times = (1..broadcasts).map {
                seq++
                round.start(seq, members.size)
                val s = System.nanoTime()
                val sent = service.broadcast("fan", seq)
                check(sent == members.size) { "the server sent to $sent members, not ${members.size}" }
                val returned = System.nanoTime()
                withTimeout(60_000) { round.done.await() }
                System.err.println("fan-out $seq: call returned after ${(returned - s) / 1000} µs, first member ${(round.first - s) / 1000} µs, last ${(System.nanoTime() - s) / 1000} µs")
                round3((System.nanoTime() - s) / 1e6)
            }
            steps += ScaleStep(
                connections = members.size,
                connectSeconds = round3(seconds),
                connectsPerSec = round1(opened.size / seconds),
                serverHeapBytes = stats.heapUsedBytes,
                heapPerConnectionBytes = (stats.heapUsedBytes - baseline) / members.size,
                serverThreads = stats.threads,
                // the first broadcasts warm the path up; the figure is the median of the rest
                fanoutMs = times,
                fanoutMedianMs = times.drop(2).sorted()[(times.size - 2) / 2],
            )
            System.err.println("scale: ${steps.last()}")
        }
        return ScaleResult(system, baseline, steps)
    } finally {
        val closing = Semaphore(256)
        coroutineScope {
            members.map { m -> async { closing.withPermit { runCatching { m.close() } } } }.awaitAll()
        }
        control.close()
        http.close()
    }
}
