package dev.wsgrid.java;

/**
 * Hooks on a {@link WebSocketServer}'s life, for logging and metering. Override what you need;
 * every method does nothing by default. They run on the server's threads: keep them short and
 * never block.
 *
 * <pre>{@code
 * ServerConfig.builder().listener(new ServerListener() {
 *     @Override public void onConnection(WebSocketAcceptor<?, ?> acceptor) { log.info("{} joined", acceptor.getId()); }
 * })
 * }</pre>
 */
public abstract class ServerListener {
    /** The server is listening on {@code host:port}. */
    public void onListening(String host, int port) {
    }

    /** A client was accepted. */
    public void onConnection(WebSocketAcceptor<?, ?> acceptor) {
    }

    /** An accepted client's connection ended with {@code code} and {@code reason}. */
    public void onDisconnection(WebSocketAcceptor<?, ?> acceptor, int code, String reason) {
    }

    /** A handler failed ({@code acceptor} is its client), or the server did ({@code null}). */
    public void onError(Throwable error, WebSocketAcceptor<?, ?> acceptor) {
    }
}
