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
        appendLine("## Stream (wsgrid.v1 only: a `Flow` of ${w["streamItems"]} numbers, ${w["streamCredit"]} items of credit)")
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
    if (r.scale.isNotEmpty()) {
        appendLine("## Connections and fan-out (wsgrid server)")
        appendLine()
        appendLine("| connections | connects/s | server heap per idle connection | broadcast to all, until the last has it |")
        appendLine("|---:|---:|---:|---:|")
        for (s in r.scale) {
            val kb = Spread(s.heapPerConnectionBytes.median / 1024, s.heapPerConnectionBytes.min / 1024, s.heapPerConnectionBytes.max / 1024)
            appendLine("| ${s.connections} | ${fmt(s.connectsPerSec, 0)} | ${fmt(kb, 1)} KB | ${fmt(s.fanoutMs, 1)} ms |")
        }
        appendLine()
    }
    if (r.targets.isNotEmpty()) {
        appendLine("## Targets")
        appendLine()
        appendLine("| target | measured | goal | met |")
        appendLine("|---|---:|---:|:---:|")
        for (t in r.targets) appendLine("| ${t.name} | ${t.measured} | ${t.goal} | ${if (t.met) "yes" else "**no**"} |")
        appendLine()
    }
}

private fun fmt(s: Spread, decimals: Int): String {
    fun f(v: Double) = if (decimals == 0) "%,.0f".format(v) else "%,.${decimals}f".format(v)
    return "${f(s.median)} [${f(s.min)}–${f(s.max)}]"
}

/** Calls/s of each workload and sequential latency, per system, as one PNG of four charts. */
fun writeChart(r: Results, file: File) {
    // short labels: XChart skips category labels that would overlap, which would misplace the rest
    val labels = r.systems.map { SHORT_LABELS[it.id] ?: it.id }
    fun bars(title: String, yTitle: String, series: List<Pair<String, List<Double>>>): CategoryChart {
        val chart = CategoryChartBuilder().width(1000).height(520).title(title).yAxisTitle(yTitle).build()
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
)
