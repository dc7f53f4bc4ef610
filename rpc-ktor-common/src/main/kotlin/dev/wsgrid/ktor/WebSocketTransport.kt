package dev.wsgrid.ktor

import dev.wsgrid.rpc.Transport
import java.time.Duration

/**
 * A [Transport] over a WebSocket: one connection of wsgrid's server or connector, on any engine.
 * Beyond moving frames, it keeps a heartbeat.
 */
public interface WebSocketTransport : Transport {
    /**
     * Pings the peer every [interval] from now on (replacing an earlier heartbeat), and drops the
     * connection when a pong has not come within [pongTimeout] of a ping; the drop is reported as
     * a [dev.wsgrid.rpc.HeartbeatLostException] closing with 1006.
     */
    public fun ping(interval: Duration, pongTimeout: Duration)
}
