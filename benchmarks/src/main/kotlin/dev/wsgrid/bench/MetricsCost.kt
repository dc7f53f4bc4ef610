package dev.wsgrid.bench

import dev.wsgrid.micrometer.WsgridMetrics
import dev.wsgrid.rpc.CommunicatorOptions
import dev.wsgrid.rpc.InMemoryTransport
import dev.wsgrid.rpc.TransportCommunicator
import dev.wsgrid.rpc.WireProtocol
import io.micrometer.prometheusmetrics.PrometheusConfig
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry
import java.lang.management.ManagementFactory

/** The one function the in-process cost measurement calls. */
interface ICostService {
    suspend fun plus(x: Double, y: Double): Double
}

class CostService : ICostService {
    override suspend fun plus(x: Double, y: Double): Double = x + y
}

/** One round of one mode: calls/s and CPU of this process per call, sequential then pipelined. */
private class CostRound(val sequentialPerSec: Double, val sequentialCpuUs: Double, val pipelinedPerSec: Double, val pipelinedCpuUs: Double)

private val os = ManagementFactory.getOperatingSystemMXBean() as com.sun.management.OperatingSystemMXBean

private suspend fun costRound(metrics: Boolean, calls: Int): CostRound {
    val options = if (metrics) benchMetrics().bind(CommunicatorOptions.DEFAULT) else CommunicatorOptions.DEFAULT
    val (left, right) = InMemoryTransport.pair()
    val server = TransportCommunicator<ICostService>(CostService(), options).apply { open(left, WireProtocol.WSGRID_V1) }
    val client = TransportCommunicator<Nothing>(null, options).apply { open(right, WireProtocol.WSGRID_V1) }
    try {
        val driver = client.getDriver<ICostService>()
        sequential(calls / 5) { driver.plus(it.toDouble(), 1.0) }
        pipelined(calls / 5, 256) { driver.plus(it.toDouble(), 1.0) }
        var cpu = os.processCpuTime
        val seq = sequential(calls) { driver.plus(it.toDouble(), 1.0) }
        val seqCpu = (os.processCpuTime - cpu) / 1000.0 / calls
        cpu = os.processCpuTime
        val pipe = pipelined(calls * 5, 256) { driver.plus(it.toDouble(), 1.0) }
        val pipeCpu = (os.processCpuTime - cpu) / 1000.0 / (calls * 5)
        return CostRound(seq.callsPerSec, seqCpu, pipe.callsPerSec, pipeCpu)
    } finally {
        client.close()
        server.close()
    }
}

/**
 * `metrics-cost [CALLS] [ROUNDS]`: what wsgrid-micrometer (default settings, a Prometheus
 * registry, both ends bound) costs per call, in one process over the in-memory transport, so
 * neither sockets nor a second process add their noise: rounds with metrics off and on
 * interleaved, the first of each discarded as warm-up; prints the medians as a Markdown table.
 */
suspend fun metricsCost(calls: Int, rounds: Int): String {
    val off = ArrayList<CostRound>()
    val on = ArrayList<CostRound>()
    for (r in 0..rounds) {
        val a = costRound(false, calls)
        val b = costRound(true, calls)
        if (r > 0) {
            off += a
            on += b
        }
        System.err.println("round $r: off ${a.sequentialPerSec}/s ${"%.2f".format(a.sequentialCpuUs)} µs, ${a.pipelinedPerSec}/s ${"%.2f".format(a.pipelinedCpuUs)} µs; " +
            "on ${b.sequentialPerSec}/s ${"%.2f".format(b.sequentialCpuUs)} µs, ${b.pipelinedPerSec}/s ${"%.2f".format(b.pipelinedCpuUs)} µs")
    }
    fun med(xs: List<CostRound>, pick: (CostRound) -> Double) = Spread.of(xs.map(pick)).median
    return buildString {
        appendLine("| workload (in process, both ends) | metrics off | metrics on | on / off |")
        appendLine("|---|---:|---:|---:|")
        fun row(name: String, pick: (CostRound) -> Double, unit: String) {
            val a = med(off, pick)
            val b = med(on, pick)
            appendLine("| $name | ${"%,.1f".format(a)} $unit | ${"%,.1f".format(b)} $unit | ${"%.3f".format(b / a)} |")
        }
        row("sequential calls/s", { it.sequentialPerSec }, "")
        row("sequential CPU per call", { it.sequentialCpuUs }, "µs")
        row("pipelined calls/s (256 in flight)", { it.pipelinedPerSec }, "")
        row("pipelined CPU per call", { it.pipelinedCpuUs }, "µs")
        append("medians of $rounds rounds of $calls sequential and ${calls * 5} pipelined calls each, off and on interleaved")
    }
}
