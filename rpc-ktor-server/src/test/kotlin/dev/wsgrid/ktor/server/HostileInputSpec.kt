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
import io.ktor.client.plugins.websocket.DefaultClientWebSocketSession
import io.ktor.client.plugins.websocket.WebSockets
import io.ktor.client.plugins.websocket.cio.webSocketRawSession
import io.ktor.client.plugins.websocket.webSocketSession
import io.ktor.http.HttpMethod
import io.ktor.websocket.Frame
import io.ktor.websocket.close
import io.ktor.websocket.readText
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Job
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull
import java.time.Duration
import java.util.concurrent.atomic.AtomicInteger
import kotlin.random.Random
import kotlin.time.Duration.Companion.seconds

/**
 * Bad input at every stage, from a fixed seed: each bad connection gets an error reply or a
 * close with a code and reason, a healthy connection beside them never notices, the server
 * serves on, and the heap returns to where it was. `-Dwsgrid.fuzz.cases=N` runs longer.
 */
class HostileInputSpec : FunSpec({
    val cases = System.getProperty("wsgrid.fuzz.cases")?.toInt() ?: 200
    val http = HttpClient(CIO) {
        install(WebSockets)
        engine { endpoint.maxConnectionsPerRoute = 1_000 }
    }
    afterSpec { http.close() }

    val validCall = """{"uid":1,"listener":"plus","parameters":[{"type":"number","value":1},{"type":"number","value":2}]}"""

    fun junkText(r: Random): String = when (r.nextInt(12)) {
        0 -> ""
        1 -> "not json at all"
        2 -> "[".repeat(r.nextInt(1, 2_000))
        3 -> """{"uid":${r.nextLong()},"listener":"plus","parameters":[]}"""
        4 -> """{"uid":1e400,"listener":"plus","parameters":[{"type":"number","value":1e400},{"type":"number","value":-1e400}]}"""
        5 -> """{"uid":7,"listener":"${"a.".repeat(r.nextInt(1, 50))}b","parameters":[]}"""
        6 -> """{"uid":8,"listener":"plus","parameters":[{"type":"string","value":"${"x".repeat(r.nextInt(1, 5_000))}"}]}"""
        7 -> """{"uid":9,"success":${r.nextBoolean()},"value":${r.nextInt()}}"""
        8 -> validCall.substring(0, r.nextInt(validCall.length))
        9 -> mutate(validCall, r)
        10 -> String(CharArray(r.nextInt(1, 300)) { (r.nextInt(0x20, 0x2FFF)).toChar() })
        else -> """{"uid":10,"listener":"scientific.sqrt","parameters":[{"type":"object","value":{"deep":${"[".repeat(600)}${"]".repeat(600)}}}]}"""
    }

    test("random and mutated frames before the header, as the header, and as calls: errors or closes, never a crash") {
        val server = WebSocketServer<Credentials, ICalculator>(
            Credentials::class.java,
            ServerOptions.builder().handshakeTimeout(Duration.ofMillis(500)).maxFrameSize(1 shl 20).build(),
        )
        server.open("127.0.0.1", 0) { a -> if (a.header.token == "t") a.accept(Calculator()) else a.reject(4003, "bad token") }
        val url = "ws://127.0.0.1:${server.port}/"

        // a healthy client calling all along: it must never notice the others
        val witness = WebSocketConnector<Credentials, Any>(Credentials("t")).apply { connect(url) }
        val witnessCalls = AtomicInteger()
        val witnessFailure = CompletableDeferred<Throwable>()
        System.gc()
        val heapBefore = usedHeap()
        coroutineScope {
            val witnessJob: Job = launch {
                val calc = witness.getDriver<ICalculator>()
                try {
                    while (isActive) {
                        calc.plus(1.0, 1.0) shouldBe 2.0
                        witnessCalls.incrementAndGet()
                        delay(5)
                    }
                } catch (e: Throwable) {
                    if (isActive) witnessFailure.complete(e)
                }
            }
            val random = Random(42)
            val outcomes = (0 until cases).map { i -> i to Random(random.nextLong()) }.chunked(20).flatMap { batch ->
                batch.map { (i, r) -> async { fuzzOne(http, url, i, r, ::junkText, validCall) } }.awaitAll()
            }
            witnessJob.cancel()
            outcomes.filter { it.startsWith("BAD") } shouldBe emptyList()
        }
        witnessFailure.isCompleted shouldBe false
        (witnessCalls.get() > 0) shouldBe true
        witness.getDriver<ICalculator>().scientific.sqrt(9.0) shouldBe 3.0
        eventually(10.seconds) { server.acceptors.size shouldBe 1 }
        eventually(10.seconds) {
            System.gc()
            (usedHeap() - heapBefore < 64L shl 20) shouldBe true
        }
        witness.close()
        server.close()
    }

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

private fun usedHeap(): Long = Runtime.getRuntime().let { it.totalMemory() - it.freeMemory() }

private fun mutate(text: String, r: Random): String {
    val chars = text.toCharArray()
    repeat(r.nextInt(1, 6)) {
        val at = r.nextInt(chars.size)
        chars[at] = "{}[]\",:0123456789aez\\ ".random(r)
    }
    return String(chars)
}

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

/** One fuzz case on its own connection; answers "ok ..." or "BAD ..." with what went wrong. */
private suspend fun fuzzOne(
    http: HttpClient,
    url: String,
    index: Int,
    r: Random,
    junk: (Random) -> String,
    validCall: String,
): String {
    val session: DefaultClientWebSocketSession = http.webSocketSession(url)
    val stage = r.nextInt(3)
    try {
        when (stage) {
            // before or as the header: the server closes with a code and a reason
            0, 1 -> {
                val frame = if (r.nextInt(4) == 0) Frame.Binary(true, r.nextBytes(r.nextInt(1, 2_000))) else Frame.Text(junk(r))
                if (stage == 0) delay(r.nextLong(0, 50))
                session.outgoing.send(frame)
                val reason = withTimeoutOrNull(10_000) { session.closeReason.await() } ?: return "BAD $index: no close after a bad header"
                if (reason.message.isEmpty() && reason.code.toInt() != CloseCodes.MESSAGE_TOO_BIG) return "BAD $index: a close without a reason ($reason)"
                return "ok $index closed ${reason.code}"
            }
            // after a good header: every bad call gets an answer or is skipped, and a good call still works
            else -> {
                session.outgoing.send(Frame.Text(Handshake.headerFrame("""{"token":"t"}""")))
                val first = withTimeoutOrNull(10_000) { session.incoming.receive() } ?: return "BAD $index: no accept"
                if ((first as? Frame.Text)?.readText() != "1") return "BAD $index: accept was $first"
                repeat(r.nextInt(1, 8)) {
                    if (r.nextInt(5) == 0) session.outgoing.send(Frame.Binary(true, r.nextBytes(r.nextInt(1, 500))))
                    else session.outgoing.send(Frame.Text(junk(r)))
                }
                session.outgoing.send(Frame.Text(validCall.replace("\"uid\":1", "\"uid\":424242")))
                val deadline = System.nanoTime() + 10_000_000_000L
                while (System.nanoTime() < deadline) {
                    val f = withTimeoutOrNull(10_000) { session.incoming.receiveCatching().getOrNull() } ?: return "BAD $index: closed or silent before the good call's answer"
                    val text = (f as? Frame.Text)?.readText() ?: continue
                    if (text.startsWith("""{"uid":424242,""")) {
                        return if (text == """{"uid":424242,"success":true,"value":3.0}""") "ok $index" else "BAD $index: good call answered $text"
                    }
                }
                return "BAD $index: no answer to the good call"
            }
        }
    } finally {
        runCatching { session.close() }
    }
}
