package dev.wsgrid.java;

import dev.wsgrid.ktor.client.ClientEngine;
import dev.wsgrid.ktor.client.ConnectorOptions;
import dev.wsgrid.ktor.client.ReconnectPolicy;

import java.util.Map;
import java.util.Objects;
import javax.net.ssl.X509TrustManager;

/**
 * How a {@link WebSocketConnector} connects: a view of wsgrid's {@code ConnectorOptions} (where
 * each option's meaning and default are documented). Immutable; make one with {@link #builder()}.
 *
 * <pre>{@code
 * ConnectorConfig config = ConnectorConfig.builder()
 *     .handshakeTimeout(Duration.ofSeconds(5))
 *     .header("Authorization", "Bearer " + token)
 *     .pingInterval(Duration.ofSeconds(20))
 *     .build();
 * }</pre>
 */
public final class ConnectorConfig extends ConnectionConfig {
    private final ConnectorOptions options;

    private ConnectorConfig(ConnectorOptions options, CommunicatorConfig communicator) {
        super(options, communicator);
        this.options = options;
    }

    /** The defaults: {@code ConnectorOptions}' defaults. */
    public static ConnectorConfig defaults() {
        return Holder.DEFAULTS;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder(ConnectorOptions.builder(), CommunicatorConfig.defaults());
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        return new Builder(options.newBuilder(), getCommunicator());
    }

    /** {@link ConnectorOptions#getHeaders()}. */
    public Map<String, String> getHeaders() {
        return options.getHeaders();
    }

    /** {@link ConnectorOptions#getReconnect()}: {@code null} for never. */
    public ReconnectPolicy getReconnect() {
        return options.getReconnect();
    }

    /** {@link ConnectorOptions#getEngine()}. */
    public ClientEngine getEngine() {
        return options.getEngine();
    }

    ConnectorOptions options() {
        return options;
    }

    /**
     * Builds a {@link ConnectorConfig}; each setter sets the option of the same name and checks it
     * at once. The settings it shares with servers are on {@link ConnectionBuilder}.
     */
    public static final class Builder extends ConnectionBuilder<Builder> {
        private final ConnectorOptions.Builder options;
        private final java.util.List<dev.wsgrid.ktor.client.ConnectorBinding> bindings = new java.util.ArrayList<>();

        private Builder(ConnectorOptions.Builder options, CommunicatorConfig communicator) {
            super(options, communicator);
            this.options = options;
        }

        @Override
        Builder self() {
            return this;
        }

        /** Adds an HTTP header to the upgrade request. */
        public Builder header(String name, String value) {
            options.header(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * {@link ConnectorOptions#getReconnect()}: reconnects after losing the connection, as
         * {@code policy} says; {@code null} (the default) does not.
         */
        public Builder reconnect(ReconnectPolicy policy) {
            options.reconnect(policy);
            return this;
        }

        /** Whom to trust for {@code wss://}; {@code null} (the default) for the JVM's trust store. */
        public Builder trustManager(X509TrustManager trustManager) {
            options.trustManager(trustManager);
            return this;
        }

        /** {@link ConnectorOptions#getEngine()}: Java (the default) or CIO. */
        public Builder engine(ClientEngine engine) {
            options.engine(Objects.requireNonNull(engine, "engine"));
            return this;
        }

        /**
         * Adds a binding to what this configuration builds, after every other setting, such as
         * metrics and traces ({@code .bind(metrics)} with {@code wsgrid-micrometer}'s
         * {@code WsgridMetrics}); bindings apply in the order they were added. The getters of the
         * configuration do not see them.
         */
        public Builder bind(dev.wsgrid.ktor.client.ConnectorBinding binding) {
            bindings.add(java.util.Objects.requireNonNull(binding, "binding"));
            return this;
        }

        /**
         * Builds the configuration.
         *
         * @throws IllegalArgumentException when the outgoing limits disagree
         */
        public ConnectorConfig build() {
            ConnectorOptions built = options.build();
            for (dev.wsgrid.ktor.client.ConnectorBinding b : bindings) built = b.applyTo(built);
            return new ConnectorConfig(built, communicator);
        }
    }

    private static final class Holder {
        static final ConnectorConfig DEFAULTS = builder().build();
    }
}
