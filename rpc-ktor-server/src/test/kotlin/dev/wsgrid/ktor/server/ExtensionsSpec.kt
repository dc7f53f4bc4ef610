package dev.wsgrid.ktor.server

import dev.wsgrid.ktor.client.ConnectorOptions
import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.rpc.CommunicatorOptions
import dev.wsgrid.rpc.Handshake
import dev.wsgrid.rpc.WireProtocol
import io.kotest.assertions.nondeterministic.eventually
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.longs.shouldBeLessThanOrEqual
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.ktor.client.HttpClient
import io.ktor.client.plugins.websocket.WebSockets as ClientWebSockets
import io.ktor.client.plugins.websocket.webSocketSession
import io.ktor.client.request.header
import io.ktor.http.HttpHeaders
import io.ktor.websocket.Frame
import io.ktor.websocket.WebSocketDeflateExtension
import io.ktor.websocket.close
import io.ktor.websocket.readText
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import kotlinx.serialization.json.JsonElement
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicLong
import kotlin.math.max
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds
import io.ktor.client.engine.cio.CIO as ClientCIO

interface IStreams {
    fun count(count: Int): Flow<Int>
    fun endless(): Flow<Long>
    suspend fun hold(): Int
    suspend fun sum(values: Flow<Int>): Long
    suspend fun echo(text: String): String
    suspend fun reverse(data: ByteArray): ByteArray
}

class Streams : IStreams {
    val produced = AtomicLong()
    val endlessStopped = CompletableDeferred<Throwable>()
    val holding = CompletableDeferred<Unit>()
    val holdCancelled = CompletableDeferred<Long>()

    override fun count(count: Int): Flow<Int> = flow {
        for (i in 1..count) {
            produced.incrementAndGet()
            emit(i)
        }
    }

    override fun endless(): Flow<Long> = flow {
        try {
            var i = 0L
            while (true) {
                produced.incrementAndGet()
                emit(i++)
            }
        } catch (e: Throwable) {
            endlessStopped.complete(e)
            throw e
        }
    }

    override suspend fun hold(): Int {
        holding.complete(Unit)
        try {
            awaitCancellation()
        } catch (e: kotlinx.coroutines.CancellationException) {
            holdCancelled.complete(System.nanoTime())
            throw e
        }
    }

    override suspend fun sum(values: Flow<Int>): Long {
        var total = 0L
        values.collect { total += it }
        return total
    }

    override suspend fun echo(text: String): String = text
    override suspend fun reverse(data: ByteArray): ByteArray = data.reversedArray()
}

class ExtensionsSpec : FunSpec({
    val streams = Streams()
    val server = WebSocketServer<JsonElement, Streams>(
        options = ServerOptions.builder()
            .communicator(CommunicatorOptions.builder().streamBufferSize(64).build())
            .compressionThreshold(1024)
            .build(),
    )
    val acceptors = java.util.concurrent.CopyOnWriteArrayList<WebSocketAcceptor<JsonElement, Streams>>()
    val beforeAccept = java.util.concurrent.CopyOnWriteArrayList<WireProtocol>()
    beforeSpec { server.open("127.0.0.1", 0) { beforeAccept.add(it.protocol); acceptors.add(it); it.accept(streams) } }
    afterSpec { server.close() }
    fun url() = "ws://127.0.0.1:${server.port}/streams"

    test("a wsgrid connector offers wsgrid.v1, the server agrees, and both sides say so") {
        val connector = WebSocketConnector<JsonElement?, Any>(null)
        connector.connect(url())
        connector.protocol shouldBe WireProtocol.WSGRID_V1
        eventually(5.seconds) { acceptors.last().protocol shouldBe WireProtocol.WSGRID_V1 }
        // the handler knew before accepting
        beforeAccept.last() shouldBe WireProtocol.WSGRID_V1
        connector.getDriver<IStreams>().count(3).toList() shouldBe listOf(1, 2, 3)
        connector.close()
    }

    test("a connector with extensions off speaks plain TGrid, and a stream call says why it cannot work") {
        val connector = WebSocketConnector<JsonElement?, Any>(null, connectorOptions = ConnectorOptions.builder().extensions(false).build())
        connector.connect(url())
        connector.protocol shouldBe WireProtocol.TGRID
        eventually(5.seconds) { acceptors.last().protocol shouldBe WireProtocol.TGRID }
        beforeAccept.last() shouldBe WireProtocol.TGRID
        connector.getDriver<IStreams>().echo("plain") shouldBe "plain"
        shouldThrow<UnsupportedOperationException> { connector.getDriver<IStreams>().count(3).toList() }
            .message shouldContain "needs a wsgrid peer"
        connector.close()
    }

    test("a server with extensions off neither echoes the subprotocol nor sends the extension accept") {
        val plain = WebSocketServer<JsonElement, Streams>(options = ServerOptions.builder().extensions(false).build())
        plain.open("127.0.0.1", 0) { it.accept(Streams()) }
        try {
            val connector = WebSocketConnector<JsonElement?, Any>(null)
            connector.connect("ws://127.0.0.1:${plain.port}/")
            connector.protocol shouldBe WireProtocol.TGRID
            connector.getDriver<IStreams>().echo("x") shouldBe "x"
            connector.close()
        } finally {
            plain.close()
        }
    }

    test("the server answers an offer with the subprotocol and the extension accept, and a client that offers nothing with TGrid's 1") {
        val client = HttpClient(ClientCIO) { install(ClientWebSockets) }
        try {
            val offered = client.webSocketSession("ws://127.0.0.1:${server.port}/") { header(HttpHeaders.SecWebSocketProtocol, "wsgrid.v1") }
            offered.call.response.headers[HttpHeaders.SecWebSocketProtocol] shouldBe "wsgrid.v1"
            offered.outgoing.send(Frame.Text(Handshake.headerFrame("null")))
            (withTimeout(5_000) { offered.incoming.receive() } as Frame.Text).readText() shouldBe Handshake.EXTENSION_ACCEPT
            offered.close()
            val plain = client.webSocketSession("ws://127.0.0.1:${server.port}/")
            plain.call.response.headers[HttpHeaders.SecWebSocketProtocol] shouldBe null
            plain.outgoing.send(Frame.Text(Handshake.headerFrame("null")))
            (withTimeout(5_000) { plain.incoming.receive() } as Frame.Text).readText() shouldBe "1"
            plain.close()
        } finally {
            client.close()
        }
    }

    test("cancelling a call over a real socket cancels the provider's coroutine") {
        val connector = WebSocketConnector<JsonElement?, Any>(null)
        connector.connect(url())
        coroutineScope {
            val call = launch(start = CoroutineStart.UNDISPATCHED) { connector.getDriver<IStreams>().hold() }
            withTimeout(10_000) { streams.holding.await() }
            val at = System.nanoTime()
            call.cancelAndJoin()
            val reached = withTimeout(10_000) { streams.holdCancelled.await() }
            val millis = TimeUnit.NANOSECONDS.toMillis(reached - at)
            println("cancellation reached the provider in $millis ms over a socket")
            millis shouldBeLessThan 5_000
        }
        connector.getDriver<IStreams>().echo("still open") shouldBe "still open"
        connector.close()
    }

    test("1,000,000 items over a socket to a slow consumer: the producer stays within the consumer's credit").config(timeout = 5.minutes, invocationTimeout = 5.minutes) {
        val buffer = 256
        val connector = WebSocketConnector<JsonElement?, Any>(
            null,
            connectorOptions = ConnectorOptions.builder().communicator(CommunicatorOptions.builder().streamBufferSize(buffer).build()).build(),
        )
        connector.connect(url())
        streams.produced.set(0)
        var received = 0L
        var maxAhead = 0L
        val started = System.nanoTime()
        connector.getDriver<IStreams>().count(1_000_000).collect { item ->
            received++
            if (item.toLong() != received) throw AssertionError("item $received was $item")
            maxAhead = max(maxAhead, streams.produced.get() - received)
            if (received % 64 == 0L) yield()
            if (received % 100_000 == 0L) Thread.sleep(100) // a consumer that stalls now and then
        }
        received shouldBe 1_000_000
        println("over a socket: 1,000,000 items in ${(System.nanoTime() - started) / 1_000_000} ms; the producer was at most $maxAhead items ahead")
        // the credit granted is what was taken plus the buffer; the producer holds one more while it waits
        maxAhead shouldBeLessThanOrEqual buffer + 1L
        connector.close()
    }

    test("stopping a stream early over a socket stops the producer") {
        val connector = WebSocketConnector<JsonElement?, Any>(null)
        connector.connect(url())
        connector.getDriver<IStreams>().endless().take(3).toList() shouldBe listOf(0L, 1L, 2L)
        (withTimeout(10_000) { streams.endlessStopped.await() } is kotlinx.coroutines.CancellationException) shouldBe true
        connector.getDriver<IStreams>().sum(flow { for (i in 1..1000) emit(i) }) shouldBe 500_500L
        connector.close()
    }

    test("a 10 MB byte array round trip between wsgrid peers, in binary frames both ways") {
        val data = kotlin.random.Random(10).nextBytes(10 * 1024 * 1024)
        val connector = WebSocketConnector<JsonElement?, Any>(null)
        connector.connect(url())
        connector.getDriver<IStreams>().reverse(data) shouldBe data.reversedArray()
        connector.close()
        // on the wire: a raw client speaking wsgrid.v1 sends the call as one binary frame and gets one back
        val client = HttpClient(ClientCIO) { install(ClientWebSockets) }
        try {
            val session = client.webSocketSession("ws://127.0.0.1:${server.port}/") { header(HttpHeaders.SecWebSocketProtocol, "wsgrid.v1") }
            session.outgoing.send(Frame.Text(Handshake.headerFrame("null")))
            (withTimeout(5_000) { session.incoming.receive() } as Frame.Text).readText() shouldBe Handshake.EXTENSION_ACCEPT
            val json = """{"uid":1,"listener":"reverse","parameters":[{"type":"object","value":{"wsgrid.binary":0}}]}""".toByteArray()
            val frame = java.nio.ByteBuffer.allocate(8 + json.size + data.size).putInt(json.size).put(json).putInt(data.size).put(data).array()
            session.outgoing.send(Frame.Binary(true, frame))
            val answer = withTimeout(30_000) { session.incoming.receive() }
            (answer is Frame.Binary) shouldBe true
            val buf = java.nio.ByteBuffer.wrap(answer.data)
            val n = buf.int
            String(answer.data, 4, n) shouldBe """{"uid":1,"success":true,"value":{"wsgrid.binary":0}}"""
            buf.position(4 + n)
            buf.int shouldBe data.size
            answer.data.copyOfRange(8 + n, answer.data.size) shouldBe data.reversedArray()
            session.close()
        } finally {
            client.close()
        }
    }

    test("permessage-deflate is agreed when both sides switch it on, and large frames still round-trip") {
        val client = HttpClient(ClientCIO) {
            install(ClientWebSockets) { extensions { install(WebSocketDeflateExtension) } }
        }
        try {
            val session = client.webSocketSession("ws://127.0.0.1:${server.port}/")
            session.call.response.headers[HttpHeaders.SecWebSocketExtensions].orEmpty() shouldContain "permessage-deflate"
            session.close()
        } finally {
            client.close()
        }
        val connector = WebSocketConnector<JsonElement?, Any>(null, connectorOptions = ConnectorOptions.builder().compressionThreshold(512).build())
        connector.connect(url())
        val big = "compressible ".repeat(100_000)
        connector.getDriver<IStreams>().echo(big) shouldBe big
        connector.getDriver<IStreams>().echo("small") shouldBe "small"
        connector.close()
    }
})
