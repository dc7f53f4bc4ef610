package dev.wsgrid.java;

import dev.wsgrid.ktor.ConnectionOptions;

import java.time.Duration;

/**
 * What a {@link ServerConfig} and a {@link ConnectorConfig} share: a read-only view of the
 * connection options they were built with (documented, with their defaults, on wsgrid's
 * {@code ServerOptions} and {@code ConnectorOptions}), and the calls' configuration.
 */
abstract class ConnectionConfig {
    private final ConnectionOptions options;
    private final CommunicatorConfig communicator;

    ConnectionConfig(ConnectionOptions options, CommunicatorConfig communicator) {
        this.options = options;
        this.communicator = communicator;
    }

    /** The calls' configuration: codec, timeouts, limits. */
    public CommunicatorConfig getCommunicator() {
        return communicator;
    }

    /** {@link ConnectionOptions#getHandshakeTimeout()}. */
    public Duration getHandshakeTimeout() {
        return options.getHandshakeTimeout();
    }

    /** {@link ConnectionOptions#getMaxFrameSize()}. */
    public long getMaxFrameSize() {
        return options.getMaxFrameSize();
    }

    /** {@link ConnectionOptions#getPingInterval()}. */
    public Duration getPingInterval() {
        return options.getPingInterval();
    }

    /** {@link ConnectionOptions#getPongTimeout()}. */
    public Duration getPongTimeout() {
        return options.getPongTimeout();
    }

    /** {@link ConnectionOptions#getSendTimeout()}. */
    public Duration getSendTimeout() {
        return options.getSendTimeout();
    }

    /** {@link ConnectionOptions#getExtensions()}. */
    public boolean isExtensions() {
        return options.getExtensions();
    }

    /** {@link ConnectionOptions#getCompressionThreshold()}. */
    public Integer getCompressionThreshold() {
        return options.getCompressionThreshold();
    }

    /** {@link ConnectionOptions#getOutgoingBuffer()}. */
    public long getOutgoingBuffer() {
        return options.getOutgoingBuffer();
    }

    /** {@link ConnectionOptions#getMaxOutgoingBytes()}. */
    public long getMaxOutgoingBytes() {
        return options.getMaxOutgoingBytes();
    }
}
