package dev.wsgrid.rpc

/**
 * WebSocket close codes (RFC 6455 §7.4.1) that wsgrid sends and reports, by name:
 * `acceptor.close(CloseCodes.GOING_AWAY, "maintenance")`, and [nameOf] for a code received
 * (`HandshakeRejectedException.code`, `ConnectionClosedException.code`).
 */
public object CloseCodes {
    /** Normal closure. */
    public const val NORMAL: Int = 1000

    /** The endpoint is going away (server shutdown). */
    public const val GOING_AWAY: Int = 1001

    /** A protocol error: a frame that cannot be accepted at this point. */
    public const val PROTOCOL_ERROR: Int = 1002

    /** A data type that cannot be accepted (a binary frame where text is required). */
    public const val UNSUPPORTED_DATA: Int = 1003

    /** No close frame was received: the connection was lost. Never sent on the wire. */
    public const val ABNORMAL: Int = 1006

    /** Invalid frame payload data (text that is not UTF-8, a header that is not JSON). */
    public const val INVALID_PAYLOAD: Int = 1007

    /** A policy was violated: a rejected header, a handshake timeout. TGrid uses it too. */
    public const val POLICY_VIOLATION: Int = 1008

    /** A frame exceeded the maximum frame size. */
    public const val MESSAGE_TOO_BIG: Int = 1009

    /** The server hit an unexpected condition. */
    public const val INTERNAL_ERROR: Int = 1011

    /** The server is overloaded (too many connections): try again later. */
    public const val TRY_AGAIN_LATER: Int = 1013

    private val names: Map<Int, String> = mapOf(
        NORMAL to "NORMAL", GOING_AWAY to "GOING_AWAY", PROTOCOL_ERROR to "PROTOCOL_ERROR",
        UNSUPPORTED_DATA to "UNSUPPORTED_DATA", ABNORMAL to "ABNORMAL", INVALID_PAYLOAD to "INVALID_PAYLOAD",
        POLICY_VIOLATION to "POLICY_VIOLATION", MESSAGE_TOO_BIG to "MESSAGE_TOO_BIG",
        INTERNAL_ERROR to "INTERNAL_ERROR", TRY_AGAIN_LATER to "TRY_AGAIN_LATER",
    )

    /** The name of [code] among these constants (`nameOf(1008)` is `"POLICY_VIOLATION"`), or `null` for another code. */
    @JvmStatic
    public fun nameOf(code: Int): String? = names[code]
}
