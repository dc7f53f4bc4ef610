package dev.wsgrid.bench

import dev.wsgrid.ktor.client.ConnectorOptions
import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.rpc.withCallTimeout
import io.ktor.client.HttpClient
import io.ktor.client.engine.cio.CIO
import io.ktor.client.plugins.websocket.WebSockets
import io.ktor.client.plugins.websocket.webSocketSession
import io.ktor.websocket.Frame
import io.ktor.websocket.close
import io.ktor.websocket.readText
import io.ktor.client.plugins.websocket.DefaultClientWebSocketSession
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.serialization.Serializable
import java.lang.management.ManagementFactory
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicLong
import kotlin.random.Random
import kotlin.time.Duration.Companion.milliseconds

@Serializable
data class SoakSample(
    val atSeconds: Int,
    val callsOk: Long,
    val serverHeapBytes: Long,
    val serverThreads: Int,
    val serverConnections: Int,
    val clientHeapBytes: Long,
    val clientThreads: Int,
)

@Serializable
data class SoakResult(
    val seconds: Int,
    val callsOk: Long,
    val errorsByKind: Map<String, Long>,
    val connectionsChurned: Long,
    val broadcasts: Long,
    val deliveries: Long,
    val badClientsClosedBy: Map<String, Long>,
    val samples: List<SoakSample>,
    val finalServer: ServerStats,
    val finalClientPendingCalls: Int,
    val heapGrowthPercent: Double,
    val threadSpread: Int,
    val flat: Boolean,
)

/** Counts by kind, for errors and close codes. */
private class Tally {
    private val counts = ConcurrentHashMap<String, AtomicLong>()
    fun add(kind: String) {
        counts.computeIfAbsent(kind) { AtomicLong() }.incrementAndGet()
    }
    fun snapshot(): Map<String, Long> = counts.entries.associate { it.key to it.value.get() }.toSortedMap()
}

private class SoakMember(private val deliveries: AtomicLong) : BenchMember {
    override suspend fun deliver(seq: Int) {
        deliveries.incrementAndGet()
    }

    override suspend fun twice(x: Double): Double = 2 * x
}

/**
 * `client-soak URL SECONDS`: a mixed load for [seconds] — steady connections calling (with remote
 * errors and call timeouts among the calls), connections churning (some closed with calls in
 * flight), broadcasts to a room, and clients sending bad frames — sampling the server's heap
 * (after a collection) and threads every [sampleSeconds]; then the load stops and the call
 * tables must drain to zero.
 */
suspend fun soakClient(url: String, seconds: Int, steady: Int = 32, sampleSeconds: Int = 10): SoakResult = coroutineScope {
    val http = HttpClient(CIO) {
        install(WebSockets)
        engine { endpoint.maxConnectionsPerRoute = 1_000 }
    }
    val options = ConnectorOptions.builder().httpClient(http).build()
    val errors = Tally()
    val badCloses = Tally()
    val ok = AtomicLong()
    val churned = AtomicLong()
    val broadcasts = AtomicLong()
    val deliveries = AtomicLong()
    val control = WebSocketConnector<Nothing?, Any>(null, null, options)
    control.connect(url)
    val service = control.getDriver<BenchService>()
    val members = (1..steady).map {
        WebSocketConnector<Nothing?, BenchMember>(null, SoakMember(deliveries), options).also { m ->
            m.connect(url)
            m.getDriver<BenchService>().join("soak")
        }
    }
    val payload = Payload.sample(1)

    suspend fun counted(block: suspend () -> Unit) {
        try {
            block()
            ok.incrementAndGet()
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            errors.add(e.javaClass.simpleName)
        }
    }

    val deadline = System.nanoTime() + seconds * 1_000_000_000L
    fun running() = System.nanoTime() < deadline
    val load = launch {
        for (m in members) {
            launch {
                val d = m.getDriver<BenchService>()
                var i = 0
                while (running()) {
                    i++
                    when {
                        i % 500 == 0 -> counted { withCallTimeout(50.milliseconds) { d.slow(500) } }
                        i % 50 == 0 -> counted { d.fail("soak error $i") }
                        i % 10 == 0 -> counted { d.echo(payload) }
                        else -> counted { d.plus(i.toDouble(), 1.0) }
                    }
                }
            }
        }
        // churn: connect, call, leave; every fourth leaves with a call still in flight
        repeat(4) {
            launch {
                var n = 0
                while (running()) {
                    n++
                    val c = WebSocketConnector<Nothing?, Any>(null, null, options)
                    counted { c.connect(url) }
                    val d = c.getDriver<BenchService>()
                    repeat(5) { counted { d.plus(1.0, 2.0) } }
                    if (n % 4 == 0) {
                        val inFlight = async { counted { d.slow(1_000) } }
                        delay(5)
                        c.close()
                        inFlight.await()
                    } else {
                        c.close()
                    }
                    churned.incrementAndGet()
                }
            }
        }
        launch {
            var seq = 0
            while (running()) {
                counted { service.broadcast("soak", ++seq) }
                broadcasts.incrementAndGet()
                delay(100)
            }
        }
        // bad clients: a header, a frame the server must refuse, then a good call: the server must
        // answer the good call (after an error reply, or having skipped the bad frame) or close
        launch {
            val junk = listOf<() -> Frame>(
                { Frame.Text("not json {") },
                { Frame.Text("""{"uid":"x","listener":7}""") },
                { Frame.Text("""{"uid":1,"listener":"plus","parameters":[{"type":"string","value":"a"}]}""") },
                { Frame.Binary(true, Random.nextBytes(64)) },
                { Frame.Text("[".repeat(10_000)) },
            )
            val good = """{"uid":99,"listener":"plus","parameters":[{"type":"number","value":1},{"type":"number","value":2}]}"""
            var k = 0
            while (running()) {
                val make = junk[k++ % junk.size]
                try {
                    val s = http.webSocketSession(url)
                    s.send(Frame.Text("""{"header":null}"""))
                    s.incoming.receive()
                    s.send(make())
                    s.send(Frame.Text(good))
                    badCloses.add(withTimeoutOrNull(10_000) { answerTo(s) } ?: "no answer in 10 s")
                    s.close()
                } catch (e: CancellationException) {
                    throw e
                } catch (e: Exception) {
                    badCloses.add("failed: ${e.javaClass.simpleName}")
                }
                delay(250)
            }
        }
    }
    val samples = ArrayList<SoakSample>()
    val started = System.nanoTime()
    val threads = ManagementFactory.getThreadMXBean()
    while (running()) {
        delay(minOf(sampleSeconds * 1000L, (deadline - System.nanoTime()) / 1_000_000 + 1))
        val s = service.stats(gc = true)
        samples += SoakSample(
            atSeconds = ((System.nanoTime() - started) / 1_000_000_000).toInt(),
            callsOk = ok.get(),
            serverHeapBytes = s.heapUsedBytes,
            serverThreads = s.threads,
            serverConnections = s.connections,
            clientHeapBytes = ManagementFactory.getMemoryMXBean().heapMemoryUsage.used,
            clientThreads = threads.threadCount,
        )
        System.err.println("soak: ${samples.last()} errors ${errors.snapshot()}")
    }
    load.join()
    // idle: every call has ended, so both sides' tables must be empty
    delay(1_500)
    val final = service.stats(gc = true)
    val clientPending = members.sumOf { it.pendingCalls } + control.pendingCalls
    for (m in members) m.close()
    control.close()
    http.close()
    val third = maxOf(1, samples.size / 3)
    val early = samples.take(third).map { it.serverHeapBytes }.sorted()
    val late = samples.takeLast(third).map { it.serverHeapBytes }.sorted()
    val growth = if (early.isEmpty()) 0.0 else (late[late.size / 2] - early[early.size / 2]) * 100.0 / early[early.size / 2]
    val threadSpread = samples.drop(1).let { s -> if (s.isEmpty()) 0 else s.maxOf { it.serverThreads } - s.minOf { it.serverThreads } }
    SoakResult(
        seconds = seconds,
        callsOk = ok.get(),
        errorsByKind = errors.snapshot(),
        connectionsChurned = churned.get(),
        broadcasts = broadcasts.get(),
        deliveries = deliveries.get(),
        badClientsClosedBy = badCloses.snapshot(),
        samples = samples,
        finalServer = final,
        finalClientPendingCalls = clientPending,
        heapGrowthPercent = round1(growth),
        threadSpread = threadSpread,
        flat = growth < 10.0 && threadSpread <= 8 && final.pendingCalls == 0 && final.runningCalls == 0 && clientPending == 0 &&
            badCloses.snapshot().keys.all { it.endsWith("then served") || it.startsWith("closed") },
    )
}

/** What a bad client got after its bad frame and a good call (uid 99): served, or closed. */
private suspend fun answerTo(s: DefaultClientWebSocketSession): String {
    var errorReply = false
    while (true) {
        val frame = s.incoming.receiveCatching().getOrNull() ?: return "closed ${s.closeReason.await()?.code}"
        val text = (frame as? Frame.Text)?.readText() ?: continue
        if (text.startsWith("""{"uid":99,""")) return if (errorReply) "error reply, then served" else "skipped, then served"
        if (text.contains(""""success":false""")) errorReply = true
    }
}
