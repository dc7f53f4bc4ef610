package dev.wsgrid.java;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wsgrid.java.internal.JacksonCodec;
import dev.wsgrid.rpc.CommunicatorOptions;
import kotlinx.coroutines.ExecutorsKt;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * How a server's acceptors or a connector encode values, bound their calls and run providers:
 * a view of wsgrid's {@code CommunicatorOptions} (where each option's meaning and default are
 * documented), with a Jackson mapper as its codec. Immutable; make one with {@link #builder()}.
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
    private final CommunicatorOptions options;

    private CommunicatorConfig(ObjectMapper objectMapper, CommunicatorOptions options) {
        this.objectMapper = objectMapper;
        this.options = options;
    }

    /** The defaults: Jackson with Java 8 and {@code java.time} support, and {@code CommunicatorOptions}' defaults. */
    public static CommunicatorConfig defaults() {
        return Holder.DEFAULTS;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder(JacksonCodec.defaultMapper(), CommunicatorOptions.builder());
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        return new Builder(objectMapper, options.newBuilder());
    }

    /** The Jackson mapper that turns arguments and results into JSON. */
    public ObjectMapper getObjectMapper() {
        return objectMapper;
    }

    /** {@link CommunicatorOptions#getCallTimeout()}: {@code null} for as long as the connection lives. */
    public Duration getCallTimeout() {
        return options.getCallTimeout();
    }

    /** {@link CommunicatorOptions#getMaxPendingCalls()}. */
    public int getMaxPendingCalls() {
        return options.getMaxPendingCalls();
    }

    /** {@link CommunicatorOptions#getMaxConcurrentCalls()}. */
    public int getMaxConcurrentCalls() {
        return options.getMaxConcurrentCalls();
    }

    /** Where blocking provider methods run ({@link CommunicatorOptions#getBlockingDispatcher()}). */
    public Executor getBlockingExecutor() {
        return ExecutorsKt.asExecutor(options.getBlockingDispatcher());
    }

    /** {@link CommunicatorOptions#getExposeStackTraces()}. */
    public boolean isExposeStackTraces() {
        return options.getExposeStackTraces();
    }

    /** {@link CommunicatorOptions#getStreamBufferSize()}. */
    public int getStreamBufferSize() {
        return options.getStreamBufferSize();
    }

    CommunicatorOptions options() {
        return options;
    }

    /** Builds a {@link CommunicatorConfig}; each setter sets the option of the same name and checks it at once. */
    public static final class Builder {
        private ObjectMapper objectMapper;
        private final CommunicatorOptions.Builder options;

        private Builder(ObjectMapper objectMapper, CommunicatorOptions.Builder options) {
            this.objectMapper = objectMapper;
            this.options = options;
        }

        /** The Jackson mapper for arguments and results; configure it for your own types' shapes. */
        public Builder objectMapper(ObjectMapper mapper) {
            this.objectMapper = Objects.requireNonNull(mapper, "mapper");
            return this;
        }

        /** Every driver call fails with {@code CallTimeoutException} after this; {@code null} turns it off. */
        public Builder callTimeout(Duration timeout) {
            options.callTimeout(timeout);
            return this;
        }

        /** {@link CommunicatorOptions#getMaxPendingCalls()}. */
        public Builder maxPendingCalls(int max) {
            options.maxPendingCalls(max);
            return this;
        }

        /** {@link CommunicatorOptions#getMaxConcurrentCalls()}. */
        public Builder maxConcurrentCalls(int max) {
            options.maxConcurrentCalls(max);
            return this;
        }

        /** Runs blocking provider methods on this executor. */
        public Builder blockingExecutor(Executor executor) {
            options.blockingExecutor(Objects.requireNonNull(executor, "executor"));
            return this;
        }

        /** {@link CommunicatorOptions#getExposeStackTraces()}. */
        public Builder exposeStackTraces(boolean expose) {
            options.exposeStackTraces(expose);
            return this;
        }

        /** {@link CommunicatorOptions#getStreamBufferSize()}: the credit this side grants a {@code Flow.Publisher} the other side streams. */
        public Builder streamBufferSize(int items) {
            options.streamBufferSize(items);
            return this;
        }

        /** Builds the configuration. */
        public CommunicatorConfig build() {
            return new CommunicatorConfig(objectMapper, options.codec(new JacksonCodec(objectMapper)).build());
        }
    }

    private static final class Holder {
        static final CommunicatorConfig DEFAULTS = builder().build();
    }
}
