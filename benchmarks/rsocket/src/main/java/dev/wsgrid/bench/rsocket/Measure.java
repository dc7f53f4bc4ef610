package dev.wsgrid.bench.rsocket;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.function.Supplier;

/** The figures every benchmark client prints, computed the same way as the JVM runner's and node's. */
final class Measure {
    private Measure() {
    }

    /** One workload's figures (the runner's {@code Figures}). */
    record Figures(int calls, double seconds, double callsPerSec, double p50us, double p99us) {
    }

    /** CPU µs and context switches per sequential call, client and server (the runner's {@code Cost}). */
    record Cost(double clientCpuUs, double serverCpuUs, double clientSwitches, double serverSwitches) {
    }

    /** What the client prints (the runner's {@code CallResult}). */
    record CallResult(String system, Figures sequential, Figures pipelined, Figures payload, Cost sequentialCost, Double streamItemsPerSec) {
    }

    /** Per-call latencies in nanoseconds. */
    static final class Latencies {
        private final long[] nanos;

        Latencies(int n) {
            nanos = new long[n];
        }

        void record(int i, long ns) {
            nanos[i] = ns;
        }

        Figures figures(long elapsedNs) {
            long[] sorted = nanos.clone();
            Arrays.sort(sorted);
            int n = sorted.length;
            double seconds = elapsedNs / 1e9;
            return new Figures(n, round3(seconds), round1(n / seconds), round1(pct(sorted, 50) / 1000.0), round1(pct(sorted, 99) / 1000.0));
        }

        private static long pct(long[] sorted, double p) {
            int n = sorted.length;
            return sorted[Math.min(n - 1, Math.max(0, (int) Math.ceil(p / 100 * n) - 1))];
        }
    }

    static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /** CPU ticks and context switches of a process, summed over its threads, from /proc (Linux). */
    private record ProcSample(long cpuTicks, long switches) {
        static ProcSample of(long pid) {
            File[] tasks = new File("/proc/" + pid + "/task").listFiles();
            if (tasks == null) return null;
            long ticks = 0;
            long switches = 0;
            for (File task : tasks) {
                try {
                    String stat = Files.readString(new File(task, "stat").toPath());
                    String[] f = stat.substring(stat.lastIndexOf(')') + 1).trim().split(" ");
                    ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    for (String line : Files.readAllLines(new File(task, "status").toPath())) {
                        if (line.startsWith("voluntary_ctxt_switches") || line.startsWith("nonvoluntary_ctxt_switches")) {
                            switches += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // a thread that ended meanwhile
                }
            }
            return new ProcSample(ticks, switches);
        }
    }

    /** A result and its cost per call. */
    record Measured<T>(T result, Cost cost) {
    }

    /** Runs {@code block} and measures its cost per call on this process and on the server in BENCH_SERVER_PID. */
    static <T> Measured<T> costOf(int calls, Supplier<T> block) {
        String serverPid = System.getenv("BENCH_SERVER_PID");
        long self = ProcessHandle.current().pid();
        ProcSample c0 = ProcSample.of(self);
        ProcSample s0 = serverPid == null ? null : ProcSample.of(Long.parseLong(serverPid));
        T result = block.get();
        ProcSample c1 = ProcSample.of(self);
        ProcSample s1 = serverPid == null ? null : ProcSample.of(Long.parseLong(serverPid));
        if (c0 == null || c1 == null || s0 == null || s1 == null) return new Measured<>(result, null);
        double usPerTick = 1e6 / 100; // USER_HZ
        return new Measured<>(result, new Cost(
                round1((c1.cpuTicks - c0.cpuTicks) * usPerTick / calls), round1((s1.cpuTicks - s0.cpuTicks) * usPerTick / calls),
                round1((double) (c1.switches - c0.switches) / calls), round1((double) (s1.switches - s0.switches) / calls)));
    }
}
