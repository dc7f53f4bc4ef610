package dev.wsgrid.java;

import dev.wsgrid.java.Calculators.Calculator;
import dev.wsgrid.java.Calculators.SimpleCalculator;
import dev.wsgrid.rpc.HandshakeRejectedException;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A long-running Java server forgets each client when its connection ends. */
class ServerMemoryTest {
    record Credentials(String token) {}

    @Test
    void theServerHoldsNoWrapperOfAClientThatLeft() throws Exception {
        var wrappers = new ConcurrentLinkedQueue<WeakReference<WebSocketAcceptor<Credentials, Object>>>();
        var server = new WebSocketServer<Credentials, Object>(Credentials.class);
        server.open("127.0.0.1", 0, acceptor -> {
            wrappers.add(new WeakReference<>(acceptor));
            if (acceptor.getHeader().token().equals("no")) acceptor.reject("go away");
            else acceptor.accept(new SimpleCalculator());
        }).join();
        String url = "ws://127.0.0.1:" + server.getPort() + "/";
        int clients = 600;
        int rejected = 0;
        for (int batch = 0; batch < clients; batch += 50) {
            List<CompletableFuture<Void>> round = new ArrayList<>();
            for (int i = batch; i < batch + 50; i++) {
                boolean reject = i % 20 == 0;
                if (reject) rejected++;
                var connector = new WebSocketConnector<Credentials, Object>(new Credentials(reject ? "no" : "yes"));
                // chained, never joined inside a callback: callbacks run on the connector's own threads
                round.add(connector.connect(url).handle((ok, error) -> error).thenCompose(error -> {
                    if (reject) {
                        assertInstanceOf(HandshakeRejectedException.class, error instanceof CompletionException ? error.getCause() : error);
                        return CompletableFuture.completedFuture(null);
                    }
                    return connector.getDriver(Calculator.class).plus(1, 1)
                            .thenAccept(sum -> assertEquals(2.0, sum))
                            .thenCompose(ignored -> connector.close());
                }));
            }
            CompletableFuture.allOf(round.toArray(CompletableFuture[]::new)).join();
        }
        assertEquals(clients, wrappers.size());
        assertEquals(30, rejected);
        // every client left: once the server has seen each close, nothing may hold its wrapper
        long deadline = System.nanoTime() + 30_000_000_000L;
        long alive;
        do {
            System.gc();
            Thread.sleep(50);
            alive = wrappers.stream().filter(w -> w.get() != null).count();
        } while (alive > 0 && System.nanoTime() < deadline);
        assertEquals(0, alive, "wrappers of clients that left are still reachable");
        assertTrue(server.getAcceptors().isEmpty());
        server.close().join();
    }

    @Test
    void aWrapperStaysWhileItsClientIsConnected() {
        var server = new WebSocketServer<Credentials, Object>(Credentials.class);
        server.open("127.0.0.1", 0, acceptor -> {
            acceptor.setId(acceptor.getHeader().token());
            acceptor.accept(new SimpleCalculator());
        }).join();
        var connector = new WebSocketConnector<Credentials, Object>(new Credentials("stay"));
        connector.connect("ws://127.0.0.1:" + server.getPort() + "/").join();
        System.gc();
        assertEquals("stay", server.find("stay").getId());
        assertEquals(1, server.getAcceptors().size());
        connector.close().join();
        server.close().join();
    }
}
