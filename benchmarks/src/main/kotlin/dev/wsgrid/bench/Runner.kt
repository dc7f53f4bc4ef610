package dev.wsgrid.bench

import kotlinx.serialization.Serializable
import kotlinx.serialization.json.Json
import java.io.File
import java.time.OffsetDateTime
import java.time.ZoneOffset
import java.time.temporal.ChronoUnit

/** One system of the side-by-side comparison: which server runs, and which client calls it. */
data class SystemUnderTest(val id: String, val label: String, val server: (Launcher) -> List<String>, val client: (Launcher, String, CallWorkload) -> List<String>)

val SYSTEMS: List<SystemUnderTest> = listOf(
    SystemUnderTest("wsgrid-kotlin", "wsgrid ↔ wsgrid (Kotlin)", { it.jvm("server-wsgrid") }, { l, url, w -> l.jvm("client-kotlin", url, *w.args().toTypedArray()) }),
    SystemUnderTest("wsgrid-java", "wsgrid ↔ wsgrid (Java facade)", { it.jvm("server-wsgrid") }, { l, url, w -> l.jvm("client-java", url, *w.args().toTypedArray()) }),
    SystemUnderTest("tgrid", "TGrid ↔ TGrid (node)", { it.node("bench-server.js") }, { l, url, w -> l.node("bench-client.js", url, *w.args().toTypedArray()) }),
    SystemUnderTest("tgrid-to-wsgrid", "TGrid client → wsgrid server", { it.jvm("server-wsgrid") }, { l, url, w -> l.node("bench-client.js", url, *w.args().toTypedArray()) }),
    SystemUnderTest("wsgrid-to-tgrid", "wsgrid client → TGrid server", { it.node("bench-server.js") }, { l, url, w -> l.jvm("client-kotlin", url, *w.args().toTypedArray()) }),
    SystemUnderTest("ktor-echo", "bare Ktor CIO echo (no RPC)", { it.jvm("server-echo") }, { l, url, w -> l.jvm("client-echo", "$url/echo", *w.args().toTypedArray()) }),
    SystemUnderTest("ktor-echo-raw", "bare Ktor CIO echo, raw sessions", { it.jvm("server-echo") }, { l, url, w -> l.jvm("client-echo", "$url/raw", *w.args().toTypedArray()) }),
)

/** A figure over the runs: the median and the range. */
@Serializable
data class Spread(val median: Double, val min: Double, val max: Double) {
    companion object {
        fun of(values: List<Double>): Spread {
            val s = values.sorted()
            val median = if (s.size % 2 == 1) s[s.size / 2] else (s[s.size / 2 - 1] + s[s.size / 2]) / 2
            return Spread(round1(median), s.first(), s.last())
        }
    }
}

@Serializable
data class WorkloadSummary(val callsPerSec: Spread, val p50us: Spread, val p99us: Spread)

@Serializable
data class SystemSummary(
    val id: String,
    val label: String,
    val sequential: WorkloadSummary,
    val pipelined: WorkloadSummary,
    val payload: WorkloadSummary,
    /** Items/s of one stream, where the connection speaks wsgrid.v1. */
    val stream: Spread? = null,
    val runs: List<CallResult>,
)

@Serializable
data class ScaleSummary(
    val connections: Int,
    val connectsPerSec: Spread,
    val heapPerConnectionBytes: Spread,
    val fanoutMs: Spread,
    val runs: List<ScaleStep>,
)

@Serializable
data class Target(val name: String, val measured: String, val goal: String, val met: Boolean)

@Serializable
data class Results(
    val date: String,
    val machine: Map<String, String>,
    val versions: Map<String, String>,
    val workload: Map<String, Int>,
    val runs: Int,
    val systems: List<SystemSummary>,
    val scale: List<ScaleSummary>,
    val targets: List<Target>,
)

/** Runs every system and the scale workload [runs] times, interleaved, and writes the results into [out]. */
class Runner(
    private val launcher: Launcher,
    private val out: File,
    private val runs: Int,
    private val work: CallWorkload,
    private val scaleTargets: List<Int>,
    private val only: Set<String>?,
) {
    private val json = Json { prettyPrint = true; encodeDefaults = true }

    fun run(): Results {
        val systems = SYSTEMS.filter { only == null || it.id in only }
        val callRuns = systems.associateWith { ArrayList<CallResult>() }
        val scaleRuns = ArrayList<ScaleResult>()
        for (r in 1..runs) {
            for (s in systems) {
                log("run $r/$runs: ${s.label}")
                launcher.startServer(s.server(launcher), "${s.id}.run$r").use { server ->
                    val url = "ws://127.0.0.1:${server.port}"
                    val result = launcher.runClient(s.client(launcher, url, work), "${s.id}.run$r", serverPid = server.pid)
                    val parsed = Json.decodeFromJsonElement(CallResult.serializer(), result).copy(system = s.id)
                    log("  sequential ${parsed.sequential.callsPerSec}/s p50 ${parsed.sequential.p50us} µs p99 ${parsed.sequential.p99us} µs; " +
                        "pipelined ${parsed.pipelined.callsPerSec}/s; payload ${parsed.payload.callsPerSec}/s" +
                        (parsed.streamItemsPerSec?.let { "; stream $it items/s" } ?: "") +
                        (parsed.sequentialCost?.let { c -> "; per sequential call: client ${c.clientCpuUs} µs CPU, ${c.clientSwitches} switches, server ${c.serverCpuUs} µs, ${c.serverSwitches} switches" } ?: ""))
                    callRuns.getValue(s).add(parsed)
                }
            }
            if (scaleTargets.isNotEmpty() && (only == null || "scale" in only)) {
                log("run $r/$runs: connections and fan-out to ${scaleTargets.joinToString()}")
                launcher.startServer(launcher.jvm("server-wsgrid"), "scale.run$r").use { server ->
                    val result = launcher.runClient(launcher.jvm("client-scale", "ws://127.0.0.1:${server.port}", scaleTargets.joinToString(",")), "scale.run$r")
                    val parsed = Json.decodeFromJsonElement(ScaleResult.serializer(), result)
                    parsed.steps.forEach { log("  ${it.connections} connections: ${it.connectsPerSec}/s, ${it.heapPerConnectionBytes} B heap each, fan-out ${it.fanoutMedianMs} ms") }
                    scaleRuns += parsed
                }
            }
        }
        val summaries = systems.map { s ->
            val rs = callRuns.getValue(s)
            fun summary(pick: (CallResult) -> Figures) = WorkloadSummary(
                Spread.of(rs.map { pick(it).callsPerSec }), Spread.of(rs.map { pick(it).p50us }), Spread.of(rs.map { pick(it).p99us }),
            )
            val stream = rs.mapNotNull { it.streamItemsPerSec }.takeIf { it.isNotEmpty() }?.let { Spread.of(it) }
            SystemSummary(s.id, s.label, summary { it.sequential }, summary { it.pipelined }, summary { it.payload }, stream, rs)
        }
        val scale = scaleTargets.sorted().mapIndexedNotNull { i, n ->
            val steps = scaleRuns.mapNotNull { it.steps.getOrNull(i) }
            if (steps.isEmpty()) null else ScaleSummary(
                n,
                Spread.of(steps.map { it.connectsPerSec }),
                Spread.of(steps.map { it.heapPerConnectionBytes.toDouble() }),
                Spread.of(steps.map { it.fanoutMedianMs }),
                steps,
            )
        }
        val results = Results(
            date = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS).toString(),
            machine = machine(),
            versions = versions(),
            workload = mapOf(
                "sequentialCalls" to work.sequential, "pipelinedCalls" to work.pipelined, "inflight" to work.inflight,
                "payloadCalls" to work.payload, "warmupRounds" to work.warmupRounds,
                "streamItems" to work.streamItems, "streamCredit" to STREAM_BUFFER,
                "payloadJsonBytes" to Json.encodeToString(Payload.serializer(), Payload.sample(7)).length,
            ),
            runs = runs,
            systems = summaries,
            scale = scale,
            targets = targets(summaries, scale),
        )
        out.mkdirs()
        File(out, "latest.json").writeText(json.encodeToString(Results.serializer(), results) + "\n")
        File(out, "latest.md").writeText(markdown(results))
        writeChart(results, File(out, "latest.png"))
        return results
    }

    private fun targets(systems: List<SystemSummary>, scale: List<ScaleSummary>): List<Target> {
        val byId = systems.associateBy { it.id }
        val wsgrid = byId["wsgrid-kotlin"]
        val tgrid = byId["tgrid"]
        val echo = byId["ktor-echo"]
        val list = ArrayList<Target>()
        if (wsgrid != null && tgrid != null) {
            val seq = wsgrid.sequential.callsPerSec.median / tgrid.sequential.callsPerSec.median
            list += Target("sequential calls/s ≥ 2× TGrid's", "%.2f×".format(seq), "≥ 2×", seq >= 2)
            list += Target(
                "sequential p99 no worse than TGrid's", "${wsgrid.sequential.p99us.median} µs vs ${tgrid.sequential.p99us.median} µs",
                "≤ TGrid's", wsgrid.sequential.p99us.median <= tgrid.sequential.p99us.median,
            )
            val pipe = wsgrid.pipelined.callsPerSec.median / tgrid.pipelined.callsPerSec.median
            list += Target("pipelined calls/s ≥ 5× TGrid's", "%.2f×".format(pipe), "≥ 5×", pipe >= 5)
        }
        if (wsgrid != null && echo != null) {
            val share = wsgrid.pipelined.callsPerSec.median / echo.pipelined.callsPerSec.median
            list += Target("pipelined calls/s ≥ 65% of the bare Ktor echo's", "%.0f%%".format(share * 100), "≥ 65%", share >= 0.65)
        }
        scale.find { it.connections == 10_000 }?.let {
            list += Target("10,000 idle connections under 32 KB of heap each", "${(it.heapPerConnectionBytes.median / 1024 * 10).toLong() / 10.0} KB", "< 32 KB", it.heapPerConnectionBytes.median < 32 * 1024)
            list += Target("broadcast to 10,000 members under 100 ms", "${it.fanoutMs.median} ms", "< 100 ms", it.fanoutMs.median < 100)
        }
        return list
    }

    private fun log(line: String) {
        System.err.println(line)
    }
}

/** The machine the figures came from. */
fun machine(): Map<String, String> {
    val cpu = runCatching { File("/proc/cpuinfo").readLines().first { it.startsWith("model name") }.substringAfter(':').trim() }.getOrDefault("?")
    val mem = runCatching { File("/proc/meminfo").readLines().first { it.startsWith("MemTotal") }.substringAfter(':').trim() }.getOrDefault("?")
    val kernel = runCatching { File("/proc/sys/kernel/osrelease").readText().trim() }.getOrDefault("?")
    val node = runCatching { ProcessBuilder("node", "--version").start().inputStream.bufferedReader().readText().trim() }.getOrDefault("absent")
    return linkedMapOf(
        "cpu" to cpu,
        "cores" to Runtime.getRuntime().availableProcessors().toString(),
        "memory" to mem,
        "kernel" to kernel,
        "java" to "${System.getProperty("java.vm.name")} ${System.getProperty("java.runtime.version")}",
        "node" to node,
    )
}

/** The versions this jar was built with (filtered into bench-versions.properties by Maven). */
fun versions(): Map<String, String> {
    val p = java.util.Properties()
    Runner::class.java.getResourceAsStream("/bench-versions.properties")?.use { p.load(it) }
    return p.stringPropertyNames().sorted().associateWith { p.getProperty(it) } + ("tgrid" to "1.2.1")
}
