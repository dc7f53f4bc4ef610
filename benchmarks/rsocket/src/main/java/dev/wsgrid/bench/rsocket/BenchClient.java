package dev.wsgrid.bench.rsocket;

import dev.wsgrid.bench.rsocket.Measure.CallResult;
import dev.wsgrid.bench.rsocket.Measure.Figures;
import dev.wsgrid.bench.rsocket.Measure.Latencies;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.core.RSocketConnector;
import io.rsocket.transport.netty.client.WebsocketClientTransport;
import io.rsocket.util.DefaultPayload;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;

/**
 * The call workloads over rsocket-java, written as a Java team using Reactor would: {@code block()} for each awaited
 * call, {@code flatMap} with a concurrency of 256 for the pipelined calls, and a request-stream consumed with
 * {@code limitRate(1024)} (the same credit the wsgrid stream gets) for the stream. Defaults everywhere else
 * (the connector's and server's, {@code PayloadDecoder.DEFAULT}).
 */
final class BenchClient {
    private static final byte[] PLUS = Routes.metadata("plus");
    private static final byte[] ECHO = Routes.metadata("echo");
    private static final byte[] NUMBERS = Routes.metadata("numbers");
    /** The consumer's stream credit: items in flight before it asks for more, as STREAM_BUFFER for wsgrid. */
    private static final int STREAM_CREDIT = 1024;

    private BenchClient() {
    }

    static CallResult run(String url, Main.Workload work) {
        RSocket rsocket = RSocketConnector.create()
                .metadataMimeType(Routes.COMPOSITE)
                .dataMimeType("application/json")
                .connect(WebsocketClientTransport.create(URI.create(url)))
                .block();
        try {
            BenchPayload payload = BenchPayload.sample(7);
            for (int round = 0; round < work.warmupRounds(); round++) {
                sequential(rsocket, work.sequential() / 10);
                pipelined(rsocket, work.pipelined() / 10, work.inflight());
                echo(rsocket, payload, work.payload() / 10);
            }
            Measure.Measured<Figures> seq = Measure.costOf(work.sequential(), () -> sequential(rsocket, work.sequential()));
            Figures pipe = pipelined(rsocket, work.pipelined(), work.inflight());
            Figures pay = echo(rsocket, payload, work.payload());
            stream(rsocket, work.streamItems() / 10);
            double items = stream(rsocket, work.streamItems());
            return new CallResult("rsocket-java", seq.result(), pipe, pay, seq.cost(), items);
        } finally {
            rsocket.dispose();
        }
    }

    private static Payload plusRequest(int i) {
        return DefaultPayload.create(json(new double[] {i, 1}), PLUS);
    }

    private static void checkPlus(int i, Payload response) {
        try {
            double r = Main.JSON.readValue(response.getDataUtf8(), double.class);
            if (r != i + 1.0) throw new IllegalStateException("plus(" + i + ", 1) returned " + r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            response.release();
        }
    }

    private static Figures sequential(RSocket rsocket, int n) {
        Latencies lat = new Latencies(n);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long s = System.nanoTime();
            Payload response = rsocket.requestResponse(plusRequest(i)).block();
            lat.record(i, System.nanoTime() - s);
            checkPlus(i, response);
        }
        return lat.figures(System.nanoTime() - t0);
    }

    private static Figures pipelined(RSocket rsocket, int total, int inflight) {
        Latencies lat = new Latencies(total);
        long t0 = System.nanoTime();
        Flux.range(0, total)
                .flatMap(i -> Mono.defer(() -> {
                    long s = System.nanoTime();
                    return rsocket.requestResponse(plusRequest(i)).doOnNext(r -> {
                        lat.record(i, System.nanoTime() - s);
                        checkPlus(i, r);
                    });
                }), inflight)
                .blockLast();
        return lat.figures(System.nanoTime() - t0);
    }

    private static Figures echo(RSocket rsocket, BenchPayload payload, int n) {
        Latencies lat = new Latencies(n);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long s = System.nanoTime();
            // encoded per call, as for every other client: the argument is an object, not bytes
            Payload response = rsocket.requestResponse(DefaultPayload.create(json(payload), ECHO)).block();
            BenchPayload r;
            try {
                r = Main.JSON.readValue(response.getDataUtf8(), BenchPayload.class);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                response.release();
            }
            lat.record(i, System.nanoTime() - s);
            if (r.id() != payload.id() || r.values().size() != payload.values().size()) {
                throw new IllegalStateException("echo returned another payload: " + r.name());
            }
        }
        return lat.figures(System.nanoTime() - t0);
    }

    /** Items/s of one stream of {@code count} numbers, checked in order. */
    private static double stream(RSocket rsocket, int count) {
        int[] expected = {1};
        long t0 = System.nanoTime();
        rsocket.requestStream(DefaultPayload.create(json(count), NUMBERS))
                .limitRate(STREAM_CREDIT)
                .doOnNext(p -> {
                    try {
                        int v = Main.JSON.readValue(p.getDataUtf8(), int.class);
                        if (v != expected[0]++) throw new IllegalStateException("item " + v + " came out of order");
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    } finally {
                        p.release();
                    }
                })
                .blockLast();
        if (expected[0] != count + 1) throw new IllegalStateException("the stream ended after " + (expected[0] - 1) + " of " + count + " items");
        return Measure.round1(count / ((System.nanoTime() - t0) / 1e9));
    }

    private static byte[] json(Object value) {
        try {
            return Main.JSON.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
