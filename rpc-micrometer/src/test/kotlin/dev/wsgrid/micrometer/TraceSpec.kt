package dev.wsgrid.micrometer

import dev.wsgrid.ktor.client.ConnectorOptions
import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.ktor.server.ServerOptions
import dev.wsgrid.ktor.server.WebSocketServer
import dev.wsgrid.rpc.WireProtocol
import io.kotest.assertions.nondeterministic.eventually
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.micrometer.core.instrument.simple.SimpleMeterRegistry
import io.micrometer.observation.ObservationHandler
import io.micrometer.observation.ObservationRegistry
import io.micrometer.tracing.handler.DefaultTracingObservationHandler
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler
import io.micrometer.tracing.otel.bridge.OtelBaggageManager
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext
import io.micrometer.tracing.otel.bridge.OtelPropagator
import io.micrometer.tracing.otel.bridge.OtelTracer
import io.opentelemetry.api.trace.SpanKind
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator
import io.opentelemetry.context.propagation.ContextPropagators
import io.opentelemetry.sdk.OpenTelemetrySdk
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter
import io.opentelemetry.sdk.trace.SdkTracerProvider
import io.opentelemetry.sdk.trace.data.SpanData
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor
import kotlin.time.Duration.Companion.seconds

/**
 * A call's span on the caller and the provider's span on the server join one trace through
 * Micrometer Observation, Micrometer Tracing and OpenTelemetry: the caller's `traceparent`
 * travels in the call frame's `wsgrid.trace` key between wsgrid peers, and not to a TGrid peer.
 */
class TraceSpec : FunSpec({
    val spans = InMemorySpanExporter.create()
    val otel = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build()
    val otelTracer = otel.getTracer("wsgrid-test")
    val current = OtelCurrentTraceContext()
    val tracer = OtelTracer(otelTracer, current, { }, OtelBaggageManager(current, emptyList(), emptyList()))
    val propagator = OtelPropagator(otel.propagators, otelTracer)
    val observations = ObservationRegistry.create().apply {
        observationConfig().observationHandler(
            ObservationHandler.FirstMatchingCompositeObservationHandler(
                PropagatingSenderTracingObservationHandler(tracer, propagator),
                PropagatingReceiverTracingObservationHandler(tracer, propagator),
                DefaultTracingObservationHandler(tracer),
            ),
        )
    }
    val metrics = WsgridMetrics.create(SimpleMeterRegistry(), observations)
    val server = WebSocketServer<Credentials, IService>(Credentials::class.java, metrics.bind(ServerOptions.DEFAULT))

    beforeSpec { server.open("127.0.0.1", 0) { it.accept(Service()) } }
    afterSpec {
        server.close()
        otel.close()
    }

    fun finished(kind: SpanKind): List<SpanData> = spans.finishedSpanItems.filter { it.kind == kind }

    test("between wsgrid peers, the server's span has the caller's trace id and the caller's span as parent") {
        spans.reset()
        val connector = WebSocketConnector<Credentials, Nothing>(Credentials("a"), null, metrics.bind(ConnectorOptions.DEFAULT))
        connector.connect("ws://127.0.0.1:${server.port}/calc")
        connector.protocol shouldBe WireProtocol.WSGRID_V1
        connector.getDriver<IService>().plus(1.0, 2.0) shouldBe 3.0
        eventually(5.seconds) { finished(SpanKind.SERVER).size shouldBe 1 }
        val client = finished(SpanKind.CLIENT).single()
        val served = finished(SpanKind.SERVER).single()
        client.name shouldBe "plus"
        served.name shouldBe "plus"
        served.traceId shouldBe client.traceId
        served.parentSpanId shouldBe client.spanId
        client.attributes.asMap().entries.associate { it.key.key to it.value.toString() }["outcome"] shouldBe "success"
        connector.close()
    }

    test("a connection that speaks plain TGrid sends no trace context: the server's span starts a trace of its own") {
        spans.reset()
        val tgrid = WebSocketConnector<Credentials, Nothing>(Credentials("a"), null, metrics.bind(ConnectorOptions.builder().extensions(false).build()))
        tgrid.connect("ws://127.0.0.1:${server.port}/calc")
        tgrid.protocol shouldBe WireProtocol.TGRID
        tgrid.getDriver<IService>().plus(1.0, 2.0) shouldBe 3.0
        eventually(5.seconds) { finished(SpanKind.SERVER).size shouldBe 1 }
        val client = finished(SpanKind.CLIENT).single()
        val served = finished(SpanKind.SERVER).single()
        served.traceId shouldNotBe client.traceId
        served.parentSpanContext.isValid shouldBe false
        tgrid.close()
    }
})
