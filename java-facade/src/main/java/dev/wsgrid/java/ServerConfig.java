package dev.wsgrid.java;

import dev.wsgrid.java.internal.Bridge;
import dev.wsgrid.ktor.server.ClusterAdapter;
import dev.wsgrid.ktor.server.ServerListener;
import dev.wsgrid.ktor.server.ServerOptions;
import dev.wsgrid.ktor.server.TlsConfig;

import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * How a {@link WebSocketServer} treats its clients. Immutable; make one with {@link #builder()}.
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
public final class ServerConfig {
    private final Builder values;
    private final ServerOptions options;

    private ServerConfig(Builder b) {
        this.values = b.copy();
        ServerOptions.Builder o = ServerOptions.builder()
                .communicator(b.communicator.options())
                .handshakeTimeout(b.handshakeTimeout)
                .maxFrameSize(b.maxFrameSize)
                .maxConnections(b.maxConnections)
                .pingInterval(b.pingInterval)
                .pongTimeout(b.pongTimeout)
                .frameBuffer(b.frameBuffer)
                .listener(b.listener)
                .sendTimeout(b.sendTimeout)
                .extensions(b.extensions)
                .compressionThreshold(b.compressionThreshold)
                .cluster(b.cluster);
        if (b.verifier != null) {
            UpgradeVerifier v = b.verifier;
            o.verifier(Bridge.verifier(b.handlerExecutor, v::verify));
        }
        this.options = o.build();
    }

    /** The defaults: 5 s handshake, 16 MiB frames, 10,000 connections, no pings, no TLS. */
    public static ServerConfig defaults() {
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

    /** How long a client may take to send its header before it is closed with 1008. */
    public Duration getHandshakeTimeout() {
        return values.handshakeTimeout;
    }

    /** The largest frame accepted from a client; a larger one closes it with 1009. */
    public long getMaxFrameSize() {
        return values.maxFrameSize;
    }

    /** How many clients may be connected at once; one more is closed with 1013. */
    public int getMaxConnections() {
        return values.maxConnections;
    }

    /** How often each client is pinged, or {@code null} for never. */
    public Duration getPingInterval() {
        return values.pingInterval;
    }

    /** How long a ping may go unanswered before the client is dropped. */
    public Duration getPongTimeout() {
        return values.pongTimeout;
    }

    /** The key and certificates {@code wss://} is served with, or {@code null} for {@code ws://}. */
    public TlsConfig getTls() {
        return values.tls;
    }

    /** Where handlers and verifiers run; {@code null} for a shared pool made for blocking work. */
    public Executor getHandlerExecutor() {
        return values.handlerExecutor;
    }

    /** How long a frame may wait for room in the outgoing buffer before the peer is dropped. */
    public Duration getSendTimeout() {
        return values.sendTimeout;
    }

    /** Whether wsgrid clients that offer the extensions get them. */
    public boolean isExtensions() {
        return values.extensions;
    }

    /** Frames of at least this many bytes are compressed; {@code null} for no compression. */
    public Integer getCompressionThreshold() {
        return values.compressionThreshold;
    }

    /** The cluster the server is a node of, or {@code null} for a single node. */
    public ClusterAdapter getCluster() {
        return values.cluster;
    }

    /** The calls' configuration: codec, timeouts, limits. */
    public CommunicatorConfig getCommunicator() {
        return values.communicator;
    }

    ServerOptions options() {
        return options;
    }

    /** Builds a {@link ServerConfig}; the settings it shares with connectors are on {@link ConnectionBuilder}. */
    public static final class Builder extends ConnectionBuilder<Builder> {
        private int maxConnections = 10_000;
        private int frameBuffer = 64;
        private UpgradeVerifier verifier;
        private Executor handlerExecutor;
        private TlsConfig tls;
        private ServerListener listener;
        private ClusterAdapter cluster;

        private Builder() {
            super(Duration.ofSeconds(5), Duration.ofSeconds(15));
        }

        @Override
        Builder self() {
            return this;
        }

        private Builder copy() {
            Builder b = copyInto(new Builder());
            b.maxConnections = maxConnections;
            b.frameBuffer = frameBuffer;
            b.verifier = verifier;
            b.handlerExecutor = handlerExecutor;
            b.tls = tls;
            b.listener = listener;
            b.cluster = cluster;
            return b;
        }

        /** How many clients may be connected at once (default 10,000); one more is closed with 1013. */
        public Builder maxConnections(int max) {
            this.maxConnections = max;
            return this;
        }

        /** Frames buffered per connection and direction (default 64). */
        public Builder frameBuffer(int frames) {
            this.frameBuffer = frames;
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
         * Makes the server a node of a cluster: rooms, broadcasts, connection ids and
         * {@link WebSocketServer#locate(String)} span every server configured with the same cluster
         * (for example {@code RedisClusterAdapter.create("redis://10.0.0.5:6379")} of
         * {@code wsgrid-cluster-redis}); {@code null} (the default) is a single node.
         */
        public Builder cluster(ClusterAdapter cluster) {
            this.cluster = cluster;
            return this;
        }

        /**
         * Builds the configuration.
         *
         * @throws IllegalArgumentException when a limit or timeout is not positive
         */
        public ServerConfig build() {
            return new ServerConfig(this);
        }
    }

    private static final class Holder {
        static final ServerConfig DEFAULTS = new Builder().build();
    }
}
