package dev.wsgrid.ktor

import dev.wsgrid.rpc.CommunicatorOptions
import java.time.Duration

/**
 * The setters that the options builders of a server (`ServerOptions.Builder`) and of a connector
 * (`ConnectorOptions.Builder`) share: the settings of one WebSocket connection, whichever end it
 * is. Each setter's meaning is documented on the option it sets; each returns the builder.
 *
 * @param B the builder itself.
 */
public interface ConnectionOptionsBuilder<B : ConnectionOptionsBuilder<B>> {
    /** Sets the communicator's options: codec, call limits, timeouts. */
    public fun communicator(options: CommunicatorOptions): B

    /** Sets how long the header exchange may take. */
    public fun handshakeTimeout(timeout: Duration): B

    /** Sets the largest frame accepted from the other side, in bytes. */
    public fun maxFrameSize(bytes: Long): B

    /** Sets how often to ping the other side; `null` sends no pings. */
    public fun pingInterval(interval: Duration?): B

    /** Sets how long a ping may go unanswered before the connection is dropped. */
    public fun pongTimeout(timeout: Duration): B

    /** Sets how long a frame may wait for room in the outgoing buffer before a peer that does not read is dropped. */
    public fun sendTimeout(timeout: Duration): B

    /** Sets whether to offer (a connector) or agree to (a server) wsgrid's extensions. */
    public fun extensions(enabled: Boolean): B

    /** Sets the size from which frames are compressed with permessage-deflate; `null` turns compression off. */
    public fun compressionThreshold(bytes: Int?): B

    /** Sets how many bytes may wait to be sent before the connection stops reading its peer. */
    public fun outgoingBuffer(bytes: Long): B

    /** Sets how many bytes may wait to be sent at most before a peer that does not read is dropped. */
    public fun maxOutgoingBytes(bytes: Long): B
}
