package dev.wsgrid.rpc

/** WebSocket close codes (RFC 6455 §7.4.1) that wsgrid sends and reports. */
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
}
