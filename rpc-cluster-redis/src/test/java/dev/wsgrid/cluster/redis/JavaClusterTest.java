package dev.wsgrid.cluster.redis;

import dev.wsgrid.java.Communicator;
import dev.wsgrid.java.ServerConfig;
import dev.wsgrid.java.WebSocketConnector;
import dev.wsgrid.java.WebSocketServer;
import dev.wsgrid.ktor.server.BroadcastResult;
import dev.wsgrid.rpc.HandshakeRejectedException;
import dev.wsgrid.rpc.IdConflictException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two Java servers on one Redis, configured from Java: broadcasts, locate and ids across them. */
class JavaClusterTest {
    public record Who(String name) {}

    /** What each client serves. */
    public interface PrinterService {
        String print(String text);
    }

    /** The same, as the servers call it. */
    public interface Printer {
        CompletableFuture<String> print(String text);
    }

    /** What the servers serve (nothing to call here). */
    public interface Hub {
        String ping();
    }

    public static final class Client implements PrinterService {
        final String name;
        final LinkedBlockingQueue<String> printed = new LinkedBlockingQueue<>();

        Client(String name) {
            this.name = name;
        }

        @Override
        public String print(String text) {
            printed.add(text);
            return name + " printed " + text;
        }
    }

    private static RedisServer redis;
    private static WebSocketServer<Who, Hub> left;
    private static WebSocketServer<Who, Hub> right;

    private static WebSocketServer<Who, Hub> node() {
        ServerConfig config = ServerConfig.builder()
                .cluster(RedisClusterAdapter.builder(redis.getUri()).prefix("java")
                        .heartbeatInterval(Duration.ofMillis(100)).nodeTimeout(Duration.ofSeconds(1)).build())
                .build();
        WebSocketServer<Who, Hub> server = new WebSocketServer<>(Who.class, config);
        server.open("127.0.0.1", 0, acceptor -> {
            acceptor.setId(acceptor.getHeader().name());
            try {
                acceptor.accept(() -> "pong").join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof IdConflictException conflict) {
                    acceptor.reject(4009, conflict.getMessage()).join();
                    return;
                }
                throw e;
            }
            acceptor.enter("lobby");
        }).join();
        return server;
    }

    @BeforeAll
    static void start() {
        redis = new RedisServer();
        left = node();
        right = node();
    }

    @AfterAll
    static void stop() {
        left.close().join();
        right.close().join();
        redis.close();
    }

    private static WebSocketConnector<Who, PrinterService> connect(WebSocketServer<?, ?> server, Client client) {
        WebSocketConnector<Who, PrinterService> connector = new WebSocketConnector<>(new Who(client.name), client);
        connector.connect("ws://127.0.0.1:" + server.getPort() + "/").join();
        return connector;
    }

    private static void awaitMember(WebSocketServer<?, ?> server, String id) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (server.getRoomMembers("lobby").stream().noneMatch(m -> m.getId().equals(id))) {
            if (System.nanoTime() > deadline) throw new AssertionError(id + " never entered the lobby");
            Thread.sleep(10);
        }
    }

    @Test
    void aBroadcastFromOneJavaServerReachesTheMembersOfBoth() throws Exception {
        Client ann = new Client("ann");
        Client bob = new Client("bob");
        var a = connect(left, ann);
        var b = connect(right, bob);
        try {
            awaitMember(left, "ann");
            awaitMember(right, "bob");
            BroadcastResult result = left.broadcast("lobby", Printer.class, p -> p.print("hello")).get(10, TimeUnit.SECONDS);
            assertEquals(Set.of("ann", "bob"), Set.copyOf(result.getDelivered()));
            assertTrue(result.getFailedNodes().isEmpty(), result.toString());
            assertEquals("hello", ann.printed.poll(5, TimeUnit.SECONDS));
            assertEquals("hello", bob.printed.poll(5, TimeUnit.SECONDS));
        } finally {
            a.close().join();
            b.close().join();
        }
    }

    @Test
    void locateCallsAClientOnTheOtherServerAndIdsAreUniqueAcrossThem() throws Exception {
        Client cy = new Client("cy");
        var c = connect(right, cy);
        try {
            Communicator<?> found = left.locate("cy").get(10, TimeUnit.SECONDS);
            assertEquals("cy printed across", found.getDriver(Printer.class).print("across").get(10, TimeUnit.SECONDS));
            assertNull(left.locate("nobody").get(10, TimeUnit.SECONDS));
            assertEquals(List.of(), left.getRoomMembers("nobody-room"));

            CompletionException twin = assertThrows(CompletionException.class, () -> connect(left, new Client("cy")));
            HandshakeRejectedException rejected = assertInstanceOf(HandshakeRejectedException.class, twin.getCause());
            assertEquals(4009, rejected.getCode());
        } finally {
            c.close().join();
        }
    }

    @Test
    void theBuilderNamesWhatIsWrong() {
        var e = assertThrows(IllegalArgumentException.class, () -> RedisClusterAdapter.builder("redis://127.0.0.1:1")
                .heartbeatInterval(Duration.ofSeconds(2)).nodeTimeout(Duration.ofSeconds(3)).build());
        assertTrue(e.getMessage().contains("must be at least twice heartbeatInterval"), e.getMessage());
        var prefix = assertThrows(IllegalArgumentException.class, () -> RedisClusterAdapter.builder("redis://127.0.0.1:1").prefix("a b"));
        assertTrue(prefix.getMessage().contains("\"a b\""), prefix.getMessage());
        var uri = assertThrows(IllegalArgumentException.class, () -> RedisClusterAdapter.create("http://nope"));
        assertTrue(uri.getMessage().startsWith("not a Redis URI: \"http://nope\""), uri.getMessage());
    }
}
