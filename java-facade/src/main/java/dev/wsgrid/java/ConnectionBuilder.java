package dev.wsgrid.java;

import java.time.Duration;
import java.util.Objects;

/**
 * The settings a {@link ServerConfig.Builder} and a {@link ConnectorConfig.Builder} share: the
 * calls' configuration, the handshake timeout, pings, the frame limit and the send timeout.
 *
 * @param <B> the builder itself, so that every setter returns it
 */
abstract class ConnectionBuilder<B extends ConnectionBuilder<B>> {
    CommunicatorConfig communicator = CommunicatorConfig.defaults();
    Duration handshakeTimeout;
    Duration pingInterval;
    boolean pingIntervalSet;
    Duration pongTimeout;
    long maxFrameSize = 16L << 20;
    Duration sendTimeout = Duration.ofSeconds(30);
    boolean extensions = true;
    Integer compressionThreshold;

    ConnectionBuilder(Duration handshakeTimeout, Duration pongTimeout) {
        this.handshakeTimeout = handshakeTimeout;
        this.pongTimeout = pongTimeout;
    }

    abstract B self();

    /** Copies the shared settings into {@code other}; answers it. */
    <T extends ConnectionBuilder<T>> T copyInto(T other) {
        other.communicator = communicator;
        other.handshakeTimeout = handshakeTimeout;
        other.pingInterval = pingInterval;
        other.pingIntervalSet = pingIntervalSet;
        other.pongTimeout = pongTimeout;
        other.maxFrameSize = maxFrameSize;
        other.sendTimeout = sendTimeout;
        other.extensions = extensions;
        other.compressionThreshold = compressionThreshold;
        return other;
    }

    /** The calls' configuration: codec, timeouts, limits (default {@link CommunicatorConfig#defaults()}). */
    public B communicator(CommunicatorConfig config) {
        this.communicator = Objects.requireNonNull(config, "config");
        return self();
    }

    /** How long the header exchange may take. */
    public B handshakeTimeout(Duration timeout) {
        this.handshakeTimeout = Objects.requireNonNull(timeout, "timeout");
        return self();
    }

    /** How often to ping the other side; {@code null} for never. */
    public B pingInterval(Duration interval) {
        this.pingInterval = interval;
        this.pingIntervalSet = true;
        return self();
    }

    /** How long a ping may go unanswered before the connection is dropped. */
    public B pongTimeout(Duration timeout) {
        this.pongTimeout = Objects.requireNonNull(timeout, "timeout");
        return self();
    }

    /** The largest frame accepted, in bytes (default 16 MiB); a larger one closes the connection with 1009. */
    public B maxFrameSize(long bytes) {
        this.maxFrameSize = bytes;
        return self();
    }

    /**
     * Whether to offer (a connector) or agree to (a server) wsgrid's extensions when the other side is
     * wsgrid too: calls cancelled across the wire, {@code Flow.Publisher} streams. Default {@code true};
     * a TGrid peer never offers or agrees, and gets plain TGrid either way.
     */
    public B extensions(boolean enabled) {
        this.extensions = enabled;
        return self();
    }

    /**
     * Compresses frames of at least {@code bytes} bytes with permessage-deflate when the other side
     * agrees; {@code null} (the default) does not compress.
     */
    public B compressionThreshold(Integer bytes) {
        this.compressionThreshold = bytes;
        return self();
    }

    /** How long a frame may wait for room in the outgoing buffer before the peer, not reading, is dropped (default 30 s). */
    public B sendTimeout(Duration timeout) {
        this.sendTimeout = Objects.requireNonNull(timeout, "timeout");
        return self();
    }
}
