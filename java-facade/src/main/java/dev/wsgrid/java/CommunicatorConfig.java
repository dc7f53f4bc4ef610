package dev.wsgrid.java;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wsgrid.java.internal.JacksonCodec;
import dev.wsgrid.rpc.CommunicatorOptions;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * How a server's acceptors or a connector encode values, bound their calls and run providers.
 * Immutable; make one with {@link #builder()}.
 *
 * <pre>{@code
 * CommunicatorConfig calls = CommunicatorConfig.builder()
 *     .callTimeout(Duration.ofSeconds(10))
 *     .blockingExecutor(Executors.newFixedThreadPool(8))
 *     .build();
 * }</pre>
 */
public final class CommunicatorConfig {
    private final ObjectMapper objectMapper;
    private final Duration callTimeout;
    private final int maxPendingCalls;
    private final int maxConcurrentCalls;
    private final Executor blockingExecutor;
    private final boolean exposeStackTraces;
    private final int streamBufferSize;
    private final CommunicatorOptions options;

    private CommunicatorConfig(Builder b) {
        this.objectMapper = b.objectMapper;
        this.callTimeout = b.callTimeout;
        this.maxPendingCalls = b.maxPendingCalls;
        this.maxConcurrentCalls = b.maxConcurrentCalls;
        this.blockingExecutor = b.blockingExecutor;
        this.exposeStackTraces = b.exposeStackTraces;
        this.streamBufferSize = b.streamBufferSize;
        CommunicatorOptions.Builder o = CommunicatorOptions.builder()
                .codec(new JacksonCodec(objectMapper))
                .callTimeout(callTimeout)
                .maxPendingCalls(maxPendingCalls)
                .maxConcurrentCalls(maxConcurrentCalls)
                .exposeStackTraces(exposeStackTraces)
                .streamBufferSize(streamBufferSize);
        if (blockingExecutor != null) o.blockingExecutor(blockingExecutor);
        this.options = o.build();
    }

    /** The defaults: Jackson with Java 8 and {@code java.time} support, no call timeout, 4,096 pending and 1,024 running calls. */
    public static CommunicatorConfig defaults() {
        return Holder.DEFAULTS;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.objectMapper = objectMapper;
        b.callTimeout = callTimeout;
        b.maxPendingCalls = maxPendingCalls;
        b.maxConcurrentCalls = maxConcurrentCalls;
        b.blockingExecutor = blockingExecutor;
        b.exposeStackTraces = exposeStackTraces;
        b.streamBufferSize = streamBufferSize;
        return b;
    }

    /** The Jackson mapper that turns arguments and results into JSON. */
    public ObjectMapper getObjectMapper() {
        return objectMapper;
    }

    /** How long a driver call waits for its return; {@code null} for as long as the connection lives. */
    public Duration getCallTimeout() {
        return callTimeout;
    }

    /** How many calls of this side may wait for their return on one connection. */
    public int getMaxPendingCalls() {
        return maxPendingCalls;
    }

    /** How many calls of the remote side may run at once on one connection. */
    public int getMaxConcurrentCalls() {
        return maxConcurrentCalls;
    }

    /** Where blocking provider methods run; {@code null} for a shared pool made for blocking work. */
    public Executor getBlockingExecutor() {
        return blockingExecutor;
    }

    /** Whether errors sent to the remote side carry the JVM stack trace. */
    public boolean isExposeStackTraces() {
        return exposeStackTraces;
    }

    /** How many items of one incoming stream may be in flight. */
    public int getStreamBufferSize() {
        return streamBufferSize;
    }

    CommunicatorOptions options() {
        return options;
    }

    /** Builds a {@link CommunicatorConfig}. */
    public static final class Builder {
        private ObjectMapper objectMapper = JacksonCodec.defaultMapper();
        private Duration callTimeout;
        private int maxPendingCalls = 4096;
        private int maxConcurrentCalls = 1024;
        private Executor blockingExecutor;
        private boolean exposeStackTraces;
        private int streamBufferSize = 64;

        private Builder() {
        }

        /** The Jackson mapper for arguments and results; configure it for your own types' shapes. */
        public Builder objectMapper(ObjectMapper mapper) {
            this.objectMapper = Objects.requireNonNull(mapper, "mapper");
            return this;
        }

        /** Every driver call fails with {@code CallTimeoutException} after this; {@code null} turns it off. */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = timeout;
            return this;
        }

        /** Sets how many calls of this side may wait for their return on one connection. */
        public Builder maxPendingCalls(int max) {
            this.maxPendingCalls = max;
            return this;
        }

        /** Sets how many calls of the remote side may run at once on one connection. */
        public Builder maxConcurrentCalls(int max) {
            this.maxConcurrentCalls = max;
            return this;
        }

        /** Runs blocking provider methods on this executor. */
        public Builder blockingExecutor(Executor executor) {
            this.blockingExecutor = executor;
            return this;
        }

        /** Whether errors sent to the remote side carry the JVM stack trace (off by default). */
        public Builder exposeStackTraces(boolean expose) {
            this.exposeStackTraces = expose;
            return this;
        }

        /**
         * How many items of one incoming stream may be in flight (requested and not yet consumed):
         * the credit this side grants a {@code Flow.Publisher} the other side streams (default 64).
         */
        public Builder streamBufferSize(int items) {
            this.streamBufferSize = items;
            return this;
        }

        /**
         * Builds the configuration.
         *
         * @throws IllegalArgumentException when a limit or timeout is not positive
         */
        public CommunicatorConfig build() {
            return new CommunicatorConfig(this);
        }
    }

    private static final class Holder {
        static final CommunicatorConfig DEFAULTS = new Builder().build();
    }
}
