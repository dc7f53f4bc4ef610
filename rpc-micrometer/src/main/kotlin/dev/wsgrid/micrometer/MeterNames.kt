package dev.wsgrid.micrometer

/**
 * The names of the meters and observations [WsgridMetrics] registers, and of their tags. In
 * Prometheus the dots become underscores, timers gain `_seconds` and counters `_total`
 * (`wsgrid.calls` is `wsgrid_calls_seconds_count`, `_sum`, `_bucket`).
 */
public object MeterNames {
    /** Timer of calls, tagged [LISTENER], [SIDE] (`called`, `served`) and [OUTCOME]. */
    public const val CALLS: String = "wsgrid.calls"

    /** Gauge: calls of this side waiting for their return, over every bound connection. */
    public const val CALLS_PENDING: String = "wsgrid.calls.pending"

    /** Gauge: calls of remote sides that bound providers are running now. */
    public const val CALLS_RUNNING: String = "wsgrid.calls.running"

    /** Gauge: open connections, tagged [ROLE] (`acceptor`, `connector`) and [PATH]. */
    public const val CONNECTIONS: String = "wsgrid.connections"

    /** Gauge: connections in a room, tagged [ROOM]. */
    public const val ROOM_CONNECTIONS: String = "wsgrid.room.connections"

    /** Counter of frames, tagged [DIRECTION] (`in`, `out`) and [TYPE] (`text`, `binary`). */
    public const val FRAMES: String = "wsgrid.frames"

    /** Counter of the bytes of those frames (UTF-8 for text), tagged as [FRAMES]. */
    public const val BYTES: String = "wsgrid.bytes"

    /** Counter of clients refused before they were accepted, tagged [REASON]. */
    public const val HANDSHAKES_REJECTED: String = "wsgrid.handshakes.rejected"

    /** Counter of limits hit, tagged [LIMIT] (the option's name: `maxFrameSize`, `maxPendingCalls`, ...). */
    public const val LIMITS_EXCEEDED: String = "wsgrid.limits.exceeded"

    /** Counter of broadcasts, tagged [LISTENER]. */
    public const val BROADCASTS: String = "wsgrid.broadcasts"

    /** Counter of the members broadcasts reached or missed, tagged [LISTENER] and [OUTCOME] (`delivered`, `failed`). */
    public const val BROADCAST_MEMBERS: String = "wsgrid.broadcast.members"

    /** Counter of a connector's reconnect attempts, tagged [OUTCOME] (`success`, `failure`, `gave_up`). */
    public const val RECONNECTS: String = "wsgrid.reconnects"

    /** The observation (a span with tracing) of a call this side makes. */
    public const val CALL_OBSERVATION: String = "wsgrid.call"

    /** The observation (a span with tracing) of a call this side serves. */
    public const val SERVE_OBSERVATION: String = "wsgrid.serve"

    /** Tag: the function path, a declared member path (`scientific.sqrt`), or `unknown`. */
    public const val LISTENER: String = "listener"

    /** Tag: `called` or `served`. */
    public const val SIDE: String = "side"

    /** Tag: how a call or broadcast ended. */
    public const val OUTCOME: String = "outcome"

    /** Tag: `acceptor` (a server's connection) or `connector`. */
    public const val ROLE: String = "role"

    /** Tag: the server path without its query (or the connector's URL path); beyond `maxTagValues` paths, `other`. */
    public const val PATH: String = "path"

    /** Tag: the room's name; beyond `maxTagValues` rooms, `other`. */
    public const val ROOM: String = "room"

    /** Tag: `in` or `out`. */
    public const val DIRECTION: String = "direction"

    /** Tag: `text` or `binary`. */
    public const val TYPE: String = "type"

    /** Tag: why a handshake was refused (`verifier`, `max_connections`, `timeout`, `invalid_header`, `rejected`, `error`). */
    public const val REASON: String = "reason"

    /** Tag: the limit's option name. */
    public const val LIMIT: String = "limit"

    /** The tag value that stands for every path or room beyond `maxTagValues`. */
    public const val OTHER: String = "other"
}
