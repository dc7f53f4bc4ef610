package dev.wsgrid.examples.guide

import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.ktor.server.WebSocketServer
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.fold
import kotlinx.serialization.json.JsonElement

// The Kotlin stream sample of docs/guide/extensions.md, run by GuideSamplesRunSpec against
// startNumbersServer (JavaStreams calls the same server).

// region kotlin-streams-service
interface INumbers {
    fun count(n: Int): Flow<Int>            // a stream result: cold, one call per collection
    suspend fun sum(values: Flow<Int>): Long // a stream argument
}
// endregion

/** The provider: 1..n, and the sum of what the caller streams. */
class Numbers : INumbers {
    override fun count(n: Int): Flow<Int> = flow { for (i in 1..n) emit(i) }
    override suspend fun sum(values: Flow<Int>): Long = values.fold(0L) { total, value -> total + value }
}

/** A server of [Numbers] on a free port of 127.0.0.1, for any header; extensions on, as by default. */
suspend fun startNumbersServer(): WebSocketServer<JsonElement, INumbers> {
    val server = WebSocketServer<JsonElement, INumbers>()
    server.open("127.0.0.1", 0) { acceptor -> acceptor.accept(Numbers()) }
    return server
}

/** Streams to and from the numbers server at [url] as the guide shows; returns what it printed. */
suspend fun kotlinStreams(url: String): List<Any> {
    val printed = mutableListOf<Any>()
    fun println(value: Any) = printed.add(value)
    val connector = WebSocketConnector<JsonElement?>(null)
    connector.connect(url)
    try {
        // region kotlin-streams-use
        val numbers = connector.getDriver<INumbers>()
        numbers.count(5).collect { println(it) }          // 1 2 3 4 5: one call, its items as the collector takes them
        println(numbers.sum(flow { emit(1); emit(2) }))    // 3
        // endregion
    } finally {
        connector.close()
    }
    return printed
}
