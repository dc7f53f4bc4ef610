package dev.wsgrid.examples.guide

import dev.wsgrid.ktor.client.ConnectorOptions
import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.ktor.server.ServerOptions
import dev.wsgrid.ktor.server.WebSocketServer
import dev.wsgrid.ktor.server.wsgrid
import dev.wsgrid.micrometer.WsgridMetrics
import dev.wsgrid.rpc.CallOutcome
import dev.wsgrid.rpc.CommunicatorOptions
import dev.wsgrid.rpc.EventListener
import dev.wsgrid.rpc.ObservedCall
import io.ktor.http.ContentType
import io.ktor.server.application.Application
import io.ktor.server.application.install
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.routing
import io.ktor.server.websocket.WebSockets
import io.micrometer.core.instrument.MeterRegistry
import io.micrometer.observation.ObservationRegistry
import io.micrometer.prometheusmetrics.PrometheusConfig
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry
import org.slf4j.LoggerFactory

// The Kotlin samples of docs/guide/operations.md; GuideSamplesRunSpec runs kotlinMetrics.

/** Binds a server and a connector to one registry, makes a call, and answers the Prometheus scrape. */
suspend fun kotlinMetrics(): String {
    // region kotlin-metrics
    val registry = PrometheusMeterRegistry(PrometheusConfig.DEFAULT)      // or any MeterRegistry
    val metrics = WsgridMetrics.create(registry)
    val server = WebSocketServer<Credentials, ICalculator>(Credentials::class.java, metrics.bind(ServerOptions.DEFAULT))
    server.open("127.0.0.1", 0) { it.accept(Calculator()) }
    val connector = WebSocketConnector<Credentials, Nothing>(Credentials("secret"), null, metrics.bind(ConnectorOptions.DEFAULT))
    connector.connect("ws://127.0.0.1:${server.port}/calculator")
    connector.getDriver<ICalculator>().plus(1.0, 2.0)
    println(registry.scrape())      // wsgrid_calls_seconds_count{listener="plus",outcome="success",side="called"} 1 ...
    // endregion
    connector.close()
    server.close()      // the served call has surely been counted once its connection is closed
    return registry.scrape()
}

/** The binding with every setting. */
fun tunedMetrics(meterRegistry: MeterRegistry, observationRegistry: ObservationRegistry): WsgridMetrics {
    // region kotlin-metrics-options
    val metrics = WsgridMetrics.builder(meterRegistry)
        .observationRegistry(observationRegistry)   // a span per call on each side (with a tracing handler)
        .percentiles(0.5, 0.99)                     // computed in this process
        .percentileHistogram(true)                  // Prometheus buckets, for percentiles across instances
        .maxTagValues(100)                          // distinct server paths and rooms; the rest are "other"
        .build()
    // endregion
    return metrics
}

/** wsgrid's meters beside an application's own routes, scraped at /metrics. */
fun Application.calculatorWithMetrics() {
    // region kotlin-ktor-metrics
    val registry = PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
    val metrics = WsgridMetrics.create(registry)
    install(WebSockets)
    routing {
        get("/metrics") { call.respondText(registry.scrape(), ContentType.parse("text/plain; version=0.0.4")) }
        wsgrid<Credentials, ICalculator>("/calculator", metrics.bind(ServerOptions.DEFAULT)) { it.accept(Calculator()) }
    }
    // endregion
}

/** A listener of one's own, on the core's SPI. */
fun slowCallLogging(): CommunicatorOptions {
    // region kotlin-event-listener
    val log = LoggerFactory.getLogger("slow-calls")
    val slowCalls = object : EventListener() {
        override fun callFinished(call: ObservedCall, outcome: CallOutcome, durationNanos: Long) {
            if (durationNanos > 100_000_000) log.warn("{} took {} ms ({})", call.listener, durationNanos / 1_000_000, outcome.tag)
        }
    }
    val options = CommunicatorOptions.builder().eventListener(slowCalls).build()
    // endregion
    return options
}
