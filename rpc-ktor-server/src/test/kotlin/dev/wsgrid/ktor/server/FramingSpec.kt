package dev.wsgrid.ktor.server

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.ktor.client.HttpClient
import io.ktor.client.engine.cio.CIO
import io.ktor.client.plugins.websocket.WebSockets
import io.ktor.client.plugins.websocket.cio.webSocketRawSession
import io.ktor.http.takeFrom
import io.ktor.websocket.Frame
import io.ktor.websocket.WebSocketSession
import io.ktor.websocket.readReason
import io.ktor.websocket.readText
import kotlinx.coroutines.async
import kotlinx.coroutines.withTimeout
import kotlinx.serialization.json.JsonElement

/**
 * What wsgrid's raw sessions do in place of Ktor's default session, seen from a raw client:
 * fragmented messages are joined (and bounded as a whole), pings are answered, and the close
 * handshake is run.
 */
class FramingSpec : FunSpec({
    val http = HttpClient(CIO) { install(WebSockets) }
    afterSpec { http.close() }

    suspend fun <T> withServer(options: ServerOptions = ServerOptions.DEFAULT, block: suspend (WebSocketSession, WebSocketServer<JsonElement, ICalculator>) -> T): T {
        val server = WebSocketServer<JsonElement, ICalculator>(JsonElement::class.java, options)
        server.open("127.0.0.1", 0) { it.accept(Calculator()) }
        try {
            val session = http.webSocketRawSession { url.takeFrom("ws://127.0.0.1:${server.port}/") }
            session.outgoing.send(Frame.Text("""{"header":null}"""))
            (session.incoming.receive() as Frame.Text).readText() shouldBe "1"
            return block(session, server)
        } finally {
            server.close()
        }
    }

    /** The next data or close frame, skipping nothing else: a raw client sees every frame. */
    suspend fun WebSocketSession.next(): Frame = withTimeout(10_000) { incoming.receive() }

    test("a call split into fragments is joined and answered") {
        withServer { session, _ ->
            val call = """{"uid":1,"listener":"plus","parameters":[{"type":"number","value":1},{"type":"number","value":2}]}"""
            session.outgoing.send(Frame.Text(false, call.substring(0, 10).toByteArray()))
            session.outgoing.send(Frame.Text(false, call.substring(10, 40).toByteArray()))
            session.outgoing.send(Frame.Text(true, call.substring(40).toByteArray()))
            (session.next() as Frame.Text).readText() shouldBe """{"uid":1,"success":true,"value":3.0}"""
        }
    }

    test("fragments that add up to more than maxFrameSize close the connection with 1009") {
        withServer(ServerOptions.builder().maxFrameSize(1_000).build()) { session, _ ->
            repeat(3) { session.outgoing.send(Frame.Text(false, ByteArray(400) { 'x'.code.toByte() })) }
            val close = session.next() as Frame.Close
            val reason = close.readReason()!!
            reason.code shouldBe 1009
            reason.message shouldContain "maxFrameSize"
        }
    }

    test("a ping from the client is answered with a pong carrying its payload") {
        withServer { session, _ ->
            session.outgoing.send(Frame.Ping(byteArrayOf(7, 8, 9)))
            val pong = session.next() as Frame.Pong
            pong.data.toList() shouldBe listOf<Byte>(7, 8, 9)
        }
    }

    test("a close from the client is answered with its code, and the server lets the connection go") {
        withServer { session, server ->
            session.outgoing.send(Frame.Close(io.ktor.websocket.CloseReason(4321, "bye")))
            val answer = session.next() as Frame.Close
            answer.readReason()!!.code shouldBe 4321
            withTimeout(10_000) { while (server.acceptors.isNotEmpty()) kotlinx.coroutines.delay(10) }
        }
    }

    test("the server's close is a handshake: its frame reaches the client with the code and reason") {
        withServer { session, server ->
            val acceptor = server.acceptors.single()
            kotlinx.coroutines.coroutineScope {
                val closing = async { acceptor.close(4100, "maintenance") }
                val frame = session.next() as Frame.Close
                frame.readReason()!!.let { it.code to it.message } shouldBe (4100.toShort() to "maintenance")
                session.outgoing.send(Frame.Close(io.ktor.websocket.CloseReason(4100, "")))
                withTimeout(10_000) { closing.await() }
            }
        }
    }
})
