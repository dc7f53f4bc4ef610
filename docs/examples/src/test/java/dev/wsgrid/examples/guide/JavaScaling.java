package dev.wsgrid.examples.guide;

// region java-cluster-imports
import dev.wsgrid.cluster.redis.RedisClusterAdapter;
import dev.wsgrid.java.ServerConfig;
import dev.wsgrid.java.WebSocketServer;

import java.util.concurrent.CompletableFuture;
// endregion

/** The Java samples of docs/guide/scaling.md, run by GuideSamplesRunSpec on a real Redis. */
public final class JavaScaling {
    private JavaScaling() {
    }

    /** What a client serves, as the server calls it. */
    public interface ChatPrinter {
        CompletableFuture<Void> print(String name, String message);
    }

    /** Opens a node of the cluster at {@code redisUrl}; the caller closes it. */
    public static WebSocketServer<Object, Object> node(String redisUrl) {
        // region java-cluster-node
        var config = ServerConfig.builder()
                .cluster(RedisClusterAdapter.builder(redisUrl).prefix("chat").build())
                .build();
        var server = new WebSocketServer<Object, Object>(Object.class, config);
        server.open("127.0.0.1", 0, acceptor -> acceptor.accept(null).thenRun(() -> acceptor.enter("lobby"))).join();
        // endregion
        return server;
    }

    /** Calls {@code user} on whichever node holds it; completes with whether it was found. */
    public static boolean callAnywhere(WebSocketServer<Object, Object> server, String user) {
        // region java-cluster-locate
        var found = server.locate(user).thenCompose(member -> member == null
                ? CompletableFuture.completedFuture(false)
                : member.getDriver(ChatPrinter.class).print("server", "just you").thenApply(done -> true));
        // endregion
        return found.join();
    }
}
