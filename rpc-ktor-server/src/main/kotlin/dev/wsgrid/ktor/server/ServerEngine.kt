package dev.wsgrid.ktor.server

/** The Ktor engine the standalone [WebSocketServer] runs on. */
public enum class ServerEngine {
    /**
     * Ktor's Netty engine, with wsgrid's own WebSocket upgrade: each connection's frames are read,
     * handled and answered on its event loop, sockets are counted from their accept, and a socket
     * must complete its upgrade within [ServerOptions.upgradeTimeout]. The default, and the only one
     * that serves TLS.
     */
    NETTY,

    /**
     * Ktor's CIO engine: frames go through Ktor's WebSocket session and its coroutines on
     * `Dispatchers.IO`. Connections are counted from their upgrade; the time before the upgrade is
     * bounded by the engine's idle timeout only (CIO has no hook for a total deadline).
     */
    CIO,
}
