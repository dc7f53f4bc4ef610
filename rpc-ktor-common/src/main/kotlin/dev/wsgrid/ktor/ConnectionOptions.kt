package dev.wsgrid.ktor

import dev.wsgrid.rpc.CommunicatorOptions
import java.time.Duration

/**
 * The options that a server's (`ServerOptions`) and a connector's (`ConnectorOptions`) share:
 * the settings of one WebSocket connection, whichever end it is. Each is documented, with its
 * default, on the class that implements it; [ConnectionOptionsBuilder] sets them.
 */
public interface ConnectionOptions {
    /** Codec, limits and timeouts of the communicator. */
    public val communicator: CommunicatorOptions

    /** How long the header exchange may take. */
    public val handshakeTimeout: Duration

    /** The largest frame accepted from the other side, in bytes. */
    public val maxFrameSize: Long

    /** How often to ping the other side, or `null` for never. */
    public val pingInterval: Duration?

    /** How long a ping may go unanswered before the connection is dropped. */
    public val pongTimeout: Duration

    /** How long a frame may wait for room in the outgoing buffer before a peer that does not read is dropped. */
    public val sendTimeout: Duration

    /** Whether wsgrid's extensions are offered (a connector) or agreed to (a server). */
    public val extensions: Boolean

    /** The size from which frames are compressed with permessage-deflate, or `null` for no compression. */
    public val compressionThreshold: Int?

    /** Bytes that may wait to be sent before the connection stops reading its peer. */
    public val outgoingBuffer: Long

    /** Bytes that may wait to be sent at most before a peer that does not read is dropped. */
    public val maxOutgoingBytes: Long
}
