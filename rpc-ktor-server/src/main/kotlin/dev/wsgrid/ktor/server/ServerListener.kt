package dev.wsgrid.ktor.server

/**
 * Hooks on a server's life, for logging and metering (the events of `ws` and of plain
 * message-socket servers): connections, refused handshakes, the connection limit, rooms and
 * broadcasts. Override what you need; every method does nothing by default. Listeners run
 * inline on the server's coroutines: keep them short and never block.
 *
 * What happens on each accepted connection (its calls, frames and limits) is told to the
 * [EventListener][dev.wsgrid.rpc.EventListener] of [ServerOptions.communicator] instead.
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

    /**
     * A client was refused before it was accepted, for [reason]: closed with the WebSocket close
     * [code], or answered with the HTTP status [code] before the upgrade
     * ([HandshakeRejection.VERIFIER]).
     */
    public open fun onHandshakeRejected(request: ClientRequest, reason: HandshakeRejection, code: Int) {}

    /**
     * A server-wide limit was hit: [limit] names its option (`maxConnections`). The limits of
     * each connection are told to its [EventListener][dev.wsgrid.rpc.EventListener].
     */
    public open fun onLimitExceeded(limit: String, request: ClientRequest) {}

    /** [acceptor] entered [room], which now has [size] members. */
    public open fun onRoomEntered(room: String, acceptor: WebSocketAcceptor<*, *>, size: Int) {}

    /** [acceptor] left [room] (or closed while in it), which now has [size] members (0: it is gone). */
    public open fun onRoomLeft(room: String, acceptor: WebSocketAcceptor<*, *>, size: Int) {}

    /**
     * A broadcast of [listener] (the function path it called on every member) ended: [result]
     * has the members it reached and those that failed, with why.
     */
    public open fun onBroadcast(listener: String, result: BroadcastResult) {}
}

/** Why a client was refused before it was accepted; [tag] is its value as a metric tag. */
public enum class HandshakeRejection(
    /** The value of a `reason` tag. */
    public val tag: String,
) {
    /** The [ClientVerifier] refused the upgrade with an HTTP status. */
    VERIFIER("verifier"),

    /** The server had [ServerOptions.maxConnections] connections already (closed with 1013). */
    MAX_CONNECTIONS("max_connections"),

    /** No header within [ServerOptions.handshakeTimeout] (closed with 1008). */
    TIMEOUT("timeout"),

    /** The first frame was not a header of the server's header type (closed with 1008). */
    INVALID_HEADER("invalid_header"),

    /** The handler rejected the client ([WebSocketAcceptor.reject]). */
    REJECTED("rejected"),

    /** The handler failed, or returned without accepting or rejecting (closed with 1011). */
    ERROR("error"),
}
