package dev.wsgrid.java;

import dev.wsgrid.java.internal.Bridge;
import dev.wsgrid.ktor.server.BroadcastResult;
import dev.wsgrid.ktor.server.Room;
import dev.wsgrid.ktor.server.ServerOptions;
import dev.wsgrid.ktor.server.ServerState;
import dev.wsgrid.rpc.CommunicatorState;

import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.concurrent.ConcurrentHashMap;

/**
 * TGrid's {@code WebSocketServer}, for Java: serves wsgrid at every path of one port and hands
 * each client that sends a header to the handler as a {@link WebSocketAcceptor}.
 *
 * <pre>{@code
 * var server = new WebSocketServer<Credentials, Calculator>(Credentials.class);
 * server.open(37000, acceptor -> {
 *     if (acceptor.getHeader().token().equals("secret")) acceptor.accept(new Calculator());
 *     else acceptor.reject("unknown token");
 * }).join();
 * // ...
 * server.close().join();
 * }</pre>
 *
 * @param <Header> the type client headers are decoded to (with the configured Jackson mapper)
 * @param <Provider> the type of the providers served to clients
 */
public final class WebSocketServer<Header, Provider> {
    private final dev.wsgrid.ktor.server.WebSocketServer<Header, Provider> server;
    private final ServerConfig config;
    private final Bridge bridge = new Bridge("wsgrid-java-server");
    private final Map<dev.wsgrid.ktor.server.WebSocketAcceptor<Header, Provider>, WebSocketAcceptor<Header, Provider>> acceptors =
            new ConcurrentHashMap<>();

    /** A server decoding headers to {@code headerType}, with the defaults. */
    public WebSocketServer(Class<Header> headerType) {
        this(headerType, ServerConfig.defaults());
    }

    /** A server decoding headers to {@code headerType} (a {@code Class}, or a generic {@code Type}). */
    public WebSocketServer(Type headerType, ServerConfig config) {
        this.config = config;
        ServerOptions options = config.options();
        if (config.getListener() != null) options = options.newBuilder().listener(new Listener(config.getListener())).build();
        this.server = new dev.wsgrid.ktor.server.WebSocketServer<>(headerType, options, config.getTls());
    }

    /** Tells a Java {@link ServerListener} of the server's events, with the acceptors' Java wrappers. */
    private final class Listener extends dev.wsgrid.ktor.server.ServerListener {
        private final ServerListener listener;

        Listener(ServerListener listener) {
            this.listener = listener;
        }

        @Override
        public void onListening(String host, int port) {
            listener.onListening(host, port);
        }

        @Override
        public void onConnection(dev.wsgrid.ktor.server.WebSocketAcceptor<?, ?> acceptor) {
            WebSocketAcceptor<?, ?> wrapper = acceptors.get(acceptor);
            if (wrapper != null) listener.onConnection(wrapper);
        }

        @Override
        public void onDisconnection(dev.wsgrid.ktor.server.WebSocketAcceptor<?, ?> acceptor, int code, String reason) {
            WebSocketAcceptor<?, ?> wrapper = acceptors.get(acceptor);
            if (wrapper != null) listener.onDisconnection(wrapper, code, reason);
        }

        @Override
        public void onError(Throwable error, dev.wsgrid.ktor.server.WebSocketAcceptor<?, ?> acceptor) {
            listener.onError(error, acceptor == null ? null : acceptors.get(acceptor));
        }
    }

    /** Opens on every interface of {@code port} (0 picks a free one, then readable with {@link #getPort()}). */
    public CompletableFuture<Void> open(int port, AcceptorHandler<Header, Provider> handler) {
        return open("0.0.0.0", port, handler);
    }

    /**
     * Starts listening on {@code host:port}; the future fails with {@code java.net.BindException}
     * when the port is in use, or {@code IllegalStateException} when the server is open.
     */
    public CompletableFuture<Void> open(String host, int port, AcceptorHandler<Header, Provider> handler) {
        return bridge.open(server, host, port, Bridge.handler(config.getHandlerExecutor(), kotlinAcceptor -> {
            WebSocketAcceptor<Header, Provider> acceptor = new WebSocketAcceptor<>(kotlinAcceptor, bridge);
            // the wrapper lives as long as its connection: forgotten when it closes (rejected ones included)
            acceptors.put(kotlinAcceptor, acceptor);
            kotlinAcceptor.addStateListener((old, now) -> {
                if (now == CommunicatorState.CLOSED) acceptors.remove(kotlinAcceptor);
            });
            if (kotlinAcceptor.getState() == CommunicatorState.CLOSED) acceptors.remove(kotlinAcceptor);
            try {
                handler.handle(acceptor);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("the handler of " + kotlinAcceptor.getDescription() + " failed", e);
            }
        }));
    }

    /** Closes every client (1001, "server closing"; their pending calls fail on both sides) and stops listening. */
    public CompletableFuture<Void> close() {
        return bridge.close(server).whenComplete((ignored, error) -> acceptors.clear());
    }

    /** The accepted, open connection with {@code id}, or {@code null}. */
    public WebSocketAcceptor<Header, Provider> find(String id) {
        var found = server.find(id);
        return found == null ? null : acceptors.get(found);
    }

    /**
     * The connection with {@code id} on whichever node of the server's cluster holds it: its
     * {@link WebSocketAcceptor} when it is here (as {@link #find(String)}), a communicator whose
     * drivers' calls travel to the node that holds it when it is elsewhere, or {@code null}. On a
     * single node, the same as {@link #find(String)}. The future fails with
     * {@code ClusterUnavailableException} when the cluster cannot be asked.
     *
     * <pre>{@code
     * server.locate("alice").thenCompose(alice -> alice.getDriver(ChatPrinter.class).print("bob", "hi"));
     * }</pre>
     */
    public CompletableFuture<Communicator<?>> locate(String id) {
        return bridge.locate(server, id).thenApply(found -> {
            if (found == null) return null;
            if (found instanceof dev.wsgrid.ktor.server.WebSocketAcceptor<?, ?> local) {
                WebSocketAcceptor<Header, Provider> wrapper = acceptors.get(local);
                if (wrapper != null) return wrapper;
            }
            return new RemoteCommunicator(found, bridge);
        });
    }

    /** The names of the rooms that have members now (on a cluster: this node's members). */
    public Set<String> getRooms() {
        return server.getRooms();
    }

    /** The members of the room {@code name}, none when it has none. */
    public List<WebSocketAcceptor<Header, Provider>> getRoomMembers(String name) {
        Room room = server.room(name);
        if (room == null) return List.of();
        List<WebSocketAcceptor<Header, Provider>> out = new ArrayList<>();
        for (var member : room.getMembers()) {
            WebSocketAcceptor<Header, Provider> wrapper = acceptors.get(member);
            if (wrapper != null) out.add(wrapper);
        }
        return out;
    }

    /**
     * Calls {@code call} on a driver of {@code type} of every member of the room {@code room} at
     * once, and completes with a report member by member; a member that has not finished within
     * 10 s counts as failed, and a slow or dead member delays nobody else.
     *
     * <pre>{@code
     * server.broadcast("lobby", ChatPrinter.class, p -> p.print(name, message))
     *     .thenAccept(result -> log.info("{} got it, {} did not", result.getDelivered().size(), result.getFailed().keySet()));
     * }</pre>
     */
    public <T> CompletableFuture<BroadcastResult> broadcast(String room, Class<T> type, Function<T, ? extends CompletionStage<?>> call) {
        return broadcast(room, type, Room.DEFAULT_BROADCAST_TIMEOUT, call);
    }

    /** {@link #broadcast(String, Class, Function)} with each member given {@code timeout}. */
    public <T> CompletableFuture<BroadcastResult> broadcast(String room, Class<T> type, Duration timeout, Function<T, ? extends CompletionStage<?>> call) {
        Room r = server.room(room);
        if (r == null) return CompletableFuture.completedFuture(new BroadcastResult(List.of(), Map.of()));
        return bridge.broadcast(r, server, type, timeout, call);
    }

    /** Like {@link #broadcast(String, Class, Function)}, to every open connection of the server. */
    public <T> CompletableFuture<BroadcastResult> broadcastToAll(Class<T> type, Function<T, ? extends CompletionStage<?>> call) {
        return bridge.broadcast(null, server, type, Room.DEFAULT_BROADCAST_TIMEOUT, call);
    }

    /** Where the server is in its life. */
    public ServerState getState() {
        return server.getState();
    }

    /** The port listened on, or -1 when not open. */
    public int getPort() {
        return server.getPort();
    }

    /** The connected clients that sent a header. */
    public List<WebSocketAcceptor<Header, Provider>> getAcceptors() {
        List<dev.wsgrid.ktor.server.WebSocketAcceptor<Header, Provider>> live = server.getAcceptors();
        List<WebSocketAcceptor<Header, Provider>> out = new ArrayList<>(live.size());
        for (var a : live) {
            WebSocketAcceptor<Header, Provider> wrapper = acceptors.get(a);
            if (wrapper != null) out.add(wrapper);
        }
        return out;
    }
}
