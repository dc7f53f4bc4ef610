package dev.wsgrid.ktor.server

/** Where a [WebSocketServer] is in its life: `NONE → OPENING → OPEN → CLOSING → CLOSED`, and may open again. */
public enum class ServerState {
    /** Created, never opened. */
    NONE,

    /** Binding its port. */
    OPENING,

    /** Accepting connections. */
    OPEN,

    /** Closing its connections and stopping. */
    CLOSING,

    /** Stopped; may be opened again. */
    CLOSED,
}
