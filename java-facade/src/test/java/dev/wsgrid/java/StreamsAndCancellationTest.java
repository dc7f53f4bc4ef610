package dev.wsgrid.java;

import dev.wsgrid.rpc.WireProtocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** wsgrid's extensions from Java: {@code Flow.Publisher} streams both ways and {@code cancel(true)} reaching the provider. */
class StreamsAndCancellationTest {
    /** What a Java server implements. */
    public interface StreamService {
        Flow.Publisher<Integer> range(int count);

        CompletableFuture<Integer> hold();

        int block();

        CompletableFuture<Long> sum(Flow.Publisher<Integer> values);

        byte[] reverse(byte[] data);
    }

    /** What a Java client calls. */
    public interface Streams {
        Flow.Publisher<Integer> range(int count);

        CompletableFuture<Integer> hold();

        CompletableFuture<Integer> block();

        CompletableFuture<Long> sum(Flow.Publisher<Integer> values);

        CompletableFuture<byte[]> reverse(byte[] data);
    }

    /** Publishes 1..count as requested; remembers a cancel. */
    static final class RangePublisher implements Flow.Publisher<Integer> {
        private final int count;
        final CountDownLatch cancelled = new CountDownLatch(1);
        final AtomicLong emitted = new AtomicLong();

        RangePublisher(int count) {
            this.count = count;
        }

        @Override
        public void subscribe(Flow.Subscriber<? super Integer> subscriber) {
            subscriber.onSubscribe(new Flow.Subscription() {
                private final AtomicLong demand = new AtomicLong();
                private final AtomicBoolean draining = new AtomicBoolean();
                private volatile boolean done;
                private int next = 1;

                @Override
                public void request(long n) {
                    demand.getAndAdd(n);
                    // emits on the requesting thread, one drain at a time (a re-entrant request only adds demand)
                    while (!done && draining.compareAndSet(false, true)) {
                        try {
                            while (!done && demand.get() > 0 && next <= count) {
                                demand.decrementAndGet();
                                emitted.incrementAndGet();
                                subscriber.onNext(next++);
                            }
                            if (!done && next > count) {
                                done = true;
                                subscriber.onComplete();
                            }
                        } finally {
                            draining.set(false);
                        }
                        if (done || demand.get() == 0) break;
                    }
                }

                @Override
                public void cancel() {
                    done = true;
                    cancelled.countDown();
                }
            });
        }
    }

    /** Takes items [batch] at a time; may cancel after [stopAfter]. */
    static final class Collector<T> implements Flow.Subscriber<T> {
        final List<T> items = new CopyOnWriteArrayList<>();
        final CompletableFuture<List<T>> done = new CompletableFuture<>();
        private final int batch;
        private final int stopAfter;
        private Flow.Subscription subscription;
        private int taken;

        Collector(int batch, int stopAfter) {
            this.batch = batch;
            this.stopAfter = stopAfter;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(batch);
        }

        @Override
        public void onNext(T item) {
            items.add(item);
            if (items.size() == stopAfter) {
                subscription.cancel();
                done.complete(items);
                return;
            }
            if (++taken == batch) {
                taken = 0;
                subscription.request(batch);
            }
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            done.complete(items);
        }
    }

    static final class Service implements StreamService {
        final AtomicReference<RangePublisher> lastRange = new AtomicReference<>();
        final CompletableFuture<Integer> held = new CompletableFuture<>();
        final CountDownLatch blocking = new CountDownLatch(1);
        final CountDownLatch interrupted = new CountDownLatch(1);

        @Override
        public Flow.Publisher<Integer> range(int count) {
            RangePublisher p = new RangePublisher(count);
            lastRange.set(p);
            return p;
        }

        @Override
        public CompletableFuture<Integer> hold() {
            return held;
        }

        @Override
        public int block() {
            blocking.countDown();
            try {
                Thread.sleep(60_000);
                return 0;
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw new IllegalStateException("interrupted");
            }
        }

        @Override
        public byte[] reverse(byte[] data) {
            byte[] out = new byte[data.length];
            for (int i = 0; i < data.length; i++) out[i] = data[data.length - 1 - i];
            return out;
        }

        @Override
        public CompletableFuture<Long> sum(Flow.Publisher<Integer> values) {
            CompletableFuture<Long> total = new CompletableFuture<>();
            values.subscribe(new Flow.Subscriber<Integer>() {
                private long sum;
                private Flow.Subscription s;
                private int taken;

                @Override
                public void onSubscribe(Flow.Subscription s) {
                    this.s = s;
                    s.request(16);
                }

                @Override
                public void onNext(Integer item) {
                    sum += item;
                    if (++taken == 16) {
                        taken = 0;
                        s.request(16);
                    }
                }

                @Override
                public void onError(Throwable t) {
                    total.completeExceptionally(t);
                }

                @Override
                public void onComplete() {
                    total.complete(sum);
                }
            });
            return total;
        }
    }

    private final Service service = new Service();
    private WebSocketServer<Object, StreamService> server;
    private WebSocketConnector<Object, Object> connector;

    @BeforeEach
    void open() {
        server = new WebSocketServer<>(Object.class);
        server.open("127.0.0.1", 0, acceptor -> acceptor.accept(service)).join();
        connector = new WebSocketConnector<>(null);
        connector.connect("ws://127.0.0.1:" + server.getPort() + "/streams").join();
    }

    @AfterEach
    void close() {
        connector.close().join();
        server.close().join();
    }

    @Test
    void bothSidesAgreeOnTheExtensions() {
        assertEquals(WireProtocol.WSGRID_V1, connector.getProtocol());
    }

    @Test
    void aPublisherResultStreamsEveryItemAsTheSubscriberRequestsThem() throws Exception {
        Collector<Integer> c = new Collector<>(10, -1);
        connector.getDriver(Streams.class).range(1_000).subscribe(c);
        List<Integer> items = c.done.get(30, TimeUnit.SECONDS);
        assertEquals(1_000, items.size());
        assertEquals(1, items.get(0));
        assertEquals(1_000, items.get(999));
    }

    @Test
    void cancellingTheSubscriptionEarlyCancelsThePublisherOnTheServer() throws Exception {
        Collector<Integer> c = new Collector<>(1, 5);
        connector.getDriver(Streams.class).range(Integer.MAX_VALUE).subscribe(c);
        assertEquals(List.of(1, 2, 3, 4, 5), c.done.get(30, TimeUnit.SECONDS));
        assertTrue(waitFor(() -> service.lastRange.get() != null));
        assertTrue(service.lastRange.get().cancelled.await(30, TimeUnit.SECONDS), "the provider's publisher was not cancelled");
        // what the server produced is bounded by the credit, not by the endless range
        assertTrue(service.lastRange.get().emitted.get() < 1_000, "emitted " + service.lastRange.get().emitted.get());
    }

    @Test
    void aPublisherArgumentFlowsToTheProvider() throws Exception {
        assertEquals(5_050L, connector.getDriver(Streams.class).sum(new RangePublisher(100)).get(30, TimeUnit.SECONDS));
    }

    @Test
    void aTenMegabyteByteArrayRoundTripsInBinaryFrames() throws Exception {
        byte[] data = new byte[10 * 1024 * 1024];
        new java.util.Random(10).nextBytes(data);
        byte[] reversed = connector.getDriver(Streams.class).reverse(data).get(60, TimeUnit.SECONDS);
        assertEquals(data.length, reversed.length);
        for (int i = 0; i < data.length; i++) {
            if (reversed[i] != data[data.length - 1 - i]) throw new AssertionError("byte " + i + " differs");
        }
    }

    @Test
    void cancelTrueOnADriverFutureCancelsTheProvidersFuture() throws Exception {
        CompletableFuture<Integer> call = connector.getDriver(Streams.class).hold();
        assertTrue(waitFor(() -> service.held.getNumberOfDependents() > 0), "the provider was not called");
        assertTrue(call.cancel(true));
        assertTrue(waitFor(service.held::isCancelled), "the provider's future was not cancelled");
    }

    @Test
    void cancelTrueInterruptsABlockingProvider() throws Exception {
        CompletableFuture<Integer> call = connector.getDriver(Streams.class).block();
        assertTrue(service.blocking.await(30, TimeUnit.SECONDS));
        call.cancel(true);
        assertTrue(service.interrupted.await(30, TimeUnit.SECONDS), "the blocking provider was not interrupted");
    }

    @Test
    void withExtensionsOffAStreamFailsWithAnErrorSayingWhy() throws Exception {
        var plain = new WebSocketConnector<Object, Object>(null, null, ConnectorConfig.builder().extensions(false).build());
        plain.connect("ws://127.0.0.1:" + server.getPort() + "/").join();
        try {
            assertEquals(WireProtocol.TGRID, plain.getProtocol());
            Collector<Integer> c = new Collector<>(10, -1);
            plain.getDriver(Streams.class).range(3).subscribe(c);
            var e = assertThrowsCause(c.done);
            assertInstanceOf(UnsupportedOperationException.class, e);
            assertTrue(e.getMessage().contains("needs a wsgrid peer"), e.getMessage());
        } finally {
            plain.close().join();
        }
    }

    @Test
    void compressionAndExtensionsAreConfiguredFromJava() throws Exception {
        var config = ServerConfig.builder().compressionThreshold(1024).extensions(true).build();
        assertEquals(1024, config.getCompressionThreshold());
        assertTrue(config.isExtensions());
        var compressed = new WebSocketServer<Object, StreamService>(Object.class, config);
        compressed.open("127.0.0.1", 0, acceptor -> acceptor.accept(new Service())).join();
        var client = new WebSocketConnector<Object, Object>(null, null, ConnectorConfig.builder().compressionThreshold(1024).build());
        try {
            client.connect("ws://127.0.0.1:" + compressed.getPort() + "/").join();
            assertEquals(WireProtocol.WSGRID_V1, client.getProtocol());
            byte[] zeros = new byte[1 << 20];
            assertEquals(zeros.length, client.getDriver(Streams.class).reverse(zeros).get(30, TimeUnit.SECONDS).length);
        } finally {
            client.close().join();
            compressed.close().join();
        }
        assertEquals(CommunicatorConfig.defaults().getStreamBufferSize(), 64);
        assertEquals(16, CommunicatorConfig.builder().streamBufferSize(16).build().getStreamBufferSize());
    }

    private static Throwable assertThrowsCause(CompletableFuture<?> f) throws Exception {
        try {
            f.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("expected a failure");
    }

    private static boolean waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) return true;
            Thread.sleep(10);
        }
        return condition.getAsBoolean();
    }
}
