package dev.wsgrid.java;

import dev.wsgrid.ktor.client.ConnectorOptions;
import dev.wsgrid.ktor.client.ReconnectPolicy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.X509TrustManager;

/**
 * How a {@link WebSocketConnector} connects. Immutable; make one with {@link #builder()}.
 *
 * <pre>{@code
 * ConnectorConfig config = ConnectorConfig.builder()
 *     .handshakeTimeout(Duration.ofSeconds(5))
 *     .header("Authorization", "Bearer " + token)
 *     .pingInterval(Duration.ofSeconds(20))
 *     .build();
 * }</pre>
 */
public final class ConnectorConfig {
    private final Builder values;
    private final ConnectorOptions options;

    private ConnectorConfig(Builder b) {
        this.values = b.copy();
        ConnectorOptions.Builder o = ConnectorOptions.builder()
                .communicator(b.communicator.options())
                .handshakeTimeout(b.handshakeTimeout)

                .maxFrameSize(b.maxFrameSize)
                .trustManager(b.trustManager)
                .reconnect(b.reconnect)
                .sendTimeout(b.sendTimeout);
        if (b.pingIntervalSet) o.pingInterval(b.pingInterval);
        if (b.pongTimeout != null) o.pongTimeout(b.pongTimeout);
        b.headers.forEach(o::header);
        this.options = o.build();
    }

    /** The defaults: a 10 s handshake timeout, no pings, 16 MiB frames, the JVM's trust store. */
    public static ConnectorConfig defaults() {
        return Holder.DEFAULTS;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        return values.copy();
    }

    /** How long to wait for the server to accept the header. */
    public Duration getHandshakeTimeout() {
        return values.handshakeTimeout;
    }

    /** The extra HTTP headers of the upgrade request. */
    public Map<String, String> getHeaders() {
        return Map.copyOf(values.headers);
    }

    /** How often to ping the server, or {@code null} for never. */
    public Duration getPingInterval() {
        return options.getPingInterval();
    }

    /** How to reconnect after losing the connection, or {@code null} for never. */
    public ReconnectPolicy getReconnect() {
        return values.reconnect;
    }

    /** How long a ping may go unanswered before the connection is dropped. */
    public Duration getPongTimeout() {
        return options.getPongTimeout();
    }

    /** The largest frame accepted from the server, in bytes. */
    public long getMaxFrameSize() {
        return values.maxFrameSize;
    }

    /** How long a frame may wait for room in the outgoing buffer before the peer is dropped. */
    public Duration getSendTimeout() {
        return values.sendTimeout;
    }

    /** The calls' configuration: codec, timeouts, limits. */
    public CommunicatorConfig getCommunicator() {
        return values.communicator;
    }

    ConnectorOptions options() {
        return options;
    }

    /** Builds a {@link ConnectorConfig}. */
    public static final class Builder {
        private CommunicatorConfig communicator = CommunicatorConfig.defaults();
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private final Map<String, String> headers = new LinkedHashMap<>();
        private Duration pingInterval;
        private Duration pongTimeout;
        private long maxFrameSize = 16L << 20;
        private X509TrustManager trustManager;
        private ReconnectPolicy reconnect;
        private boolean pingIntervalSet;

        private Duration sendTimeout = Duration.ofSeconds(30);

        private Builder() {
        }

        /** How long a frame may wait for room in the outgoing buffer before the peer, not reading, is dropped (default 30 s). */
        public Builder sendTimeout(Duration timeout) {
            this.sendTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        private Builder copy() {
            Builder b = new Builder();
            b.sendTimeout = sendTimeout;
            b.communicator = communicator;
            b.handshakeTimeout = handshakeTimeout;
            b.headers.putAll(headers);
            b.pingInterval = pingInterval;
            b.pongTimeout = pongTimeout;
            b.maxFrameSize = maxFrameSize;
            b.trustManager = trustManager;
            b.reconnect = reconnect;
            b.pingIntervalSet = pingIntervalSet;
            return b;
        }

        /** The calls' configuration: codec, timeouts, limits. */
        public Builder communicator(CommunicatorConfig config) {
            this.communicator = Objects.requireNonNull(config, "config");
            return this;
        }

        /** How long to wait for the server to accept the header (default 10 s). */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Adds an HTTP header to the upgrade request. */
        public Builder header(String name, String value) {
            headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** How often to ping the server; {@code null} (the default) for never. */
        public Builder pingInterval(Duration interval) {
            this.pingInterval = interval;
            this.pingIntervalSet = true;
            return this;
        }

        /**
         * Reconnects after losing the connection, as {@code policy} says; {@code null} (the default)
         * does not. A reconnecting connector pings every 5 s unless told otherwise.
         */
        public Builder reconnect(ReconnectPolicy policy) {
            this.reconnect = policy;
            return this;
        }

        /** How long a ping may go unanswered before the connection is dropped (default 15 s, 10 s when reconnecting). */
        public Builder pongTimeout(Duration timeout) {
            this.pongTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** The largest frame accepted from the server, in bytes (default 16 MiB). */
        public Builder maxFrameSize(long bytes) {
            this.maxFrameSize = bytes;
            return this;
        }

        /** Whom to trust for {@code wss://}; {@code null} (the default) for the JVM's trust store. */
        public Builder trustManager(X509TrustManager trustManager) {
            this.trustManager = trustManager;
            return this;
        }

        /**
         * Builds the configuration.
         *
         * @throws IllegalArgumentException when a limit or timeout is not positive
         */
        public ConnectorConfig build() {
            return new ConnectorConfig(this);
        }
    }

    private static final class Holder {
        static final ConnectorConfig DEFAULTS = new Builder().build();
    }
}
