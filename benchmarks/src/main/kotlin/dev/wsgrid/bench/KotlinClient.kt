package dev.wsgrid.bench

import dev.wsgrid.ktor.client.ConnectorOptions
import dev.wsgrid.ktor.client.WebSocketConnector
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

/** `client-kotlin URL [workload]`: a wsgrid connector with a Kotlin suspend driver. */
suspend fun kotlinClient(url: String, work: CallWorkload): CallResult {
    val http = experimentalClient()
    val connector = WebSocketConnector<Nothing?, Any>(null, null, ConnectorOptions.builder().httpClient(http).build())
    connector.connect(url)
    try {
        return runCallWorkload("kotlin", connector.getDriver<BenchService>(), work)
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
