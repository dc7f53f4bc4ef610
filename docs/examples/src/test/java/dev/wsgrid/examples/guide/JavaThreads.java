package dev.wsgrid.examples.guide;

import dev.wsgrid.examples.guide.JavaQuickStart.Credentials;
import dev.wsgrid.java.WebSocketConnector;
import dev.wsgrid.java.WebSocketServer;

import java.util.List;
import java.util.concurrent.CompletableFuture;

// region java-threads-imports
import dev.wsgrid.rpc.NonBlocking;
// endregion

/** The Java sample of docs/guide/threads.md, run by GuideSamplesRunSpec. */
public final class JavaThreads {
    private JavaThreads() {
    }

    // region java-threads-provider
    public interface Inventory {
        String count(String sku);        // plain: runs on the blocking pool, so a slow query stalls nothing else

        @NonBlocking
        String price(String sku);        // only computes: runs on the connection's event loop, no hop
    }

    public static class Warehouse implements Inventory {
        @Override public String count(String sku) { return sku + " counted on " + Thread.currentThread().getName(); }
        @Override public String price(String sku) { return sku + " priced on " + Thread.currentThread().getName(); }
    }
    // endregion

    /** The client's view of {@link Inventory}. */
    public interface InventoryDriver {
        CompletableFuture<String> count(String sku);

        CompletableFuture<String> price(String sku);
    }

    /** Serves a {@link Warehouse} and calls both of its functions: the answers name their threads. */
    public static List<String> run() {
        var server = new WebSocketServer<Credentials, Inventory>(Credentials.class);
        server.open("127.0.0.1", 0, acceptor -> acceptor.accept(new Warehouse())).join();
        var connector = new WebSocketConnector<Credentials, Object>(new Credentials("secret"), null);
        try {
            connector.connect("ws://127.0.0.1:" + server.getPort() + "/").join();
            var inventory = connector.getDriver(InventoryDriver.class);
            return List.of(inventory.count("apples").join(), inventory.price("apples").join());
        } finally {
            connector.close().join();
            server.close().join();
        }
    }
}
