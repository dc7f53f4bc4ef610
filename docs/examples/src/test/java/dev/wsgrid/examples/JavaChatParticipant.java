package dev.wsgrid.examples;

import dev.wsgrid.java.WebSocketConnector;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/** A chat participant on the Java API, for the cluster test: what the server prints to it lands in {@link #lines}. */
public final class JavaChatParticipant implements AutoCloseable {
    /**
     * What the participant serves: the server calls it for every message said. It returns a future,
     * so it runs on the connection's thread in the order the calls came (a plain blocking method
     * would run on a pool, where two calls may overtake each other).
     */
    public interface ChatPrinterService {
        CompletableFuture<Void> print(String name, String message);
    }

    /** The chat, as a Java client calls it. */
    public interface ChatDriver {
        CompletableFuture<Boolean> setName(String name);

        CompletableFuture<Void> talk(String message);
    }

    /** Every line printed to this participant, {@code "name: message"}. */
    public final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final WebSocketConnector<Object, ChatPrinterService> connector;

    public JavaChatParticipant(String url) {
        connector = new WebSocketConnector<>(null, (name, message) -> {
            lines.add(name + ": " + message);
            return CompletableFuture.completedFuture(null);
        });
        connector.connect(url).join();
    }

    public ChatDriver chat() {
        return connector.getDriver(ChatDriver.class);
    }

    @Override
    public void close() {
        connector.close().join();
    }
}
