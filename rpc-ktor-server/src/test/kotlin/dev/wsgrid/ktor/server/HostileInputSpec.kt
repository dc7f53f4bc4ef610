package dev.wsgrid.ktor.server

import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.rpc.CloseCodes
import dev.wsgrid.rpc.ConnectionClosedException
import dev.wsgrid.rpc.Handshake
import io.kotest.assertions.nondeterministic.eventually
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.ktor.client.HttpClient
import io.ktor.client.engine.cio.CIO
import io.ktor.client.plugins.websocket.WebSockets
import io.ktor.client.plugins.websocket.webSocketSession
import io.ktor.websocket.Frame
import io.ktor.websocket.close
import io.ktor.websocket.readText
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Job
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import java.time.Duration
import kotlin.time.Duration.Companion.seconds

/**
 * Hostile clients one at a time: a huge argument, calls before the header, a client that never
 * reads, a server stopped under thousands of pending calls. The random and mutated frames are
 * [FuzzSpec]'s.
 */
class HostileInputSpec : FunSpec({
    val http = HttpClient(CIO) {
        install(WebSockets)
        engine { endpoint.maxConnectionsPerRoute = 1_000 }
    }
    afterSpec { http.close() }

    val validCall = """{"uid":1,"listener":"plus","parameters":[{"type":"number","value":1},{"type":"number","value":2}]}"""

    test("a 10 MB string argument is answered with an error, and the connection lives on") {
        val server = WebSocketServer<Credentials, ICalculator>(Credentials::class.java)
        server.open("127.0.0.1", 0) { it.accept(Calculator()) }
        val session = http.webSocketSession("ws://127.0.0.1:${server.port}/")
        session.outgoing.send(Frame.Text(Handshake.headerFrame("""{"token":"t"}""")))
        (session.incoming.receive() as Frame.Text).readText() shouldBe "1"
        val big = "x".repeat(10 shl 20)
        session.outgoing.send(Frame.Text("""{"uid":1,"listener":"plus","parameters":[{"type":"string","value":"$big"},{"type":"number","value":1}]}"""))
        val reply = withTimeout(30_000) { (session.incoming.receive() as Frame.Text).readText() }
        reply shouldContain "\"uid\":1,\"success\":false"
        reply shouldContain "parameter 1 does not fit double"
        session.outgoing.send(Frame.Text(validCall))
        withTimeout(10_000) { (session.incoming.receive() as Frame.Text).readText() } shouldBe """{"uid":1,"success":true,"value":3.0}"""
        server.close()
    }

    test("calls before the header cannot get past the header check or the pre-upgrade check") {
        val server = WebSocketServer<Credentials, ICalculator>(
            Credentials::class.java,
            ServerOptions.builder().verifier { if (it.header("x-key") == "k") null else 401 }.build(),
        )
        server.open("127.0.0.1", 0) { a -> if (a.header.token == "t") a.accept(Calculator()) else a.reject(4003, "bad token") }
        // no key: refused before the upgrade
        shouldThrow<Exception> { http.webSocketSession("ws://127.0.0.1:${server.port}/") }
        // with the key, a call as the first frame is read as the header and refused
        val session = http.webSocketSession("ws://127.0.0.1:${server.port}/") { headers.append("X-Key", "k") }
        session.outgoing.send(Frame.Text(validCall))
        repeat(3) { session.outgoing.trySend(Frame.Text(validCall)) }
        val reason = withTimeout(5_000) { session.closeReason.await()!! }
        reason.code.toInt() shouldBe CloseCodes.POLICY_VIOLATION
        reason.message shouldBe "the first frame has no \"header\": a {\"header\": ...} object was expected"
        server.close()
    }

    test("a client that sends calls faster than it reads replies is closed once its replies back up, with 1008") {
        val server = WebSocketServer<Credentials, IBlob>(
            Credentials::class.java,
            ServerOptions.builder().sendTimeout(Duration.ofMillis(500)).frameBuffer(8).build(),
        )
        server.open("127.0.0.1", 0) { it.accept(Blob()) }
        // a client that writes and never reads: its socket fills, then the server's buffer, then it is closed
        val socket = NonReadingClient("127.0.0.1", server.port)
        socket.sendText(Handshake.headerFrame("""{"token":"t"}"""))
        eventually(10.seconds) { server.acceptors.size shouldBe 1 }
        val acceptor = server.acceptors.single()
        val closedWith = CompletableDeferred<Int>()
        acceptor.addStateListener { _, new -> if (new == dev.wsgrid.rpc.CommunicatorState.CLOSED) closedWith.complete(1) }
        kotlinx.coroutines.withContext(kotlinx.coroutines.Dispatchers.IO) {
            runCatching { repeat(2_000) { i -> socket.sendText("""{"uid":${i + 1},"listener":"blob","parameters":[{"type":"number","value":65536}]}""") } }
        }
        withTimeout(20_000) { closedWith.await() }
        eventually(10.seconds) { server.acceptors.size shouldBe 0 }
        socket.close()
        server.close()
    }

    test("a server stopped with thousands of pending calls fails every one of them, promptly") {
        val waiter = Waiter()
        val server = WebSocketServer<Credentials, IWaiter>(Credentials::class.java)
        server.open("127.0.0.1", 0) { it.accept(waiter) }
        val connector = WebSocketConnector<Credentials, Any>(Credentials("t")).apply { connect("ws://127.0.0.1:${server.port}/") }
        val driver = connector.getDriver<IWaiter>()
        coroutineScope {
            val calls = (0 until 3_000).map { i -> async { runCatching { driver.hold(i) } } }
            eventually(20.seconds) { waiter.held.size shouldBe 1_024 } // maxConcurrentCalls; the rest are refused
            server.close()
            val results = withTimeout(10_000) { calls.awaitAll() }
            // the running ones, and those still on their way, end with the connection; the rest were refused
            results.all { it.isFailure } shouldBe true
            val closed = results.count { it.exceptionOrNull() is ConnectionClosedException }
            (closed >= 1_024) shouldBe true
            results.mapNotNull { it.exceptionOrNull() as? dev.wsgrid.rpc.RemoteException }.forEach { it.name shouldBe "LimitExceededException" }
        }
        connector.pendingCalls shouldBe 0
    }
})

private fun kotlinx.coroutines.CoroutineScope.launchFlood(session: io.ktor.client.plugins.websocket.ClientWebSocketSession): Job = launch {
    var uid = 1
    try {
        // bounded, as this test's own buffers are not: 20,000 calls whose answers are never read
        while (isActive && uid <= 20_000) {
            session.outgoing.send(Frame.Text("""{"uid":${uid++},"listener":"plus","parameters":[{"type":"number","value":1},{"type":"number","value":2}]}"""))
        }
    } catch (_: Exception) {
        // closed by the server: what the test waits for
    }
}
