package dev.wsgrid.micrometer

import dev.wsgrid.ktor.client.ConnectorBinding
import dev.wsgrid.ktor.client.ConnectorListener
import dev.wsgrid.ktor.client.ConnectorOptions
import dev.wsgrid.ktor.server.ServerBinding
import dev.wsgrid.ktor.server.ServerListener
import dev.wsgrid.ktor.server.ServerOptions
import dev.wsgrid.micrometer.internal.Composites
import dev.wsgrid.micrometer.internal.ConnectorMetrics
import dev.wsgrid.micrometer.internal.Meters
import dev.wsgrid.micrometer.internal.ServerMetrics
import dev.wsgrid.rpc.CommunicatorOptions
import dev.wsgrid.rpc.EventListener
import dev.wsgrid.rpc.internal.InternalWsgridApi
import io.micrometer.core.instrument.MeterRegistry
import io.micrometer.observation.ObservationRegistry

/**
 * Binds wsgrid servers and connectors to a Micrometer [MeterRegistry] (calls, connections,
 * frames, limits, handshakes, broadcasts, reconnects; the names are in [MeterNames]) and,
 * optionally, an [ObservationRegistry] (a span per call on each side, joined into one trace
 * across the wire between wsgrid peers).
 *
 * One line binds a server or a connector:
 * ```kotlin
 * val metrics = WsgridMetrics.create(meterRegistry)
 * val server = WebSocketServer<Credentials, ICalculator>(Credentials::class.java, metrics.bind(ServerOptions.DEFAULT))
 * val connector = WebSocketConnector<Credentials, Nothing>(Credentials("secret"), null, metrics.bind(ConnectorOptions.DEFAULT))
 * ```
 * and from Java, through the facade's configuration builders:
 * ```java
 * var server = new WebSocketServer<Credentials, CalculatorService>(Credentials.class, ServerConfig.builder().bind(metrics).build());
 * ```
 *
 * One instance may bind many servers and connectors: they share its meters. Tags stay bounded:
 * listener paths come from declared service members (`unknown` for a call that named none),
 * server paths and rooms beyond [maxTagValues] share the tag value `other`, and no argument,
 * connection id or address is ever a tag.
 */
public class WsgridMetrics private constructor(b: Builder) : ServerBinding, ConnectorBinding {
    /** Where the meters are registered. */
    public val meterRegistry: MeterRegistry = b.meterRegistry

    /** Where calls are observed; [ObservationRegistry.NOOP] (the default) observes nothing and costs nothing. */
    public val observationRegistry: ObservationRegistry = b.observationRegistry

    /** The percentiles the call timer computes on this side (none by default). */
    public val percentiles: List<Double> = b.percentiles.toList()

    /** Whether the call timer publishes a histogram (Prometheus buckets) for percentiles across instances. Default: `false`. */
    public val percentileHistogram: Boolean = b.percentileHistogram

    /** How many distinct server paths and rooms get a tag value of their own; the rest are `other`. Default: 100. */
    public val maxTagValues: Int = b.maxTagValues

    private val meters = Meters(this)

    /** The per-connection listener of calls, frames and limits; see [bind]. */
    public val eventListenerFactory: EventListener.Factory = meters

    /** The listener of servers: handshakes, the connection limit, rooms, broadcasts; see [bind]. */
    public val serverListener: ServerListener = ServerMetrics(meters)

    /** The listener of connectors: reconnects; see [bind]. */
    public val connectorListener: ConnectorListener = ConnectorMetrics(meters)

    /**
     * [options] with this binding's [eventListenerFactory] added (beside a factory they have
     * already). The listener of each call owns its `ObservedCall.attachment` and `scope`.
     */
    public fun bind(options: CommunicatorOptions): CommunicatorOptions {
        val current = options.eventListenerFactory
        if (Composites.contains(current, eventListenerFactory)) return options
        val factory = if (current === EventListener.NONE_FACTORY) eventListenerFactory else Composites.factory(current, eventListenerFactory)
        return options.newBuilder().eventListenerFactory(factory).build()
    }

    /** [options] bound: its acceptors' calls, frames and limits, and the server's own events. */
    public fun bind(options: ServerOptions): ServerOptions {
        val listener = options.listener
        val bound = when {
            listener == null -> serverListener
            Composites.contains(listener, serverListener) -> listener
            else -> Composites.server(listener, serverListener)
        }
        return options.newBuilder().communicator(bind(options.communicator)).listener(bound).build()
    }

    /** [options] bound: the connector's calls, frames and limits, and its reconnects. */
    public fun bind(options: ConnectorOptions): ConnectorOptions {
        val listener = options.listener
        val bound = when {
            listener == null -> connectorListener
            Composites.contains(listener, connectorListener) -> listener
            else -> Composites.connector(listener, connectorListener)
        }
        return options.newBuilder().communicator(bind(options.communicator)).listener(bound).build()
    }

    /** [bind], for the Java facade's `ServerConfig.Builder.bind(metrics)`. */
    @InternalWsgridApi
    override fun applyTo(options: ServerOptions): ServerOptions = bind(options)

    /** [bind], for the Java facade's `ConnectorConfig.Builder.bind(metrics)`. */
    @InternalWsgridApi
    override fun applyTo(options: ConnectorOptions): ConnectorOptions = bind(options)

    /** Builds [WsgridMetrics]; every setter returns the builder. */
    public class Builder internal constructor(internal val meterRegistry: MeterRegistry) {
        internal var observationRegistry: ObservationRegistry = ObservationRegistry.NOOP
        internal var percentiles: DoubleArray = DoubleArray(0)
        internal var percentileHistogram: Boolean = false
        internal var maxTagValues: Int = 100

        /** Sets [WsgridMetrics.observationRegistry]. */
        public fun observationRegistry(registry: ObservationRegistry): Builder = apply { observationRegistry = registry }

        /** Sets [WsgridMetrics.percentiles], each between 0 and 1 (`0.5, 0.99`). */
        public fun percentiles(vararg percentiles: Double): Builder = apply {
            for (p in percentiles) require(p in 0.0..1.0) { "a percentile must be between 0 and 1, was $p" }
            this.percentiles = percentiles.copyOf()
        }

        /** Sets [WsgridMetrics.percentileHistogram]. */
        public fun percentileHistogram(publish: Boolean): Builder = apply { percentileHistogram = publish }

        /** Sets [WsgridMetrics.maxTagValues]. */
        public fun maxTagValues(max: Int): Builder = apply {
            require(max > 0) { "maxTagValues must be positive, was $max" }
            maxTagValues = max
        }

        /** Builds the binding and registers its gauges. */
        public fun build(): WsgridMetrics = WsgridMetrics(this)
    }

    /** Factories. */
    public companion object {
        /** A builder that registers in [meterRegistry]. */
        @JvmStatic
        public fun builder(meterRegistry: MeterRegistry): Builder = Builder(meterRegistry)

        /** Meters in [meterRegistry], no observations, no percentiles. */
        @JvmStatic
        public fun create(meterRegistry: MeterRegistry): WsgridMetrics = Builder(meterRegistry).build()

        /** Meters in [meterRegistry] and observations (spans, with a tracing handler) in [observationRegistry]. */
        @JvmStatic
        public fun create(meterRegistry: MeterRegistry, observationRegistry: ObservationRegistry): WsgridMetrics =
            Builder(meterRegistry).observationRegistry(observationRegistry).build()
    }
}
