package dev.wsgrid.bench

import org.knowm.xchart.BitmapEncoder
import org.knowm.xchart.CategoryChart
import org.knowm.xchart.CategoryChartBuilder
import org.knowm.xchart.style.Styler
import java.awt.Color
import java.io.File

/** The results as the markdown the docs include. */
fun markdown(r: Results): String = buildString {
    appendLine("# Benchmark results")
    appendLine()
    appendLine("Run ${r.date} by `benchmarks/run.sh` (${r.runs} runs per system, interleaved; each figure the median, [min–max] over the runs).")
    appendLine()
    appendLine("Machine: ${r.machine["cpu"]}, ${r.machine["cores"]} cores, ${r.machine["memory"]}, Linux ${r.machine["kernel"]}, ${r.machine["java"]}, node ${r.machine["node"]}.")
    appendLine("Versions: " + r.versions.entries.joinToString(", ") { "${it.key} ${it.value}" } + ".")
    val w = r.workload
    appendLine(
        "Workloads, one connection each: ${w["sequentialCalls"]} sequential awaited `plus(x, y)` calls; ${w["pipelinedCalls"]} pipelined calls with " +
            "${w["inflight"]} outstanding; ${w["payloadCalls"]} sequential `echo(payload)` calls of a ${w["payloadJsonBytes"]}-byte JSON object. " +
            "Each client first runs ${w["warmupRounds"]} warm-up rounds of a tenth of each workload.",
    )
    r.wsgridEngine?.let { e ->
        appendLine()
        appendLine("wsgrid's server ran on Ktor's ${if (e == "netty") "Netty" else if (e == "cio") "CIO" else e} engine; the targets hold it to the bare echo on that engine (`${if (e == "netty") "ktor-echo-netty" else "ktor-echo-raw"}`).")
    }
    appendLine()
    for ((title, pick) in listOf<Pair<String, (SystemSummary) -> WorkloadSummary>>(
        "Sequential" to { it.sequential }, "Pipelined (${w["inflight"]} in flight)" to { it.pipelined }, "Payload (a ${w["payloadJsonBytes"]}-byte object each way)" to { it.payload },
    )) {
        appendLine("## $title")
        appendLine()
        appendLine("| system | calls/s | p50 µs | p99 µs |")
        appendLine("|---|---:|---:|---:|")
        for (s in r.systems) {
            val f = pick(s)
            appendLine("| ${s.label} | ${fmt(f.callsPerSec, 0)} | ${fmt(f.p50us, 0)} | ${fmt(f.p99us, 0)} |")
        }
        appendLine()
    }
    val streams = r.systems.filter { it.stream != null }
    if (streams.isNotEmpty()) {
        appendLine("## Stream (${w["streamItems"]} numbers, ${w["streamCredit"]} items of credit: a `Flow` over wsgrid.v1, rsocket-java's request-stream with `limitRate(${w["streamCredit"]})`; TGrid has none)")
        appendLine()
        appendLine("| system | items/s |")
        appendLine("|---|---:|")
        for (s in streams) appendLine("| ${s.label} | ${fmt(s.stream!!, 0)} |")
        appendLine()
    }
    val costs = r.systems.filter { s -> s.runs.any { it.sequentialCost != null } }
    if (costs.isNotEmpty()) {
        appendLine("## Cost of one sequential call (CPU µs and context switches, from /proc, medians)")
        appendLine()
        appendLine("| system | client CPU µs | client switches | server CPU µs | server switches |")
        appendLine("|---|---:|---:|---:|---:|")
        for (s in costs) {
            val c = s.runs.mapNotNull { it.sequentialCost }
            fun med(pick: (Cost) -> Double) = "%.1f".format(Spread.of(c.map(pick)).median)
            appendLine("| ${s.label} | ${med { it.clientCpuUs }} | ${med { it.clientSwitches }} | ${med { it.serverCpuUs }} | ${med { it.serverSwitches }} |")
        }
        appendLine()
    }
    if (r.connects.isNotEmpty()) {
        appendLine("## Sequential connect + handshake + close (one client, ${w["sequentialConnects"]} after ${w["connectWarmup"]} warm-up, a new connector each)")
        appendLine()
        appendLine("| system | connects/s | p50 ms | p99 ms |")
        appendLine("|---|---:|---:|---:|")
        for (c in r.connects) {
            fun ms(s: Spread) = Spread(s.median / 1000, s.min / 1000, s.max / 1000)
            appendLine("| ${c.label} | ${fmt(c.connect.callsPerSec, 0)} | ${fmt(ms(c.connect.p50us), 2)} | ${fmt(ms(c.connect.p99us), 2)} |")
        }
        appendLine()
    }
    if (r.scale.isNotEmpty()) {
        appendLine("## Connections and fan-out (wsgrid's scale client against each server)")
        appendLine()
        appendLine("| server | connections | connects/s | server heap per idle connection | broadcast to all, until the last has it |")
        appendLine("|---|---:|---:|---:|---:|")
        for (s in r.scale) {
            val kb = Spread(s.heapPerConnectionBytes.median / 1024, s.heapPerConnectionBytes.min / 1024, s.heapPerConnectionBytes.max / 1024)
            val server = if (s.system == "tgrid") "TGrid (node)" else s.system
            appendLine("| $server | ${s.connections} | ${fmt(s.connectsPerSec, 0)} | ${fmt(kb, 1)} KB | ${fmt(s.fanoutMs, 1)} ms |")
        }
        appendLine()
    }
    if (r.targets.isNotEmpty()) {
        appendLine("## Targets")
        appendLine()
        appendLine("| target | measured | ratio | goal | met |")
        appendLine("|---|---:|---:|---:|:---:|")
        for (t in r.targets) {
            val met = when (t.met) {
                true -> "met"
                false -> "**missed**"
                null -> "not measured"
            }
            appendLine("| ${t.name} | ${t.measured} | ${t.ratio?.let { "%.2f×".format(it) } ?: "–"} | ${t.goal} | $met |")
        }
        appendLine()
    }
}

private fun fmt(s: Spread, decimals: Int): String {
    fun f(v: Double) = if (decimals == 0) "%,.0f".format(v) else "%,.${decimals}f".format(v)
    return "${f(s.median)} [${f(s.min)}–${f(s.max)}]"
}

/** Calls/s of each workload and sequential latency, per system, as one PNG of four charts. */
fun writeChart(r: Results, file: File) {
    // a run of only the connection workloads (--only scale,connect) has no call figures to draw
    if (r.systems.isEmpty()) return
    // short labels: XChart skips category labels that would overlap, which would misplace the rest
    val labels = r.systems.map { SHORT_LABELS[it.id] ?: it.id }
    fun bars(title: String, yTitle: String, series: List<Pair<String, List<Double>>>): CategoryChart {
        val chart = CategoryChartBuilder().width(1400).height(520).title(title).yAxisTitle(yTitle).build()
        chart.styler.apply {
            legendPosition = Styler.LegendPosition.InsideNW
            isLegendVisible = series.size > 1
            xAxisLabelRotation = 0
            chartBackgroundColor = Color.WHITE
            isToolTipsEnabled = false
            yAxisDecimalPattern = "#,###"
            isOverlapped = false
        }
        for ((name, values) in series) chart.addSeries(name, labels, values)
        return chart
    }
    val charts = listOf(
        bars("Sequential calls/s (one awaited at a time)", "calls/s", listOf("calls/s" to r.systems.map { it.sequential.callsPerSec.median })),
        bars("Pipelined calls/s (${r.workload["inflight"]} in flight)", "calls/s", listOf("calls/s" to r.systems.map { it.pipelined.callsPerSec.median })),
        bars("Payload calls/s (a ${r.workload["payloadJsonBytes"]}-byte object each way)", "calls/s", listOf("calls/s" to r.systems.map { it.payload.callsPerSec.median })),
        bars(
            "Sequential latency", "µs",
            listOf("p50" to r.systems.map { it.sequential.p50us.median }, "p99" to r.systems.map { it.sequential.p99us.median }),
        ),
    )
    BitmapEncoder.saveBitmap(charts, 2, 2, file.path.removeSuffix(".png"), BitmapEncoder.BitmapFormat.PNG)
}

/** Chart labels per system id. */
private val SHORT_LABELS = mapOf(
    "wsgrid-kotlin" to "wsgrid (Kotlin)",
    "wsgrid-java" to "wsgrid (Java)",
    "tgrid" to "TGrid",
    "tgrid-to-wsgrid" to "TGrid→wsgrid",
    "wsgrid-to-tgrid" to "wsgrid→TGrid",
    "ktor-echo" to "Ktor echo",
    "ktor-echo-raw" to "Ktor echo raw",
    "ktor-echo-netty" to "Ktor Netty echo",
    "netty-echo" to "Netty echo",
    "rsocket-java" to "rsocket-java",
)
