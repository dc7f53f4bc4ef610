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
    // both sides bound to wsgrid-micrometer (default settings, a Prometheus registry): what metrics cost
    SystemUnderTest("wsgrid-kotlin-metrics", "wsgrid ↔ wsgrid (Kotlin), metrics on", { it.jvm("server-wsgrid-metrics") }, { l, url, w -> l.jvm("client-kotlin-metrics", url, *w.args().toTypedArray()) }),
    SystemUnderTest("wsgrid-java", "wsgrid ↔ wsgrid (Java facade)", { it.jvm("server-wsgrid") }, { l, url, w -> l.jvm("client-java", url, *w.args().toTypedArray()) }),
    SystemUnderTest("tgrid", "TGrid ↔ TGrid (node)", { it.node("bench-server.js") }, { l, url, w -> l.node("bench-client.js", url, *w.args().toTypedArray()) }),
    SystemUnderTest("tgrid-to-wsgrid", "TGrid client → wsgrid server", { it.jvm("server-wsgrid") }, { l, url, w -> l.node("bench-client.js", url, *w.args().toTypedArray()) }),
    SystemUnderTest("wsgrid-to-tgrid", "wsgrid client → TGrid server", { it.node("bench-server.js") }, { l, url, w -> l.jvm("client-kotlin", url, *w.args().toTypedArray()) }),
    SystemUnderTest("rsocket-java", "rsocket-java ↔ rsocket-java (WebSocket)", { it.rsocket("server") }, { l, url, w -> l.rsocket("client", url, *w.args().toTypedArray()) }),
    SystemUnderTest("ktor-echo", "bare Ktor CIO echo (no RPC)", { it.jvm("server-echo") }, { l, url, w -> l.jvm("client-echo", "$url/echo", *w.args().toTypedArray()) }),
    SystemUnderTest("ktor-echo-raw", "bare Ktor CIO echo, raw sessions", { it.jvm("server-echo") }, { l, url, w -> l.jvm("client-echo", "$url/raw", *w.args().toTypedArray()) }),
    SystemUnderTest("ktor-echo-netty", "bare Ktor Netty echo, raw sessions", { it.jvm("server-echo-netty") }, { l, url, w -> l.jvm("client-echo", "$url/raw", *w.args().toTypedArray()) }),
    SystemUnderTest("netty-echo", "bare Netty echo (no Ktor)", { it.jvm("server-netty-echo") }, { l, url, w -> l.jvm("client-echo", "$url/raw", *w.args().toTypedArray()) }),
)

/** A server of the connections and fan-out workload; wsgrid's `client-scale` measures each. */
data class ScaleServer(val id: String, val system: String, val label: String, val server: (Launcher) -> List<String>)

val SCALE_SERVERS: List<ScaleServer> = listOf(
    ScaleServer("scale-wsgrid", "wsgrid", "wsgrid server", { it.jvm("server-wsgrid") }),
    // --expose-gc: the stats call collects before it reads the heap, as the JVM server does
    ScaleServer("scale-tgrid", "tgrid", "TGrid server (node)", { it.node(listOf("--expose-gc"), "bench-server.js") }),
)

/** A system of the sequential connect + handshake + close workload. */
data class ConnectSystem(val id: String, val label: String, val server: (Launcher) -> List<String>, val client: (Launcher, String, ConnectWorkload) -> List<String>)

val CONNECT_SYSTEMS: List<ConnectSystem> = listOf(
    ConnectSystem("connect-wsgrid-kotlin", "wsgrid Kotlin connector → wsgrid server", { it.jvm("server-wsgrid") }, { l, url, w -> l.jvm("client-connect", url, "${w.connects}", "${w.warmup}") }),
    ConnectSystem("connect-wsgrid-java", "wsgrid Java facade → wsgrid server", { it.jvm("server-wsgrid") }, { l, url, w -> l.jvm("client-connect-java", url, "${w.connects}", "${w.warmup}") }),
    ConnectSystem("connect-tgrid", "TGrid ↔ TGrid (node)", { it.node("bench-server.js") }, { l, url, w -> l.node("bench-connect.js", url, "${w.connects}", "${w.warmup}") }),
)

/** Sequential connect + close cycles from one client: [connects] measured after [warmup]. */
data class ConnectWorkload(val connects: Int = 2_000, val warmup: Int = 200)

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
    /** Whose server: `wsgrid` or `tgrid` (the client is wsgrid's `client-scale` for both). */
    val system: String = "wsgrid",
    val connections: Int,
    val connectsPerSec: Spread,
    val heapPerConnectionBytes: Spread,
    val fanoutMs: Spread,
    val runs: List<ScaleStep>,
)

/** Connect + handshake + close, one at a time from one client: `callsPerSec` is connects/s. */
@Serializable
data class ConnectSummary(val id: String, val label: String, val connect: WorkloadSummary, val runs: List<Figures>)

/**
 * One target: [ratio] is the measured figure over the reference (the other system's figure, or the
 * limit) and [goal] says what the ratio must be; [met] is `null` when a system it needs did not run.
 */
@Serializable
data class Target(val name: String, val measured: String, val goal: String, val met: Boolean?, val ratio: Double? = null)

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
    /** The Ktor engine the wsgrid bench server ran on (as it reported, or `--engine`). */
    val wsgridEngine: String? = null,
    val connects: List<ConnectSummary> = emptyList(),
)

/** Runs every system and the scale workload [runs] times, interleaved, and writes the results into [out]. */
class Runner(
    private val launcher: Launcher,
    private val out: File,
    private val runs: Int,
    private val work: CallWorkload,
    private val scaleTargets: List<Int>,
    private val only: Set<String>?,
    /** `null`: no connect workload. */
    private val connectWork: ConnectWorkload? = ConnectWorkload(),
    /** The engine of the echo wsgrid is held to; `null`: the one the wsgrid bench server reports. */
    private val engineOption: String? = null,
) {
    private val json = Json { prettyPrint = true; encodeDefaults = true }

    /** What the wsgrid bench server said it runs on, at its last start. */
    private var reportedEngine: String? = null

    private fun selected(id: String, group: String? = null) = only == null || id in only || (group != null && group in only)

    private fun start(command: List<String>, log: String): Server =
        launcher.startServer(command, log).also { if (command.contains("server-wsgrid") || command.contains("server-wsgrid-metrics")) it.engine?.let { e -> reportedEngine = e } }

    fun run(): Results {
        val systems = SYSTEMS.filter { selected(it.id) }
        val scaleServers = if (scaleTargets.isEmpty()) emptyList() else SCALE_SERVERS.filter { selected(it.id, "scale") }
        val connectSystems = if (connectWork == null) emptyList() else CONNECT_SYSTEMS.filter { selected(it.id, "connect") }
        val callRuns = systems.associateWith { ArrayList<CallResult>() }
        val scaleRuns = scaleServers.associateWith { ArrayList<ScaleResult>() }
        val connectRuns = connectSystems.associateWith { ArrayList<Figures>() }
        for (r in 1..runs) {
            for (s in systems) {
                log("run $r/$runs: ${s.label}")
                start(s.server(launcher), "${s.id}.run$r").use { server ->
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
            for (c in connectSystems) {
                log("run $r/$runs: ${connectWork!!.connects} sequential connect + close, ${c.label}")
                start(c.server(launcher), "${c.id}.run$r").use { server ->
                    val result = launcher.runClient(c.client(launcher, "ws://127.0.0.1:${server.port}", connectWork), "${c.id}.run$r")
                    val parsed = Json.decodeFromJsonElement(ConnectResult.serializer(), result)
                    log("  ${parsed.connect.callsPerSec} connects/s, p50 ${parsed.connect.p50us} µs, p99 ${parsed.connect.p99us} µs")
                    connectRuns.getValue(c).add(parsed.connect)
                }
            }
            for (sc in scaleServers) {
                log("run $r/$runs: connections and fan-out to ${scaleTargets.joinToString()}, ${sc.label}")
                start(sc.server(launcher), "${sc.id}.run$r").use { server ->
                    val result = launcher.runClient(launcher.jvm("client-scale", "ws://127.0.0.1:${server.port}", scaleTargets.joinToString(","), sc.system), "${sc.id}.run$r")
                    val parsed = Json.decodeFromJsonElement(ScaleResult.serializer(), result)
                    parsed.steps.forEach { log("  ${it.connections} connections: ${it.connectsPerSec}/s, ${it.heapPerConnectionBytes} B heap each, fan-out ${it.fanoutMedianMs} ms") }
                    scaleRuns.getValue(sc).add(parsed)
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
        val scale = scaleServers.flatMap { sc ->
            scaleTargets.sorted().mapIndexedNotNull { i, n ->
                val steps = scaleRuns.getValue(sc).mapNotNull { it.steps.getOrNull(i) }
                if (steps.isEmpty()) null else ScaleSummary(
                    sc.system,
                    n,
                    Spread.of(steps.map { it.connectsPerSec }),
                    Spread.of(steps.map { it.heapPerConnectionBytes.toDouble() }),
                    Spread.of(steps.map { it.fanoutMedianMs }),
                    steps,
                )
            }
        }
        val connects = connectSystems.map { c ->
            val fs = connectRuns.getValue(c)
            ConnectSummary(c.id, c.label, WorkloadSummary(Spread.of(fs.map { it.callsPerSec }), Spread.of(fs.map { it.p50us }), Spread.of(fs.map { it.p99us })), fs)
        }
        val engine = engineOption ?: reportedEngine
        val results = Results(
            date = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS).toString(),
            machine = machine(),
            versions = versions() + (if (systems.any { it.id == "rsocket-java" }) launcher.rsocketVersions() else emptyMap()),
            workload = mapOf(
                "sequentialCalls" to work.sequential, "pipelinedCalls" to work.pipelined, "inflight" to work.inflight,
                "payloadCalls" to work.payload, "warmupRounds" to work.warmupRounds,
                "streamItems" to work.streamItems, "streamCredit" to STREAM_BUFFER,
                "payloadJsonBytes" to Json.encodeToString(Payload.serializer(), Payload.sample(7)).length,
            ) + (connectWork?.let { mapOf("sequentialConnects" to it.connects, "connectWarmup" to it.warmup) } ?: emptyMap()),
            runs = runs,
            systems = summaries,
            scale = scale,
            targets = targets(summaries, scale, engine),
            wsgridEngine = engine,
            connects = connects,
        )
        out.mkdirs()
        File(out, "latest.json").writeText(json.encodeToString(Results.serializer(), results) + "\n")
        File(out, "latest.md").writeText(markdown(results))
        writeChart(results, File(out, "latest.png"))
        return results
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
    // the Netty that ktor-server-netty brought onto this jar's classpath (the Ktor Netty and bare Netty echoes)
    val netty = runCatching { io.netty.util.Version.identify()["netty-common"]?.artifactVersion() }.getOrNull()
    return p.stringPropertyNames().sorted().associateWith { p.getProperty(it) } + ("tgrid" to "1.2.1") +
        (netty?.let { mapOf("netty" to it) } ?: emptyMap())
}
