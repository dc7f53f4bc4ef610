package dev.wsgrid.rpc

/**
 * Where a communicator is in its life. Calls may be made only while [OPEN].
 *
 * A connector moves `NONE → CONNECTING → OPEN → CLOSING → CLOSED`, and may connect again
 * from `CLOSED`. An acceptor moves `NONE → ACCEPTING → OPEN → CLOSING → CLOSED`, or
 * `NONE → REJECTING → CLOSED`. A [TransportCommunicator] moves `NONE → OPEN → CLOSING → CLOSED`.
 * A connector that reconnects moves `OPEN → RECONNECTING → OPEN` when its connection is lost.
 */
public enum class CommunicatorState {
    /** Created; not connected yet. */
    NONE,

    /** A connector is opening its connection and exchanging the header. */
    CONNECTING,

    /** An acceptor is accepting its client. */
    ACCEPTING,

    /** An acceptor is rejecting its client. */
    REJECTING,

    /** A connector lost its connection and is connecting again. */
    RECONNECTING,

    /** Open: both sides may call each other. */
    OPEN,

    /** Closing: no new calls; pending ones are being failed. */
    CLOSING,

    /** Closed. */
    CLOSED,
}
