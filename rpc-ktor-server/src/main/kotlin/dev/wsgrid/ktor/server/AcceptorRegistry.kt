package dev.wsgrid.ktor.server

import java.util.concurrent.ConcurrentHashMap

/**
 * The clients of one wsgrid route or server that sent their header and are not closed yet
 * (`ws`'s `clientTracking`). Iteration is weakly consistent: it never fails while clients come and go.
 */
public class AcceptorRegistry<Header, Provider : Any> internal constructor() : Iterable<WebSocketAcceptor<Header, Provider>> {
    private val acceptors: MutableSet<WebSocketAcceptor<Header, Provider>> = ConcurrentHashMap.newKeySet()

    /** How many clients are tracked now. */
    public val size: Int get() = acceptors.size

    override fun iterator(): Iterator<WebSocketAcceptor<Header, Provider>> = acceptors.iterator()

    /** A snapshot of the tracked clients. */
    public fun toList(): List<WebSocketAcceptor<Header, Provider>> = acceptors.toList()

    internal fun add(acceptor: WebSocketAcceptor<Header, Provider>) {
        acceptors.add(acceptor)
    }

    internal fun remove(acceptor: WebSocketAcceptor<Header, Provider>) {
        acceptors.remove(acceptor)
    }
}
