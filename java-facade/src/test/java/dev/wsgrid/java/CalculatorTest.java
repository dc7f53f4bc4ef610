package dev.wsgrid.java;

import dev.wsgrid.java.Calculators.Calculator;
import dev.wsgrid.java.Calculators.CalculatorService;
import dev.wsgrid.java.Calculators.SimpleCalculator;
import dev.wsgrid.ktor.server.ServerState;
import dev.wsgrid.rpc.CommunicatorState;
import dev.wsgrid.rpc.HandshakeRejectedException;
import dev.wsgrid.rpc.RemoteException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TGrid's calculator scenario with a Java provider and Java drivers, over real sockets. */
class CalculatorTest {
    record Credentials(String token) {}

    private WebSocketServer<Credentials, CalculatorService> server;

    @BeforeEach
    void open() {
        server = new WebSocketServer<>(Credentials.class);
        server.open("127.0.0.1", 0, acceptor -> {
            if ("secret".equals(acceptor.getHeader().token())) acceptor.accept(new SimpleCalculator());
            else acceptor.reject(4003, "unknown token " + acceptor.getHeader().token());
        }).join();
        assertEquals(ServerState.OPEN, server.getState());
    }

    @AfterEach
    void close() {
        server.close().join();
        assertEquals(ServerState.CLOSED, server.getState());
    }

    private String url(String path) {
        return "ws://127.0.0.1:" + server.getPort() + path;
    }

    @Test
    void calculatorScenarioWithNestedAndVariadicCalls() {
        var connector = new WebSocketConnector<Credentials, Object>(new Credentials("secret"));
        for (int round = 0; round < 3; round++) {
            connector.connect(url("/calculator")).join();
            assertEquals(CommunicatorState.OPEN, connector.getState());
            Calculator calc = connector.getDriver(Calculator.class);
            Random random = new Random(round);
            for (int i = 0; i < 100; i++) {
                int method = random.nextInt(9);
                double x = 2 + random.nextInt(9);
                double y = 2 + random.nextInt(9);
                assertEquals(Calculators.expected(method, x, y), Calculators.call(calc, method, x, y).join(), 1e-9);
            }
            assertEquals(2.5, calc.getStatistics().mean(1, 2, 3, 4).join());
            CompletionException failed = assertThrows(CompletionException.class, () -> calc.divides(2, 0).join());
            RemoteException remote = assertInstanceOf(RemoteException.class, failed.getCause());
            assertEquals("Divided by zero.", remote.getMessage());
            assertEquals("IllegalArgumentException", remote.getName());
            assertEquals("divides", remote.getListener());
            connector.close().join();
            assertEquals(CommunicatorState.CLOSED, connector.getState());
        }
    }

    @Test
    void manyConcurrentCallsFromOneThread() {
        var connector = new WebSocketConnector<Credentials, Object>(new Credentials("secret"));
        connector.connect(url("/")).join();
        Calculator calc = connector.getDriver(Calculator.class);
        List<CompletableFuture<Double>> calls = new ArrayList<>();
        for (int i = 0; i < 500; i++) calls.add(calc.plus(i, 1));
        for (int i = 0; i < 500; i++) assertEquals(i + 1.0, calls.get(i).join());
        connector.close().join();
    }

    @Test
    void aWrongHeaderIsRejectedWithTheServersCodeAndReason() {
        var connector = new WebSocketConnector<Credentials, Object>(new Credentials("guess"));
        CompletionException failed = assertThrows(CompletionException.class, () -> connector.connect(url("/")).join());
        HandshakeRejectedException rejected = assertInstanceOf(HandshakeRejectedException.class, failed.getCause());
        assertEquals(4003, rejected.getCode());
        assertEquals("unknown token guess", rejected.getReason());
    }

    @Test
    void joinWaitsForTheCloseWithATimeoutOrADeadline() {
        var connector = new WebSocketConnector<Credentials, Object>(new Credentials("secret"));
        connector.connect(url("/")).join();
        assertFalse(connector.join(Duration.ofMillis(50)).join());
        var acceptor = server.getAcceptors().get(0);
        assertEquals("/", acceptor.getPath());
        acceptor.close(4000, "bye").join();
        connector.join().orTimeout(5, TimeUnit.SECONDS).join();
        assertTrue(connector.join(java.time.Instant.now()).join());
    }

    @Test
    void cancellingADriverFutureCancelsTheCall() throws Exception {
        var blocking = new java.util.concurrent.CountDownLatch(1);
        var slowServer = new WebSocketServer<Credentials, CalculatorService>(Credentials.class);
        slowServer.open("127.0.0.1", 0, acceptor -> acceptor.accept(new SimpleCalculator() {
            @Override public double plus(double x, double y) {
                try {
                    blocking.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return x + y;
            }
        })).join();
        var connector = new WebSocketConnector<Credentials, Object>(new Credentials("any"));
        connector.connect("ws://127.0.0.1:" + slowServer.getPort() + "/").join();
        CompletableFuture<Double> call = connector.getDriver(Calculator.class).plus(1, 2);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (connector.getPendingCalls() == 0 && System.nanoTime() < deadline) Thread.sleep(5);
        assertEquals(1, connector.getPendingCalls());
        assertTrue(call.cancel(true));
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (connector.getPendingCalls() != 0 && System.nanoTime() < deadline) Thread.sleep(5);
        assertEquals(0, connector.getPendingCalls());
        blocking.countDown();
        connector.close().join();
        slowServer.close().join();
    }
}
