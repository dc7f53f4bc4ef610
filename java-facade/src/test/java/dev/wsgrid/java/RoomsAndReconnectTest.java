package dev.wsgrid.java;

import dev.wsgrid.ktor.client.ReconnectPolicy;
import dev.wsgrid.ktor.server.BroadcastResult;
import dev.wsgrid.rpc.CallTimeout;
import dev.wsgrid.rpc.CallTimeoutException;
import dev.wsgrid.rpc.CommunicatorState;
import dev.wsgrid.rpc.Notification;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rooms, broadcasts, notifications, per-call timeouts and reconnection, from Java. */
class RoomsAndReconnectTest {
    public record Member(String name) {}

    /** Served by each client, called by the server: one interface serves both sides, as it returns futures. */
    public interface Printer {
        CompletableFuture<Void> print(String line);

        @Notification
        CompletableFuture<Void> note(String line);
    }

    public interface Slow {
        CompletableFuture<Integer> hold();
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not reached within 10 s");
            Thread.sleep(10);
        }
    }

    @Test
    void aBroadcastToARoomReportsItsDeadMembersWithoutWaitingForThem() throws Exception {
        var server = new WebSocketServer<Member, Object>(Member.class);
        server.open("127.0.0.1", 0, acceptor -> {
            acceptor.setId(acceptor.getHeader().name());
            acceptor.accept(null).join();
            acceptor.enter("lobby");
        }).join();
        AtomicInteger printed = new AtomicInteger();
        List<String> notes = new CopyOnWriteArrayList<>();
        List<WebSocketConnector<Member, Printer>> clients = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            boolean dead = i == 3 || i == 11;
            Printer printer = new Printer() {
                @Override public CompletableFuture<Void> print(String line) {
                    if (dead) return new CompletableFuture<>();
                    printed.incrementAndGet();
                    return CompletableFuture.completedFuture(null);
                }
                @Override public CompletableFuture<Void> note(String line) {
                    notes.add(line);
                    return CompletableFuture.completedFuture(null);
                }
            };
            var client = new WebSocketConnector<>(new Member("m" + i), printer);
            client.connect("ws://127.0.0.1:" + server.getPort() + "/").join();
            clients.add(client);
        }
        await(() -> server.getRoomMembers("lobby").size() == 20);
        assertEquals(Set.of("lobby"), server.getRooms());
        assertEquals("m5", server.find("m5").getId());

        BroadcastResult result = server.broadcast("lobby", Printer.class, Duration.ofMillis(500), p -> p.print("news")).join();
        assertEquals(18, result.getDelivered().size());
        assertEquals(Set.of("m3", "m11"), result.getFailed().keySet());
        result.getFailed().values().forEach(e -> assertInstanceOf(CallTimeoutException.class, e));
        assertEquals(18, printed.get());

        // a notification to everyone: sent, not waited for, so the dead members cost nothing
        BroadcastResult notified = server.broadcastToAll(Printer.class, p -> p.note("fyi")).join();
        assertTrue(notified.getAllDelivered());
        await(() -> notes.size() == 20);

        for (var c : clients) c.close().join();
        await(() -> server.getRooms().isEmpty());
        server.close().join();
    }

    @Test
    void aCallCanHaveItsOwnTimeoutFromJava() {
        var server = new WebSocketServer<Object, Slow>(Object.class);
        server.open("127.0.0.1", 0, acceptor -> acceptor.accept(() -> new CompletableFuture<>())).join();
        var client = new WebSocketConnector<Object, Object>(null);
        client.connect("ws://127.0.0.1:" + server.getPort()).join();
        Slow slow = client.getDriver(Slow.class);
        CompletableFuture<Integer> call = CallTimeout.withTimeout(Duration.ofMillis(100), slow::hold);
        CompletionException e = assertThrows(CompletionException.class, call::join);
        CallTimeoutException timeout = assertInstanceOf(CallTimeoutException.class, e.getCause());
        assertEquals("hold", timeout.getListener());
        assertEquals(Duration.ofMillis(100), timeout.getTimeout());
        assertEquals(0, client.getPendingCalls());
        client.close().join();
        server.close().join();
    }

    @Test
    void aReconnectingConnectorComesBackAfterTheServerRestarts() throws Exception {
        var server = new WebSocketServer<Object, Calculators.CalculatorService>(Object.class);
        server.open("127.0.0.1", 0, acceptor -> acceptor.accept(new Calculators.SimpleCalculator())).join();
        int port = server.getPort();
        ReconnectPolicy policy = ReconnectPolicy.builder().initialDelay(Duration.ofMillis(50)).maxDelay(Duration.ofMillis(200)).build();
        var client = new WebSocketConnector<Object, Object>(null, null, ConnectorConfig.builder().reconnect(policy).build());
        assertEquals(Duration.ofSeconds(5), ConnectorConfig.builder().reconnect(policy).build().getPingInterval());
        List<String> states = new CopyOnWriteArrayList<>();
        client.addStateListener((from, to) -> states.add(from + ">" + to));
        client.connect("ws://127.0.0.1:" + port + "/").join();
        Calculators.Calculator calc = client.getDriver(Calculators.Calculator.class);
        assertEquals(3.0, calc.plus(1, 2).join());

        server.close().join();
        await(() -> client.getState() == CommunicatorState.RECONNECTING);
        var again = new WebSocketServer<Object, Calculators.CalculatorService>(Object.class);
        again.open("127.0.0.1", port, acceptor -> acceptor.accept(new Calculators.SimpleCalculator())).join();
        await(() -> client.getState() == CommunicatorState.OPEN);
        assertEquals(5.0, calc.plus(2, 3).join());
        assertEquals(List.of("NONE>CONNECTING", "CONNECTING>OPEN", "OPEN>RECONNECTING", "RECONNECTING>OPEN"), states);
        client.close().join();
        again.close().join();
    }
}
