package dev.wsgrid.bench

import kotlinx.serialization.Serializable
import java.io.File

/** CPU time and context switches of a process, summed over its threads, from /proc (Linux). */
data class ProcSample(val cpuTicks: Long, val switches: Long) {
    operator fun minus(o: ProcSample) = ProcSample(cpuTicks - o.cpuTicks, switches - o.switches)

    companion object {
        private val ticksPerSecond = 100L // USER_HZ on Linux

        fun of(pid: Long): ProcSample? = runCatching {
            var ticks = 0L
            var switches = 0L
            File("/proc/$pid/task").listFiles()?.forEach { task ->
                runCatching {
                    // fields after the ")" of the command: utime is the 12th, stime the 13th
                    val stat = File(task, "stat").readText().substringAfterLast(')').trim().split(' ')
                    ticks += stat[11].toLong() + stat[12].toLong()
                    File(task, "status").forEachLine { line ->
                        if (line.startsWith("voluntary_ctxt_switches") || line.startsWith("nonvoluntary_ctxt_switches")) {
                            switches += line.substringAfter(':').trim().toLong()
                        }
                    }
                }
            }
            ProcSample(ticks, switches)
        }.getOrNull()

        fun microsPerTick(): Double = 1e6 / ticksPerSecond
    }
}

/** What one round trip cost both processes: CPU µs and context switches, client and server. */
@Serializable
data class Cost(val clientCpuUs: Double, val serverCpuUs: Double, val clientSwitches: Double, val serverSwitches: Double)

/** Measures [block]'s cost per call on this process and on the server whose pid is in BENCH_SERVER_PID. */
inline fun <T> costOf(calls: Int, block: () -> T): Pair<T, Cost?> {
    val server = System.getenv("BENCH_SERVER_PID")?.toLongOrNull()
    val self = ProcessHandle.current().pid()
    val c0 = ProcSample.of(self)
    val s0 = server?.let { ProcSample.of(it) }
    val result = block()
    val c1 = ProcSample.of(self)
    val s1 = server?.let { ProcSample.of(it) }
    if (c0 == null || c1 == null || s0 == null || s1 == null) return result to null
    val c = c1 - c0
    val s = s1 - s0
    val us = ProcSample.microsPerTick()
    return result to Cost(
        round1(c.cpuTicks * us / calls), round1(s.cpuTicks * us / calls),
        round1(c.switches.toDouble() / calls), round1(s.switches.toDouble() / calls),
    )
}

/** [costOf] for the Java client. */
fun costOfJava(calls: Int, block: java.util.function.Supplier<Figures>): Pair<Figures, Cost?> = costOf(calls) { block.get() }
