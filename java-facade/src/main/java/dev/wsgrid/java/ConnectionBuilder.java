package dev.wsgrid.java;

import dev.wsgrid.ktor.ConnectionOptionsBuilder;

import java.time.Duration;
import java.util.Objects;

/**
 * The setters a {@link ServerConfig.Builder} and a {@link ConnectorConfig.Builder} share. Each
 * sets wsgrid's own option of the same name (its meaning and default are documented on
 * {@code ServerOptions} and {@code ConnectorOptions}) and checks the value at once.
 *
 * @param <B> the builder itself, so that every setter returns it
 */
abstract class ConnectionBuilder<B extends ConnectionBuilder<B>> {
    private final ConnectionOptionsBuilder<?> options;
    CommunicatorConfig communicator;

    ConnectionBuilder(ConnectionOptionsBuilder<?> options, CommunicatorConfig communicator) {
        this.options = options;
        this.communicator = communicator;
        // the Java calls' codec (Jackson), never the Kotlin options' default
        options.communicator(communicator.options());
    }

    abstract B self();

    /** The calls' configuration: codec, timeouts, limits (default {@link CommunicatorConfig#defaults()}). */
    public B communicator(CommunicatorConfig config) {
        this.communicator = Objects.requireNonNull(config, "config");
        options.communicator(config.options());
        return self();
    }

    /** {@link ConnectionOptionsBuilder#handshakeTimeout}. */
    public B handshakeTimeout(Duration timeout) {
        options.handshakeTimeout(Objects.requireNonNull(timeout, "timeout"));
        return self();
    }

    /** {@link ConnectionOptionsBuilder#pingInterval}; {@code null} for never. */
    public B pingInterval(Duration interval) {
        options.pingInterval(interval);
        return self();
    }

    /** {@link ConnectionOptionsBuilder#pongTimeout}. */
    public B pongTimeout(Duration timeout) {
        options.pongTimeout(Objects.requireNonNull(timeout, "timeout"));
        return self();
    }

    /** {@link ConnectionOptionsBuilder#maxFrameSize}; a larger frame closes the connection with 1009. */
    public B maxFrameSize(long bytes) {
        options.maxFrameSize(bytes);
        return self();
    }

    /**
     * {@link ConnectionOptionsBuilder#extensions}: calls cancelled across the wire and
     * {@code Flow.Publisher} streams when the other side is wsgrid too; a TGrid peer gets plain TGrid either way.
     */
    public B extensions(boolean enabled) {
        options.extensions(enabled);
        return self();
    }

    /** {@link ConnectionOptionsBuilder#compressionThreshold}; {@code null} does not compress. */
    public B compressionThreshold(Integer bytes) {
        options.compressionThreshold(bytes);
        return self();
    }

    /** {@link ConnectionOptionsBuilder#sendTimeout}. */
    public B sendTimeout(Duration timeout) {
        options.sendTimeout(Objects.requireNonNull(timeout, "timeout"));
        return self();
    }

    /** {@link ConnectionOptionsBuilder#outgoingBuffer}. */
    public B outgoingBuffer(long bytes) {
        options.outgoingBuffer(bytes);
        return self();
    }

    /** {@link ConnectionOptionsBuilder#maxOutgoingBytes}. */
    public B maxOutgoingBytes(long bytes) {
        options.maxOutgoingBytes(bytes);
        return self();
    }
}
