package dev.wsgrid.ktor.server

/**
 * Hooks on a server's life, for logging and metering (the events of `ws` and of plain
 * message-socket servers). Override what you need; every method does nothing by default.
 * Listeners run inline on the server's coroutines: keep them short and never block.
 */
public abstract class ServerListener {
    /** The standalone server is listening on [host]:[port]. */
    public open fun onListening(host: String, port: Int) {}

    /** A client was accepted. */
    public open fun onConnection(acceptor: WebSocketAcceptor<*, *>) {}

    /** An accepted client's connection ended with [code] and [reason]. */
    public open fun onDisconnection(acceptor: WebSocketAcceptor<*, *>, code: Int, reason: String) {}

    /** A handler failed ([acceptor] is its client), or the server did (`null`). */
    public open fun onError(error: Throwable, acceptor: WebSocketAcceptor<*, *>?) {}
}
