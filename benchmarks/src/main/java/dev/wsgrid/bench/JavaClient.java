package dev.wsgrid.bench;

import dev.wsgrid.java.WebSocketConnector;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The call workloads through the Java facade, written as a Java application would: a driver
 * from a plain interface of futures, {@code join()} for sequential calls, and a chain of
 * futures per lane (no blocked threads) for the pipelined ones.
 */
public final class JavaClient {
    /** The benchmark service as a Java driver. */
    public interface Bench {
        CompletableFuture<Double> plus(double x, double y);

        CompletableFuture<JavaPayload> echo(JavaPayload payload);
    }

    /** The same JSON shape as the Kotlin {@code Payload}. */
    public record JavaPayload(int id, String name, List<String> tags, List<Double> values, String note) {
        static JavaPayload sample(int id) {
            List<String> tags = new ArrayList<>();
            for (int i = 0; i < 32; i++) tags.add("tag-" + i);
            List<Double> values = new ArrayList<>();
            for (int i = 0; i < 256; i++) values.add(i * 1.5);
            return new JavaPayload(id, "payload-" + id, tags, values, "x".repeat(1200));
        }
    }

    private JavaClient() {
    }

    /** Connects to {@code url}, runs the workload and returns its figures. */
    public static CallResult run(String url, CallWorkload work) {
        WebSocketConnector<Object, Object> connector = new WebSocketConnector<>(null);
        connector.connect(url).join();
        try {
            Bench bench = connector.getDriver(Bench.class);
            JavaPayload payload = JavaPayload.sample(7);
            for (int round = 0; round < work.getWarmupRounds(); round++) {
                sequential(bench, work.getSequential() / 10);
                pipelined(bench, work.getPipelined() / 10, work.getInflight());
                echo(bench, payload, work.getPayload() / 10);
            }
            var measured = ProcStatsKt.costOfJava(work.getSequential(), () -> sequential(bench, work.getSequential()));
            Figures seq = measured.getFirst();
            Figures pipe = pipelined(bench, work.getPipelined(), work.getInflight());
            Figures pay = echo(bench, payload, work.getPayload());
            return new CallResult("java", seq, pipe, pay, measured.getSecond(), null);
        } finally {
            connector.close().join();
        }
    }

    /**
     * {@code client-connect-java URL N WARMUP}: {@code n} times, one after the other, a new connector
     * connects and closes, as a Java user's first program does; after {@code warmup} such cycles.
     */
    public static ConnectResult connects(String url, int n, int warmup) {
        if (warmup > 0) connectCycles(url, warmup);
        return new ConnectResult("java", connectCycles(url, n));
    }

    private static Figures connectCycles(String url, int n) {
        Latencies lat = new Latencies(n);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long s = System.nanoTime();
            WebSocketConnector<Object, Object> connector = new WebSocketConnector<>(null);
            connector.connect(url).join();
            connector.close().join();
            lat.record(i, System.nanoTime() - s);
        }
        return lat.figures(System.nanoTime() - t0);
    }

    private static Figures sequential(Bench bench, int n) {
        Latencies lat = new Latencies(n);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long s = System.nanoTime();
            double r = bench.plus(i, 1).join();
            lat.record(i, System.nanoTime() - s);
            if (r != i + 1.0) throw new IllegalStateException("plus(" + i + ", 1) returned " + r);
        }
        return lat.figures(System.nanoTime() - t0);
    }

    private static Figures echo(Bench bench, JavaPayload payload, int n) {
        Latencies lat = new Latencies(n);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long s = System.nanoTime();
            JavaPayload r = bench.echo(payload).join();
            lat.record(i, System.nanoTime() - s);
            if (r.id() != payload.id() || r.values().size() != payload.values().size()) {
                throw new IllegalStateException("echo returned another payload: " + r.name());
            }
        }
        return lat.figures(System.nanoTime() - t0);
    }

    private static Figures pipelined(Bench bench, int total, int inflight) {
        Latencies lat = new Latencies(total);
        AtomicInteger next = new AtomicInteger();
        long t0 = System.nanoTime();
        CompletableFuture<?>[] lanes = new CompletableFuture<?>[inflight];
        for (int l = 0; l < inflight; l++) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            lane(bench, lat, next, total, done);
            lanes[l] = done;
        }
        CompletableFuture.allOf(lanes).join();
        return lat.figures(System.nanoTime() - t0);
    }

    /** One lane: the next call starts when the previous one completes, on whatever thread completed it. */
    private static void lane(Bench bench, Latencies lat, AtomicInteger next, int total, CompletableFuture<Void> done) {
        int i = next.getAndIncrement();
        if (i >= total) {
            done.complete(null);
            return;
        }
        long s = System.nanoTime();
        bench.plus(i, 1).whenComplete((r, e) -> {
            if (e != null) {
                done.completeExceptionally(e);
                return;
            }
            lat.record(i, System.nanoTime() - s);
            if (r != i + 1.0) {
                done.completeExceptionally(new IllegalStateException("plus(" + i + ", 1) returned " + r));
                return;
            }
            lane(bench, lat, next, total, done);
        });
    }
}
