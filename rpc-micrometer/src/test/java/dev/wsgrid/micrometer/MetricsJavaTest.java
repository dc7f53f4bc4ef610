package dev.wsgrid.micrometer;

import dev.wsgrid.java.ConnectorConfig;
import dev.wsgrid.java.ServerConfig;
import dev.wsgrid.java.WebSocketConnector;
import dev.wsgrid.java.WebSocketServer;
import dev.wsgrid.rpc.HandshakeRejectedException;
import dev.wsgrid.rpc.RemoteException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Java facade bound in one line each side, read from the registry after real calls over real sockets. */
class MetricsJavaTest {
    record Credentials(String token) {}

    /** What the server implements: plain blocking methods. */
    public interface AdderService {
        double plus(double x, double y);
        double fail(String why);
    }

    /** What the client calls. */
    public interface Adder {
        CompletableFuture<Double> plus(double x, double y);
        CompletableFuture<Double> fail(String why);
    }

    static final class SimpleAdder implements AdderService {
        @Override public double plus(double x, double y) { return x + y; }
        @Override public double fail(String why) { throw new IllegalArgumentException(why); }
    }

    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final WsgridMetrics metrics = WsgridMetrics.builder(registry).percentiles(0.5, 0.99).build();
    private WebSocketServer<Credentials, AdderService> server;

    @BeforeEach
    void open() {
        server = new WebSocketServer<>(Credentials.class, ServerConfig.builder().bind(metrics).build());
        server.open("127.0.0.1", 0, acceptor -> {
            if ("secret".equals(acceptor.getHeader().token())) acceptor.accept(new SimpleAdder());
            else acceptor.reject("unknown token");
        }).join();
    }

    @AfterEach
    void close() {
        server.close().join();
    }

    private WebSocketConnector<Credentials, Object> connector(String token) {
        return new WebSocketConnector<>(new Credentials(token), null, ConnectorConfig.builder().bind(metrics).build());
    }

    private long calls(String listener, String side, String outcome) {
        Timer t = registry.find(MeterNames.CALLS).tags(MeterNames.LISTENER, listener, MeterNames.SIDE, side, MeterNames.OUTCOME, outcome).timer();
        return t == null ? 0 : t.count();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "timed out waiting for " + what);
            Thread.sleep(10);
        }
    }

    @Test
    void callsOnBothSidesByListenerSideAndOutcome() throws Exception {
        var connector = connector("secret");
        connector.connect("ws://127.0.0.1:" + server.getPort() + "/adder").join();
        Adder adder = connector.getDriver(Adder.class);
        assertEquals(3.0, adder.plus(1, 2).join());
        var failed = assertThrows(CompletionException.class, () -> adder.fail("no").join());
        assertInstanceOf(RemoteException.class, failed.getCause());

        assertEquals(1, calls("plus", "called", "success"));
        assertEquals(1, calls("fail", "called", "remote_error"));
        await("the server's timers", () -> calls("plus", "served", "success") == 1 && calls("fail", "served", "remote_error") == 1);
        Timer plus = registry.find(MeterNames.CALLS).tags(MeterNames.LISTENER, "plus", MeterNames.SIDE, "called").timer();
        assertEquals(2, plus.takeSnapshot().percentileValues().length, "the percentiles asked for");
        await("the connection gauge", () -> registry.find(MeterNames.CONNECTIONS).tags(MeterNames.ROLE, "acceptor", MeterNames.PATH, "/adder").gauge().value() == 1.0);
        connector.close().join();
    }

    @Test
    void javaCallersSeeNoKotlinTypes() {
        var problems = new java.util.ArrayList<String>();
        for (Class<?> c : java.util.List.of(WsgridMetrics.class, WsgridMetrics.Builder.class, dev.wsgrid.rpc.EventListener.class,
                dev.wsgrid.rpc.EventListener.Factory.class, dev.wsgrid.rpc.ObservedCall.class, dev.wsgrid.rpc.CallScope.class,
                dev.wsgrid.rpc.CallOutcome.class, dev.wsgrid.rpc.CallSide.class, dev.wsgrid.ktor.server.ServerListener.class,
                dev.wsgrid.ktor.server.HandshakeRejection.class, dev.wsgrid.ktor.client.ConnectorListener.class)) {
            for (var m : c.getMethods()) {
                if (m.getName().equals("getEntries")) continue; // every Kotlin enum has it; Java uses values()
                var types = new java.util.ArrayList<Class<?>>(java.util.List.of(m.getParameterTypes()));
                types.add(m.getReturnType());
                for (var t : types) if (t.getName().startsWith("kotlin.")) problems.add(c.getSimpleName() + "." + m.getName() + ": " + t.getName());
            }
        }
        assertEquals(java.util.List.of(), problems);
    }

    @Test
    void aRejectedHandshakeIsCountedByReason() throws Exception {
        var connector = connector("wrong");
        var failed = assertThrows(CompletionException.class, () -> connector.connect("ws://127.0.0.1:" + server.getPort() + "/adder").join());
        assertInstanceOf(HandshakeRejectedException.class, failed.getCause());
        await("the rejection", () -> {
            Counter c = registry.find(MeterNames.HANDSHAKES_REJECTED).tags(MeterNames.REASON, "rejected").counter();
            return c != null && c.count() == 1.0;
        });
    }
}
