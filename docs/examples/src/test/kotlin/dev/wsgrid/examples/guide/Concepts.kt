package dev.wsgrid.examples.guide

import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.ktor.server.WebSocketServer
import dev.wsgrid.rpc.InMemoryTransport
import dev.wsgrid.rpc.TransportCommunicator
import kotlinx.coroutines.CompletableDeferred
import kotlinx.serialization.json.JsonElement

// The samples of docs/guide/concepts.md; GuideSamplesRunSpec runs them.

// region concepts-printer
interface IPrinter { suspend fun print(line: String) }   // what the client serves to the server
// endregion

/** A server that calls its client back; returns what the client was told. */
suspend fun conceptsCallback(): String {
    val told = CompletableDeferred<String>()
    fun println(line: String) = told.complete(line)
    // region concepts-callback
    val server = WebSocketServer<JsonElement, ICalculator>()
    server.open("127.0.0.1", 0) { acceptor ->               // the acceptor: the server's end of one connection
        val printer = acceptor.getDriver<IPrinter>()         // a driver of the client's provider
        acceptor.accept(Calculator())                        // the provider this client may call
        printer.print("welcome, ${acceptor.remoteAddress}")  // the server calls the client
    }
    val connector = WebSocketConnector<JsonElement?, IPrinter>(null, object : IPrinter {
        override suspend fun print(line: String) { println("the server says: $line") }
    })
    connector.connect("ws://127.0.0.1:${server.port}/")
    // endregion
    val line = told.await()
    connector.close()
    server.close()
    return line
}

/** The calculator over an in-memory pair of transports; returns the square root it got. */
suspend fun conceptsInMemory(): Double {
    var result = 0.0
    fun println(value: Double) { result = value }
    // region concepts-in-memory
    val (left, right) = InMemoryTransport.pair()
    val provider = TransportCommunicator(Calculator()).apply { open(left) }
    val client = TransportCommunicator<Nothing>().apply { open(right) }
    println(client.getDriver<ICalculator>().scientific.sqrt(16.0))   // 4.0, and no socket involved
    client.close()
    provider.close()
    // endregion
    return result
}
