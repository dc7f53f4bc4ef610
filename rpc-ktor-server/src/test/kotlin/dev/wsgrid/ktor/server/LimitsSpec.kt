package dev.wsgrid.ktor.server

import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.rpc.CloseCodes
import dev.wsgrid.rpc.ConnectionClosedException
import dev.wsgrid.rpc.Handshake
import dev.wsgrid.rpc.HandshakeRejectedException
import dev.wsgrid.rpc.HeartbeatLostException
import io.kotest.assertions.nondeterministic.eventually
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import io.ktor.client.HttpClient
import io.ktor.client.engine.cio.CIO
import io.ktor.client.plugins.websocket.WebSockets
import io.ktor.client.plugins.websocket.cio.webSocketRawSession
import io.ktor.client.plugins.websocket.webSocketSession
import io.ktor.http.HttpMethod
import io.ktor.websocket.Frame
import io.ktor.websocket.close
import io.ktor.websocket.readText
import kotlinx.coroutines.launch
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.withTimeout
import kotlinx.serialization.json.JsonElement
import java.time.Duration
import kotlin.time.Duration.Companion.seconds

class LimitsSpec : FunSpec({
    val http = HttpClient(CIO) { install(WebSockets) }
    afterSpec { http.close() }

    test("a client that never sends its header is closed after the handshake timeout, and never reaches the handler") {
        var handled = 0
        val server = WebSocketServer<JsonElement, Calculator>(options = ServerOptions.builder().handshakeTimeout(Duration.ofMillis(300)).build())
        server.open("127.0.0.1", 0) {
            handled++
            it.accept(Calculator())
        }
        val session = http.webSocketSession("ws://127.0.0.1:${server.port}/")
        val reason = withTimeout(5_000) { session.closeReason.await()!! }
        reason.code.toInt() shouldBe CloseCodes.POLICY_VIOLATION
        reason.message shouldBe "no header within 300 ms"
        handled shouldBe 0
        server.acceptors.size shouldBe 0
        server.close()
    }

    test("a first frame that is not a header closes the client with 1008 and a reason") {
        val server = WebSocketServer<Credentials, Calculator>(Credentials::class.java)
        server.open("127.0.0.1", 0) { it.accept(Calculator()) }
        suspend fun firstFrame(frame: Frame): String {
            val session = http.webSocketSession("ws://127.0.0.1:${server.port}/")
            session.outgoing.send(frame)
            val reason = withTimeout(5_000) { session.closeReason.await()!! }
            reason.code.toInt() shouldBe CloseCodes.POLICY_VIOLATION
            return reason.message
        }
        firstFrame(Frame.Binary(true, byteArrayOf(1, 2))) shouldBe "the first frame must be a text frame holding {\"header\": ...}"
        firstFrame(Frame.Text("not json")) shouldBe "the first frame is not JSON: a {\"header\": ...} object was expected"
        firstFrame(Frame.Text("[1]")) shouldBe "the first frame is not a {\"header\": ...} object"
        firstFrame(Frame.Text("""{"header":{"nope":1}}""")).startsWith("invalid header: ") shouldBe true
        server.close()
    }

    test("a frame over the size limit closes the connection with 1009, failing its pending calls") {
        val options = ServerOptions.builder().maxFrameSize(1_024).build()
        val server = WebSocketServer<JsonElement, Calculator>(options = options)
        server.open("127.0.0.1", 0) { it.accept(Calculator()) }
        val connector = WebSocketConnector<Nothing?, Any>(null)
        connector.connect("ws://127.0.0.1:${server.port}/")
        val big = "x".repeat(2_000)
        val e = shouldThrow<ConnectionClosedException> { connector.getDriver<IPrinter>().print(big) }
        e.code shouldBe CloseCodes.MESSAGE_TOO_BIG
        connector.join(5.seconds) shouldBe true
        server.close()
    }

    test("a peer that stops answering pings is dropped, and the calls pending on it fail saying so") {
        val options = ServerOptions.builder().pingInterval(Duration.ofMillis(100)).pongTimeout(Duration.ofMillis(300)).build()
        val server = WebSocketServer<JsonElement, Calculator>(options = options)
        server.open("127.0.0.1", 0) { it.accept(Calculator()) }
        // A raw session answers pings only when told to: this peer answers them until the call
        // arrives, then hangs, so however slow the machine the call is pending when pongs stop.
        val silent = http.webSocketRawSession(HttpMethod.Get, "127.0.0.1", server.port, "/")
        silent.outgoing.send(Frame.Text(Handshake.headerFrame("null")))
        (silent.incoming.receive() as Frame.Text).readText() shouldBe "1"
        val answering = silent.launch {
            for (frame in silent.incoming) {
                if (frame is Frame.Ping) silent.outgoing.send(Frame.Pong(frame.data)) else if (frame is Frame.Text) break
            }
        }
        eventually(5.seconds) { server.acceptors.size shouldBe 1 }
        val acceptor = server.acceptors.single()
        val e = shouldThrow<ConnectionClosedException> { acceptor.getDriver<IPrinter>().print("anyone?") }
        answering.cancel()
        e.cause.shouldBeInstanceOf<HeartbeatLostException>()
        e.message shouldBe "cannot call print: connection closed (code 1006, reason \"heartbeat lost: no answer from the remote side within 300 ms\", by the remote side)"
        server.close()
    }

    test("a peer that answers pings stays connected, with pings from either side") {
        // pings every 50 ms; a pong may take 2 s, so a slow machine does not drop a live peer
        val server = WebSocketServer<JsonElement, Calculator>(options = ServerOptions.builder().pongTimeout(Duration.ofSeconds(2)).build())
        server.open("127.0.0.1", 0) { acceptor ->
            acceptor.ping(java.time.Duration.ofMillis(50))
            acceptor.accept(Calculator())
        }
        val connector = WebSocketConnector<Nothing?, Any>(
            null,
            connectorOptions = dev.wsgrid.ktor.client.ConnectorOptions.builder().pingInterval(Duration.ofMillis(50)).pongTimeout(Duration.ofSeconds(2)).build(),
        )
        connector.connect("ws://127.0.0.1:${server.port}/")
        connector.join(1.seconds) shouldBe false
        connector.getDriver<ICalculator>().plus(1.0, 2.0) shouldBe 3.0
        connector.close()
        server.close()
    }

    test("connections beyond maxConnections are closed with 1013") {
        val server = WebSocketServer<JsonElement, Calculator>(options = ServerOptions.builder().maxConnections(2).build())
        server.open("127.0.0.1", 0) { it.accept(Calculator()) }
        val connectors = (1..2).map { WebSocketConnector<Nothing?, Any>(null).apply { connect("ws://127.0.0.1:${server.port}/") } }
        val third = shouldThrow<HandshakeRejectedException> { WebSocketConnector<Nothing?, Any>(null).connect("ws://127.0.0.1:${server.port}/") }
        third.code shouldBe CloseCodes.TRY_AGAIN_LATER
        third.reason shouldBe "too many connections (maxConnections 2)"
        connectors.first().close()
        eventually(5.seconds) { server.acceptors.size shouldBe 1 }
        WebSocketConnector<Nothing?, Any>(null).apply { connect("ws://127.0.0.1:${server.port}/") }.close()
        server.close()
    }

    test("upgraded clients that have not sent their header count towards maxConnections") {
        val server = WebSocketServer<JsonElement, Calculator>(
            options = ServerOptions.builder().maxConnections(2).handshakeTimeout(Duration.ofSeconds(30)).build(),
        )
        server.open("127.0.0.1", 0) { it.accept(Calculator()) }
        // two silent sockets, upgraded but with no header: the server has no acceptor for them yet
        val silent = (1..2).map { http.webSocketSession("ws://127.0.0.1:${server.port}/") }
        val refused = shouldThrow<HandshakeRejectedException> { WebSocketConnector<Nothing?, Any>(null).connect("ws://127.0.0.1:${server.port}/") }
        refused.code shouldBe CloseCodes.TRY_AGAIN_LATER
        refused.reason shouldBe "too many connections (maxConnections 2)"
        server.acceptors.size shouldBe 0
        // one leaves: its place is free again
        silent.first().close()
        eventually(10.seconds) { WebSocketConnector<Nothing?, Any>(null).apply { connect("ws://127.0.0.1:${server.port}/") }.close() }
        silent.last().close()
        server.close()
    }

    test("concurrent handshakes cannot pass maxConnections together") {
        val server = WebSocketServer<JsonElement, Calculator>(options = ServerOptions.builder().maxConnections(5).build())
        server.open("127.0.0.1", 0) { it.accept(Calculator()) }
        val outcomes = coroutineScope {
            (1..40).map {
                async {
                    val c = WebSocketConnector<Nothing?, Any>(null)
                    try {
                        c.connect("ws://127.0.0.1:${server.port}/")
                        c
                    } catch (e: HandshakeRejectedException) {
                        e.code shouldBe CloseCodes.TRY_AGAIN_LATER
                        null
                    }
                }
            }.map { it.await() }
        }
        val accepted = outcomes.filterNotNull()
        accepted.size shouldBe 5
        server.acceptors.size shouldBe 5
        accepted.forEach { it.close() }
        server.close()
    }

    test("a connector gives up on a server that never answers the header") {
        val server = WebSocketServer<JsonElement, Calculator>()
        server.open("127.0.0.1", 0) { kotlinx.coroutines.delay(10_000) }
        val connector = WebSocketConnector<Nothing?, Any>(
            null,
            connectorOptions = dev.wsgrid.ktor.client.ConnectorOptions.builder().handshakeTimeout(Duration.ofMillis(200)).build(),
        )
        val e = shouldThrow<dev.wsgrid.rpc.HandshakeTimeoutException> { connector.connect("ws://127.0.0.1:${server.port}/") }
        e.message shouldBe "cannot connect to ws://127.0.0.1:${server.port}/: the server did not answer the header within 200 ms"
        server.close()
    }
})
