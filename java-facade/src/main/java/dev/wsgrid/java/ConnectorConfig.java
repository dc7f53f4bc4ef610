package dev.wsgrid.java;

import dev.wsgrid.ktor.client.ConnectorOptions;
import dev.wsgrid.ktor.client.ReconnectPolicy;

import java.time.Duration;
import java.util.function.UnaryOperator;
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
                .sendTimeout(b.sendTimeout)
                .extensions(b.extensions)
                .compressionThreshold(b.compressionThreshold);
        if (b.pingIntervalSet) o.pingInterval(b.pingInterval);
        if (b.pongTimeout != null) o.pongTimeout(b.pongTimeout);
        b.headers.forEach(o::header);
        this.options = b.adjust.apply(o.build());
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

    /** Whether wsgrid's extensions are offered to the server. */
    public boolean isExtensions() {
        return values.extensions;
    }

    /** Frames of at least this many bytes are compressed; {@code null} for no compression. */
    public Integer getCompressionThreshold() {
        return values.compressionThreshold;
    }

    /** The calls' configuration: codec, timeouts, limits. */
    public CommunicatorConfig getCommunicator() {
        return values.communicator;
    }

    ConnectorOptions options() {
        return options;
    }

    /** Builds a {@link ConnectorConfig}; the settings it shares with servers are on {@link ConnectionBuilder}. */
    public static final class Builder extends ConnectionBuilder<Builder> {
        private final Map<String, String> headers = new LinkedHashMap<>();
        private X509TrustManager trustManager;
        private ReconnectPolicy reconnect;
        private UnaryOperator<ConnectorOptions> adjust = UnaryOperator.identity();

        private Builder() {
            // the pong timeout is left to the connector's own default (15 s, 10 s when reconnecting)
            super(Duration.ofSeconds(10), null);
        }

        @Override
        Builder self() {
            return this;
        }

        private Builder copy() {
            Builder b = copyInto(new Builder());
            b.headers.putAll(headers);
            b.trustManager = trustManager;
            b.reconnect = reconnect;
            b.adjust = adjust;
            return b;
        }

        /** Adds an HTTP header to the upgrade request. */
        public Builder header(String name, String value) {
            headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
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

        /** Whom to trust for {@code wss://}; {@code null} (the default) for the JVM's trust store. */
        public Builder trustManager(X509TrustManager trustManager) {
            this.trustManager = trustManager;
            return this;
        }

        /**
         * Adjusts the {@code ConnectorOptions} this configuration builds, after every other setting: for what
         * this builder does not cover, such as binding metrics and traces
         * ({@code .options(metrics::bind)} with {@code wsgrid-micrometer}'s {@code WsgridMetrics}).
         * The identity (the default) changes nothing; the getters of the configuration do not see it.
         */
        public Builder options(UnaryOperator<ConnectorOptions> adjust) {
            this.adjust = java.util.Objects.requireNonNull(adjust, "adjust");
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
