package dev.wsgrid.ktor.server

import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.rpc.InvalidMessageException
import dev.wsgrid.rpc.InvokeListener
import io.kotest.assertions.nondeterministic.eventually
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.ktor.client.HttpClient
import io.ktor.client.engine.cio.CIO
import io.ktor.client.plugins.websocket.WebSockets
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import java.io.File
import java.io.PrintStream
import java.time.Duration
import java.util.concurrent.Executors
import java.util.concurrent.atomic.AtomicInteger
import kotlin.math.roundToInt
import kotlin.random.Random
import kotlin.time.Duration.Companion.seconds

/** The fuzz target: the calculator, an echo, and how many bad frames its connection's invoke listener was told of. */
interface IFuzzTarget : ICalculator {
    suspend fun echo(text: String): String
    suspend fun reports(): Int
}

class FuzzTarget(private val told: AtomicInteger?) : IFuzzTarget, ICalculator by Calculator() {
    override suspend fun echo(text: String): String = text
    override suspend fun reports(): Int = told?.get() ?: -1
}

/** Cases in a run without `-Dwsgrid.fuzz.cases`: CI's bounded run, over 10,000 malformed frames. */
private const val DEFAULT_CASES = 12_000

/** The share of cases sent as the first frame of a connection of their own; the rest go many per connection. */
private const val FIRST_FRAME_SHARE = 0.05

/** Connections fuzzed at once, per stage. */
private const val CALL_WORKERS = 6
private const val FIRST_FRAME_WORKERS = 32

/**
 * Malformed frames, from a fixed seed, at every stage of a connection. Most go many per connection
 * after a good header, each followed by good calls whose answers must come back right; the rest are
 * the first frame of a connection of their own. Every case's outcome is classified, the spec prints a
 * table of kind → count → outcomes (and writes it to `target/fuzz-report.md`), and the run fails on
 * any BAD outcome: a call with a readable uid left unanswered, a good call unanswered or answered
 * wrong, a skipped frame the invoke listener was not told of, a close without a reason, a reply
 * nobody asked for, the healthy witness connection disturbed, the server no longer serving, or the
 * heap not returning. `-Dwsgrid.fuzz.cases=N` runs N cases (`benchmarks/run.sh fuzz N`).
 */
class FuzzSpec : FunSpec({
    val cases = System.getProperty("wsgrid.fuzz.cases")?.toInt() ?: DEFAULT_CASES
    val budget = (60 + cases / 50).seconds
    val http = HttpClient(CIO) {
        install(WebSockets)
        engine {
            endpoint.maxConnectionsPerRoute = 1_000
            // the CIO engine's request timeout (15 s by default) also cancels a WebSocket session that lives
            // longer: a fuzz connection on a loaded machine can
            requestTimeout = 0
        }
    }
    afterSpec { http.close() }

    test("malformed frames, many per connection and as first frames: each is answered, skipped or closed with a reason, and nothing else is disturbed")
        .config(timeout = budget, invocationTimeout = budget) {
            val server = WebSocketServer<Credentials, IFuzzTarget>(
                Credentials::class.java,
                ServerOptions.builder().handshakeTimeout(Duration.ofSeconds(5)).maxFrameSize(FUZZ_MAX_FRAME.toLong()).build(),
            )
            server.open("127.0.0.1", 0) { a ->
                when (a.header.token) {
                    TOKEN_PLAIN -> a.accept(FuzzTarget(null))
                    TOKEN_LISTENED -> {
                        val told = AtomicInteger()
                        a.addInvokeListener(object : InvokeListener() {
                            override fun onInvalidMessage(error: InvalidMessageException) {
                                told.incrementAndGet()
                            }
                        })
                        a.accept(FuzzTarget(told))
                    }
                    else -> a.reject(4003, "bad token")
                }
            }
            val url = "ws://127.0.0.1:${server.port}/"
            val tally = FuzzTally()

            // plans from the fixed seed, so a run is the same whatever order its connections finish in
            val master = Random(42)
            val firstFrameCases = (cases * FIRST_FRAME_SHARE).roundToInt()
            val callPlans = buildList {
                var remaining = cases - firstFrameCases
                while (remaining > 0) {
                    val n = minOf(remaining, master.nextInt(100, 501))
                    add(Plan(size, master.nextLong(), n, listened = size % 2 == 1))
                    remaining -= n
                }
            }
            val firstFramePlans = List(firstFrameCases) { Plan(it, master.nextLong(), 1, listened = false) }

            // a healthy client calling all along: it must never notice the others
            val witness = WebSocketConnector<Credentials, Any>(Credentials(TOKEN_PLAIN)).apply { connect(url) }
            val witnessThread = Executors.newSingleThreadExecutor { Thread(it, "fuzz-witness").apply { isDaemon = true } }.asCoroutineDispatcher()
            val witnessCalls = AtomicInteger()
            val witnessFailure = CompletableDeferred<Throwable>()
            System.gc()
            val heapBefore = usedHeap()
            val stderr = System.err
            val log = LogTap(stderr)
            System.setErr(PrintStream(log, true, Charsets.UTF_8))
            val started = System.nanoTime()
            var callsSeconds = 0.0
            var firstFramesSeconds = 0.0
            val witnessTimes = ArrayList<Long>() // only the witness's thread adds, until it is joined
            try {
                coroutineScope {
                    // on a thread of its own, so the fuzz client's coroutines never queue ahead of it
                    val witnessJob = launch(witnessThread) {
                        val calc = witness.getDriver<ICalculator>()
                        try {
                            while (isActive) {
                                val t0 = System.nanoTime()
                                val sum = calc.plus(1.0, 1.0)
                                witnessTimes.add(System.nanoTime() - t0)
                                if (sum != 2.0) witnessFailure.complete(AssertionError("the witness's 1 + 1 was $sum"))
                                witnessCalls.incrementAndGet()
                                delay(5)
                            }
                        } catch (e: Throwable) {
                            if (isActive) witnessFailure.complete(e)
                        }
                    }
                    // on the shared pool, where the server reads its connections too: on Dispatchers.IO the fuzz
                    // client's many threads crowded the server out (the witness's median call: 377 ms, not 1.5 ms)
                    coroutineScope {
                        launch(Dispatchers.Default) {
                            runPool(callPlans, CALL_WORKERS) { fuzzCalls(http, url, it, tally) }
                            callsSeconds = (System.nanoTime() - started) / 1e9
                        }
                        launch(Dispatchers.Default) {
                            runPool(firstFramePlans, FIRST_FRAME_WORKERS) { fuzzFirstFrame(http, url, it, tally) }
                            firstFramesSeconds = (System.nanoTime() - started) / 1e9
                        }
                    }
                    witnessJob.cancel()
                }
            } finally {
                System.setErr(stderr)
                witnessThread.close()
            }
            val seconds = (System.nanoTime() - started) / 1e9
            if (witnessFailure.isCompleted) tally.bad("the witness connection was disturbed", witnessFailure.await().toString())
            if (witnessCalls.get() == 0) tally.bad("the witness connection was disturbed", "it made no call during the fuzz")
            if (tally.recorded != cases) tally.bad("cases without an outcome", "${cases - tally.recorded} of $cases cases were not classified")
            if (log.errors.get() > 0) tally.bad("the server logged errors", log.errorSamples.joinToString(" / "))

            // the server serves on, holds only the witness, and its heap returns
            afterwards(tally, "the server no longer serves") {
                witness.getDriver<ICalculator>().scientific.sqrt(9.0) shouldBe 3.0
                val fresh = WebSocketConnector<Credentials, Any>(Credentials(TOKEN_PLAIN)).apply { connect(url) }
                fresh.getDriver<IFuzzTarget>().echo("still serving") shouldBe "still serving"
                fresh.close()
            }
            afterwards(tally, "connections of the fuzz still registered") { eventually(60.seconds) { server.acceptors.size shouldBe 1 } }
            var heapAfter = 0L
            afterwards(tally, "the heap did not return to within 64 MiB of where it was") {
                eventually(60.seconds) {
                    System.gc()
                    heapAfter = usedHeap()
                    (heapAfter - heapBefore < 64L shl 20) shouldBe true
                }
            }
            witness.close()
            server.close()

            val report = buildString {
                appendLine("## Fuzz: $cases cases in %.1f s".format(seconds))
                appendLine()
                appendLine(
                    "${tally.malformedFrames.get()} malformed frames on ${callPlans.size} connections (${tally.goodCalls.get()} good calls among them, " +
                        "every other connection with an invoke listener), $firstFrameCases first frames on connections of their own; " +
                        "calls stage done after %.1f s, first-frame stage after %.1f s. ".format(callsSeconds, firstFramesSeconds) +
                        "The witness made ${witnessCalls.get()} calls meanwhile (${latencies(witnessTimes)}). " +
                        "Heap after collection: %.0f MB before, %.0f MB after.".format(heapBefore / 1e6, heapAfter / 1e6),
                )
                appendLine()
                appendLine(
                    "Server log meanwhile: ${log.skippedFrameWarnings.get()} \"skipped a frame\" warnings, " +
                        "${log.forgedLines.get()} lines put there by frames' own line breaks, ${log.errors.get()} ERROR records.",
                )
                log.forgedSamples.forEach { appendLine("    forged line, e.g.: $it") }
                appendLine()
                append(tally.tables())
                appendLine()
                if (tally.badTotal == 0) appendLine("No BAD outcome.") else append(tally.badReport())
            }
            println(report)
            runCatching { File("target").mkdirs(); File("target/fuzz-report.md").writeText(report) }
            withClue(tally.badReport()) { tally.badTotal shouldBe 0 }
        }
})

/** Runs a check after the fuzz; its failure is a BAD outcome of [category], reported with the rest. */
private suspend fun afterwards(tally: FuzzTally, category: String, check: suspend () -> Unit) {
    try {
        check()
    } catch (e: Throwable) {
        currentCoroutineContext().ensureActive()
        tally.bad(category, e.toString().lines().first())
    }
}

private suspend fun runPool(plans: List<Plan>, workers: Int, work: suspend (Plan) -> Unit) = coroutineScope {
    val queue = Channel<Plan>(Channel.UNLIMITED)
    plans.forEach { queue.trySend(it) }
    queue.close()
    repeat(workers) { launch { for (p in queue) work(p) } }
}

/** Median, 99th percentile and slowest of [nanos], in milliseconds. */
private fun latencies(nanos: List<Long>): String {
    if (nanos.isEmpty()) return "none"
    val sorted = nanos.sorted()
    fun ms(q: Double) = sorted[((sorted.size - 1) * q).toInt()] / 1e6
    return "median %.1f ms, p99 %.0f ms, slowest %.0f ms".format(ms(0.5), ms(0.99), ms(1.0))
}

private fun usedHeap(): Long = Runtime.getRuntime().let { it.totalMemory() - it.freeMemory() }

