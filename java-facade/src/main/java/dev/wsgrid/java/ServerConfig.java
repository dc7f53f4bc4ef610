package dev.wsgrid.java;

import dev.wsgrid.java.internal.Bridge;
import dev.wsgrid.ktor.server.ClusterAdapter;
import dev.wsgrid.ktor.server.ServerEngine;
import dev.wsgrid.ktor.server.ServerOptions;
import dev.wsgrid.ktor.server.TlsConfig;

import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * How a {@link WebSocketServer} treats its clients: a view of wsgrid's {@code ServerOptions}
 * (where each option's meaning and default are documented), with what only the Java server has:
 * TLS, the handlers' executor, a Java verifier and listener. Immutable; make one with
 * {@link #builder()}.
 *
 * <pre>{@code
 * ServerConfig config = ServerConfig.builder()
 *     .handshakeTimeout(Duration.ofSeconds(3))
 *     .maxConnections(1_000)
 *     .pingInterval(Duration.ofSeconds(30))
 *     .tls(TlsConfig.keyStore(Path.of("server.p12"), "changeit"))
 *     .build();
 * }</pre>
 */
public final class ServerConfig extends ConnectionConfig {
    private final ServerOptions options;
    private final UpgradeVerifier verifier;
    private final Executor handlerExecutor;
    private final TlsConfig tls;
    private final ServerListener listener;

    private ServerConfig(Builder b, ServerOptions options) {
        super(options, b.communicator);
        this.options = options;
        this.verifier = b.verifier;
        this.handlerExecutor = b.handlerExecutor;
        this.tls = b.tls;
        this.listener = b.listener;
    }

    /** The defaults: {@code ServerOptions}' defaults, no TLS. */
    public static ServerConfig defaults() {
        return Holder.DEFAULTS;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder(ServerOptions.builder(), CommunicatorConfig.defaults());
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder(options.newBuilder(), getCommunicator());
        b.verifier = verifier;
        b.handlerExecutor = handlerExecutor;
        b.tls = tls;
        b.listener = listener;
        return b;
    }

    /** {@link ServerOptions#getMaxConnections()}: one more is closed with 1013. */
    public int getMaxConnections() {
        return options.getMaxConnections();
    }

    /** {@link ServerOptions#getEngine()}. */
    public ServerEngine getEngine() {
        return options.getEngine();
    }

    /** {@link ServerOptions#getUpgradeTimeout()}. */
    public Duration getUpgradeTimeout() {
        return options.getUpgradeTimeout();
    }

    /** The key and certificates {@code wss://} is served with, or {@code null} for {@code ws://}. */
    public TlsConfig getTls() {
        return tls;
    }

    /** Where handlers and verifiers run; {@code null} for a shared pool made for blocking work. */
    public Executor getHandlerExecutor() {
        return handlerExecutor;
    }

    /** Told of listening, connections, disconnections and errors, or {@code null}. */
    public ServerListener getListener() {
        return listener;
    }

    /** {@link ServerOptions#getCluster()}: the cluster the server is a node of, or {@code null} for a single node. */
    public ClusterAdapter getCluster() {
        return options.getCluster();
    }

    ServerOptions options() {
        return options;
    }

    /**
     * Builds a {@link ServerConfig}; each setter sets the option of the same name and checks it at
     * once. The settings it shares with connectors are on {@link ConnectionBuilder}.
     */
    public static final class Builder extends ConnectionBuilder<Builder> {
        private final ServerOptions.Builder options;
        private UpgradeVerifier verifier;
        private Executor handlerExecutor;
        private TlsConfig tls;
        private ServerListener listener;
        private final java.util.List<dev.wsgrid.ktor.server.ServerBinding> bindings = new java.util.ArrayList<>();

        private Builder(ServerOptions.Builder options, CommunicatorConfig communicator) {
            super(options, communicator);
            this.options = options;
        }

        @Override
        Builder self() {
            return this;
        }

        /** {@link ServerOptions#getMaxConnections()}: one more is closed with 1013. */
        public Builder maxConnections(int max) {
            options.maxConnections(max);
            return this;
        }

        /** {@link ServerOptions#getFrameBuffer()}. */
        public Builder frameBuffer(int frames) {
            options.frameBuffer(frames);
            return this;
        }

        /** {@link ServerOptions#getEngine()}: Netty (the default) or CIO. */
        public Builder engine(ServerEngine engine) {
            options.engine(engine);
            return this;
        }

        /** {@link ServerOptions#getUpgradeTimeout()}. */
        public Builder upgradeTimeout(Duration timeout) {
            options.upgradeTimeout(timeout);
            return this;
        }

        /** Checks each client before its upgrade; {@code null} (the default) lets every client upgrade. */
        public Builder verifier(UpgradeVerifier verifier) {
            this.verifier = verifier;
            return this;
        }

        /** Where handlers and verifiers run, since they may block (default: a shared pool for blocking work). */
        public Builder handlerExecutor(Executor executor) {
            this.handlerExecutor = executor;
            return this;
        }

        /** Serves {@code wss://} with this key and certificate chain; {@code null} (the default) serves {@code ws://}. */
        public Builder tls(TlsConfig tls) {
            this.tls = tls;
            return this;
        }

        /** Told of listening, connections, disconnections and errors; {@code null} (the default) for none. */
        public Builder listener(ServerListener listener) {
            this.listener = listener;
            return this;
        }

        /**
         * Adds a binding to what this configuration builds, after every other setting, such as
         * metrics and traces ({@code .bind(metrics)} with {@code wsgrid-micrometer}'s
         * {@code WsgridMetrics}); bindings apply in the order they were added. The getters of the
         * configuration do not see them.
         */
        public Builder bind(dev.wsgrid.ktor.server.ServerBinding binding) {
            bindings.add(java.util.Objects.requireNonNull(binding, "binding"));
            return this;
        }

        /**
         * Makes the server a node of a cluster: rooms, broadcasts, connection ids and
         * {@link WebSocketServer#locate(String)} span every server configured with the same cluster
         * (for example {@code RedisClusterAdapter.create("redis://10.0.0.5:6379")} of
         * {@code wsgrid-cluster-redis}); {@code null} (the default) is a single node.
         */
        public Builder cluster(ClusterAdapter cluster) {
            options.cluster(cluster);
            return this;
        }

        /**
         * Builds the configuration.
         *
         * @throws IllegalArgumentException when the outgoing limits disagree
         */
        public ServerConfig build() {
            UpgradeVerifier v = verifier;
            ServerOptions built = options.verifier(v == null ? null : Bridge.verifier(handlerExecutor, v::verify)).build();
            for (dev.wsgrid.ktor.server.ServerBinding b : bindings) built = b.applyTo(built);
            return new ServerConfig(this, built);
        }
    }

    private static final class Holder {
        static final ServerConfig DEFAULTS = builder().build();
    }
}
