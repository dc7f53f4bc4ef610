package dev.wsgrid.ktor.client

/** The Ktor client engine a [WebSocketConnector] connects with, when it makes its own client. */
public enum class ClientEngine {
    /**
     * Ktor's Java engine (the JDK's `java.net.http` WebSocket) on one thread of the connector's
     * own: the JDK's selector reads, and everything else of the connection — the frames, the
     * provider's inline functions, the returns of calls made from that thread — runs on that one
     * thread, with one hand-off per message received. The default. It cannot compress: a connector
     * with a `compressionThreshold` uses [CIO].
     */
    JAVA,

    /**
     * Ktor's CIO engine, on two threads of the connector's own. Its socket pumps run on
     * `Dispatchers.IO` whatever the engine's dispatcher, so each frame crosses several threads.
     * Needed for permessage-deflate compression.
     */
    CIO,
}
