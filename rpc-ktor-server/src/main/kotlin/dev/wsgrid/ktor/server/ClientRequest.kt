package dev.wsgrid.ktor.server

/**
 * What a client's WebSocket upgrade request says about it, for [ClientVerifier] and acceptors.
 *
 * @property path the request path with its query (`/calculator?room=1`).
 * @property remoteAddress the client's address as the server sees it (`127.0.0.1:51234`).
 * @property headers the HTTP request headers, names in lower case.
 */
public class ClientRequest(
    public val path: String,
    public val remoteAddress: String,
    public val headers: Map<String, List<String>>,
) {
    /** The first value of the header [name] (any case), or `null`. */
    public fun header(name: String): String? = headers[name.lowercase()]?.firstOrNull()

    /** The `Origin` header, or `null`. */
    public val origin: String? get() = header("origin")

    override fun toString(): String = "ClientRequest($path from $remoteAddress)"
}

/**
 * Looks at a client before the WebSocket upgrade, as `ws`'s `verifyClient` does: return `null`
 * to let it upgrade, or an HTTP status (401, 403, 429, ...) to refuse it with.
 */
public fun interface ClientVerifier {
    /** `null` to allow [request], or the HTTP status that refuses it. */
    public suspend fun verify(request: ClientRequest): Int?
}

/** Runs once per client that sent a header: decide with `accept` or `reject` before returning. */
public fun interface AcceptorHandler<Header, Provider : Any> {
    /** Handles [acceptor]: read its header and path, then accept it with a provider or reject it. */
    public suspend fun handle(acceptor: WebSocketAcceptor<Header, Provider>)
}
