package dev.wsgrid.rpc

/**
 * What a connection speaks, agreed when it opened.
 *
 * A wsgrid connector offers the WebSocket subprotocol [WSGRID_V1]'s [subprotocol]; a wsgrid
 * server that allows extensions echoes it and accepts with an extension accept frame instead of
 * TGrid's `1`. Only when both happened is the connection [WSGRID_V1]; otherwise (a TGrid peer on
 * either side, or extensions turned off) it is plain [TGRID] and no extension frame is ever sent.
 * See `docs/guide/extensions.md`.
 */
public enum class WireProtocol(
    /** The WebSocket subprotocol that offers this protocol, or `null` for plain TGrid (none offered). */
    public val subprotocol: String?,
) {
    /** TGrid 1.x exactly: calls and returns only. Streams and binary payloads fail with an error saying so. */
    TGRID(null),

    /**
     * TGrid's frames plus wsgrid's extensions: call cancellation across the wire, streams with
     * backpressure, binary payloads.
     */
    WSGRID_V1("wsgrid.v1"),
    ;

    /** Whether wsgrid's extension frames may be used on the connection. */
    public val extensions: Boolean get() = this != TGRID

    /** Constants. */
    public companion object {
        /** The WebSocket subprotocol a wsgrid connector offers: `wsgrid.v1`. */
        public const val SUBPROTOCOL: String = "wsgrid.v1"
    }
}
