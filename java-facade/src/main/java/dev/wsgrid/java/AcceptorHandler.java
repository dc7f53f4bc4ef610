package dev.wsgrid.java;

/**
 * Runs once for each client that sent a header: read its header and path, then
 * {@link WebSocketAcceptor#accept accept} or {@link WebSocketAcceptor#reject reject} it before
 * returning. It runs on the server's handler executor, so it may block (a database look-up).
 *
 * <pre>{@code
 * server.open(37000, acceptor -> acceptor.accept(new Calculator()));
 * }</pre>
 *
 * @param <Header> the type of the clients' headers
 * @param <Provider> the type of the providers served to them
 */
@FunctionalInterface
public interface AcceptorHandler<Header, Provider> {
    /** Handles one client; a thrown exception rejects it with 1011. */
    void handle(WebSocketAcceptor<Header, Provider> acceptor) throws Exception;
}
