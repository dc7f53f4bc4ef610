package dev.wsgrid.bench

import dev.wsgrid.ktor.client.ConnectorOptions
import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.rpc.CommunicatorOptions
import dev.wsgrid.rpc.WireProtocol
import io.ktor.client.HttpClient
import io.ktor.client.engine.cio.CIO
import io.ktor.client.engine.java.Java
import io.ktor.client.plugins.websocket.WebSockets
import kotlinx.coroutines.asCoroutineDispatcher
import java.util.concurrent.Executors

/** Runs [work] against [service] after its warm-up rounds. */
suspend fun runCallWorkload(system: String, service: BenchService, work: CallWorkload): CallResult {
    val payload = Payload.sample(7)
    suspend fun plus(i: Int) {
        val r = service.plus(i.toDouble(), 1.0)
        check(r == i + 1.0) { "plus($i, 1) returned $r" }
    }
    suspend fun echo() {
        val r = service.echo(payload)
        check(r.id == payload.id && r.values.size == payload.values.size) { "echo returned another payload" }
    }
    repeat(work.warmupRounds) {
        sequential(work.sequential / 10) { plus(it) }
        pipelined(work.pipelined / 10, work.inflight) { plus(it) }
        sequential(work.payload / 10) { echo() }
    }
    val (seq, cost) = costOf(work.sequential) { sequential(work.sequential) { plus(it) } }
    val pipe = pipelined(work.pipelined, work.inflight) { plus(it) }
    val pay = sequential(work.payload) { echo() }
    return CallResult(system, seq, pipe, pay, cost)
}

/** Items/s of one stream of [count] numbers, after a warm-up stream. */
suspend fun streamRate(service: BenchService, count: Int): Double {
    service.numbers(count / 10).collect { }
    val t0 = System.nanoTime()
    var expected = 1
    service.numbers(count).collect { check(it == expected++) { "item $it came out of order" } }
    check(expected == count + 1) { "the stream ended after ${expected - 1} of $count items" }
    return round1(count / ((System.nanoTime() - t0) / 1e9))
}

/** `client-kotlin URL [workload]`: a wsgrid connector with a Kotlin suspend driver; `client-kotlin-metrics` binds it to metrics. */
suspend fun kotlinClient(url: String, work: CallWorkload, metrics: Boolean = false): CallResult {
    val http = experimentalClient()
    val plain = ConnectorOptions.builder().httpClient(http)
        .communicator(CommunicatorOptions.builder().streamBufferSize(STREAM_BUFFER).build())
        .build()
    val options = if (metrics) benchMetrics().bind(plain) else plain
    val connector = WebSocketConnector<Nothing?, Any>(null, null, options)
    connector.connect(url)
    try {
        val service = connector.getDriver<BenchService>()
        val result = runCallWorkload("kotlin", service, work)
        // only a wsgrid server streams; a TGrid server has no such thing
        return if (connector.protocol != WireProtocol.WSGRID_V1) result else result.copy(streamItemsPerSec = streamRate(service, work.streamItems))
    } finally {
        connector.close()
        http?.close()
    }
}

/** -Dbench.client picks the connector's HTTP client for experiments: cio (the connector's own), cio-pool2, java. */
fun experimentalClient(): HttpClient? = when (System.getProperty("bench.client", "default")) {
    "cio-pool2" -> HttpClient(CIO) {
        install(WebSockets)
        engine { dispatcher = Executors.newFixedThreadPool(2) { r -> Thread(r).apply { isDaemon = true } }.asCoroutineDispatcher() }
    }
    "java" -> HttpClient(Java) { install(WebSockets) }
    "cio-limited2" -> HttpClient(CIO) {
        install(WebSockets)
        engine { dispatcher = kotlinx.coroutines.Dispatchers.IO.limitedParallelism(2) }
    }
    else -> null
}

/** The consumer's stream credit in the stream workload: items in flight before it must ask for more. */
const val STREAM_BUFFER = 1024
