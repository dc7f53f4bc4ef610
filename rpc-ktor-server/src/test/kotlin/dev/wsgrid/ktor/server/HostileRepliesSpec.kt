package dev.wsgrid.ktor.server

import dev.wsgrid.rpc.Handshake
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.doubles.shouldBeLessThanOrEqual
import io.kotest.matchers.ints.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import io.ktor.client.HttpClient
import io.ktor.client.engine.cio.CIO
import io.ktor.client.plugins.websocket.DefaultClientWebSocketSession
import io.ktor.client.plugins.websocket.WebSockets
import io.ktor.client.plugins.websocket.webSocketSession
import io.ktor.websocket.Frame
import io.ktor.websocket.close
import io.ktor.websocket.readText
import kotlinx.coroutines.withTimeout

/**
 * What a hostile client gets back, and what it gets into the server's log: error replies quote
 * little of what it sent, every call whose uid can be read is answered, and its text cannot
 * forge or flood log lines.
 */
class HostileRepliesSpec : FunSpec({
    val http = HttpClient(CIO) {
        install(WebSockets) { maxFrameSize = 64L shl 20 }
    }
    afterSpec { http.close() }

    lateinit var server: WebSocketServer<Credentials, ICalculator>
    beforeEach {
        server = WebSocketServer<Credentials, ICalculator>(
            Credentials::class.java,
            ServerOptions.builder().maxFrameSize(32L shl 20).build(),
        )
        server.open("127.0.0.1", 0) { it.accept(Calculator()) }
    }
    afterEach { server.close() }

    suspend fun accepted(): DefaultClientWebSocketSession {
        val session = http.webSocketSession("ws://127.0.0.1:${server.port}/")
        session.send(Frame.Text(Handshake.headerFrame("""{"token":"t"}""")))
        (session.incoming.receive() as Frame.Text).readText() shouldBe "1"
        return session
    }

    suspend fun DefaultClientWebSocketSession.reply(): String = withTimeout(30_000) { (incoming.receive() as Frame.Text).readText() }

    test("a 4 MiB listener name is quoted by its first characters only, once or twice but never whole") {
        val session = accepted()
        val name = "a".repeat(4 shl 20)
        session.send(Frame.Text("""{"uid":1,"listener":"$name","parameters":[]}"""))
        val reply = session.reply()
        reply shouldContain "\"uid\":1,\"success\":false"
        reply shouldContain "NoSuchMethodException"
        reply shouldContain "(4194304 characters)"
        reply.length shouldBeLessThan 1_000
        // and a dotted one, whose segments are quoted as paths
        session.send(Frame.Text("""{"uid":2,"listener":"${"b".repeat(1 shl 20)}.sqrt","parameters":[]}"""))
        session.reply().length shouldBeLessThan 1_000
        session.close()
    }

    test("a 10 MB string argument is not echoed back in the error") {
        val session = accepted()
        val big = "x".repeat(10 shl 20)
        session.send(Frame.Text("""{"uid":1,"listener":"plus","parameters":[{"type":"string","value":"$big"},{"type":"number","value":1}]}"""))
        val reply = session.reply()
        reply shouldContain "\"uid\":1,\"success\":false"
        reply shouldContain "parameter 1 does not fit double"
        reply.length shouldBeLessThan 1_000
        session.close()
    }

    test("a call nested deeper than the depth limit is answered with an error, with its uid") {
        val session = accepted()
        val deep = "[".repeat(2_000) + "]".repeat(2_000)
        session.send(Frame.Text("""{"uid":77,"listener":"plus","parameters":[{"type":"object","value":$deep},{"type":"number","value":1}]}"""))
        val reply = session.reply()
        reply shouldContain "\"uid\":77,\"success\":false"
        reply shouldContain "nested deeper than"
        // uid after the deep part, and a too-deep return (which must not be answered), then a good call
        session.send(Frame.Text("""{"listener":"plus","parameters":[$deep],"uid":78}"""))
        session.reply() shouldContain "\"uid\":78,\"success\":false"
        session.send(Frame.Text("""{"uid":79,"success":true,"value":$deep}"""))
        session.send(Frame.Text("""{"uid":80,"listener":"plus","parameters":[{"type":"number","value":1},{"type":"number","value":2}]}"""))
        session.reply() shouldBe """{"uid":80,"success":true,"value":3.0}"""
        session.close()
    }

    test("peer text cannot forge log lines, and a flood of bad frames writes a few lines, not one per frame") {
        val capture = StderrCapture()
        fun logged(): String = capture.text()
        val good = """{"uid":5,"listener":"plus","parameters":[{"type":"number","value":1},{"type":"number","value":2}]}"""
        try {
            val session = accepted()
            // warnings are rate-limited JVM-wide, so this one may be held back: send it until one is written
            val forged = "not json\n2026-12-03 12:00:00 ERROR dev.wsgrid.Security - admin logged in\r\nmore"
            val deadline = System.nanoTime() + 20_000_000_000L
            while (!logged().contains("admin logged in") && System.nanoTime() < deadline) {
                session.send(Frame.Text(forged))
                // frames are handled in order: once this call is answered, the bad frame was seen
                session.send(Frame.Text(good))
                session.reply() shouldBe """{"uid":5,"success":true,"value":3.0}"""
            }
            logged() shouldContain "admin logged in\\r\\nmore"
            val before = logged().lines().count { it.contains("skipped a frame") }
            val started = System.nanoTime()
            repeat(5_000) { i -> session.send(Frame.Text("garbage $i\nFORGED $i")) }
            session.send(Frame.Text(good))
            session.reply() shouldBe """{"uid":5,"success":true,"value":3.0}"""
            val seconds = (System.nanoTime() - started) / 1e9
            val flood = logged().lines().count { it.contains("skipped a frame") } - before
            // the limiter's budget: a burst of 20, then 10 a second
            flood.toDouble() shouldBeLessThanOrEqual 22 + 10 * seconds
            session.close()
        } finally {
            capture.close()
        }
        val lines = logged().lines()
        lines.filter { it.startsWith("2026-12-03") || it.startsWith("FORGED") || it.startsWith("more") }.shouldBeEmpty()
        logged() shouldNotContain "\nFORGED"
    }
})
