package dev.wsgrid.java;

import dev.wsgrid.java.internal.Bridge;
import dev.wsgrid.ktor.server.ClientRequest;
import dev.wsgrid.rpc.CloseCodes;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One client of a {@link WebSocketServer}, for Java: the handler reads its {@link #getHeader()
 * header} and {@link #getPath() path}, then accepts it with a provider or rejects it. Once
 * accepted, the server calls the client's provider through {@link #getDriver(Class)}.
 *
 * @param <Header> the type of the client's header
 * @param <Provider> the type of the provider served to it
 */
public final class WebSocketAcceptor<Header, Provider> extends Communicator<Provider> {
    private final dev.wsgrid.ktor.server.WebSocketAcceptor<Header, Provider> acceptor;

    WebSocketAcceptor(dev.wsgrid.ktor.server.WebSocketAcceptor<Header, Provider> acceptor, Bridge bridge) {
        super(acceptor, bridge);
        this.acceptor = acceptor;
    }

    /** The header the client sent, decoded to the server's header type. */
    public Header getHeader() {
        return acceptor.getHeader();
    }

    /** The request path with its query ({@code /calculator?room=1}). */
    public String getPath() {
        return acceptor.getPath();
    }

    /** The client's address ({@code 127.0.0.1:51234}). */
    public String getRemoteAddress() {
        return acceptor.getRemoteAddress();
    }

    /** The HTTP headers of the upgrade request, names in lower case. */
    public Map<String, List<String>> getRequestHeaders() {
        return acceptor.getRequest().getHeaders();
    }

    /** The whole upgrade request. */
    public ClientRequest getRequest() {
        return acceptor.getRequest();
    }

    /**
     * Accepts the client and serves {@code provider} to it, reachable through every service
     * interface its class implements. The handler need not wait for the future.
     */
    public CompletableFuture<Void> accept(Provider provider) {
        return bridge.accept(acceptor, provider, new Class<?>[0]);
    }

    /** Accepts the client and serves {@code provider} to it, reachable only through {@code serviceInterfaces}. */
    public CompletableFuture<Void> accept(Provider provider, Class<?>... serviceInterfaces) {
        return bridge.accept(acceptor, provider, serviceInterfaces);
    }

    /** Rejects the client with 1008 and {@code reason}; its connect fails with both. */
    public CompletableFuture<Void> reject(String reason) {
        return reject(CloseCodes.POLICY_VIOLATION, reason);
    }

    /** Rejects the client with {@code code} and {@code reason}; its connect fails with both. */
    public CompletableFuture<Void> reject(int code, String reason) {
        return bridge.reject(acceptor, code, reason);
    }

    /** Closes the connection normally; pending calls on both sides fail. */
    public CompletableFuture<Void> close() {
        return close(CloseCodes.NORMAL, "");
    }

    /** Closes the connection with {@code code} and {@code reason}; pending calls on both sides fail. */
    public CompletableFuture<Void> close(int code, String reason) {
        return bridge.close(acceptor, code, reason);
    }

    /** This connection's id: random unless set before accepting; unique among the server's open connections. */
    public String getId() {
        return acceptor.getId();
    }

    /**
     * Chooses this connection's id before accepting; {@link #accept} then fails with
     * {@code IdConflictException} when another open connection has it.
     */
    public void setId(String id) {
        acceptor.setId(id);
    }

    /**
     * Changes the id of this open connection (on a cluster: claimed cluster-wide); the future fails
     * with {@code IdConflictException} when another connection has it, and this one keeps its id.
     */
    public CompletableFuture<Void> changeId(String id) {
        return bridge.changeId(acceptor, id);
    }

    /** Enters the room {@code name} (made on first entry); answers whether it was not in it yet. */
    public boolean enter(String name) {
        return acceptor.enter(name);
    }

    /** Leaves the room {@code name} (removed when it empties); answers whether it was in it. */
    public boolean leave(String name) {
        return acceptor.leave(name);
    }

    /** The rooms this connection is in; it leaves them all when it closes. */
    public Set<String> getRooms() {
        return acceptor.getRooms();
    }

    /** Pings the client every {@code interval}, dropping it when a ping goes unanswered for the pong timeout. */
    public void ping(Duration interval) {
        acceptor.ping(interval);
    }
}
