package dev.wsgrid.ktor.server

import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.rpc.CloseCodes
import dev.wsgrid.rpc.CommunicatorState
import dev.wsgrid.rpc.Handshake
import io.kotest.assertions.nondeterministic.eventually
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.ints.shouldBeLessThan
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.serialization.json.JsonElement
import java.net.InetSocketAddress
import java.net.Socket
import java.time.Duration
import kotlin.time.Duration.Companion.seconds

/**
 * What a hostile client can do to the server's engine path, on each engine it runs on: a peer
 * that does not read holds at most the outgoing queue's bytes, a peer that vanishes costs one
 * DEBUG line, and (on Netty) a socket dribbling its upgrade is cut and counted.
 */
class HostileEngineSpec : FunSpec({
    // blocking test clients on threads of their own: on Dispatchers.IO they could starve a CIO server of its threads
    val pool = java.util.concurrent.Executors.newFixedThreadPool(32)
    val clients = pool.asCoroutineDispatcher()

    /** [n] clients at once that send their header and a call, then vanish with a TCP reset. */
    suspend fun callAndReset(port: Int, n: Int) = coroutineScope {
        (0 until n).map {
            async(clients) {
                val s = NonReadingClient("127.0.0.1", port)
                s.sendText(Handshake.headerFrame("null"))
                s.sendText("""{"uid":1,"listener":"plus","parameters":[{"type":"number","value":1},{"type":"number","value":2}]}""")
                s.reset()
            }
        }.awaitAll()
    }
    afterSpec { pool.shutdown() }

    for (engine in ServerEngine.entries) {
        test("a client that calls for 128 MiB of replies and reads none holds about maxOutgoingBytes, then is dropped with 1008 ($engine)") {
            val server = WebSocketServer<Credentials, IBlob>(
                Credentials::class.java,
                ServerOptions.builder().engine(engine)
                    .outgoingBuffer(256L shl 10).maxOutgoingBytes(2L shl 20)
                    .sendTimeout(Duration.ofSeconds(2)).build(),
            )
            server.open("127.0.0.1", 0) { it.accept(Blob()) }
            System.gc()
            val heapBefore = usedHeap()
            val socket = NonReadingClient("127.0.0.1", server.port)
            socket.sendText(Handshake.headerFrame("""{"token":"t"}"""))
            eventually(10.seconds) { server.acceptors.size shouldBe 1 }
            val acceptor = server.acceptors.single()
            val closed = CompletableDeferred<Unit>()
            acceptor.addStateListener { _, new -> if (new == CommunicatorState.CLOSED) closed.complete(Unit) }
            var peakHeap = 0L
            withContext(Dispatchers.IO) {
                // 2,048 calls for 64 KiB each: 128 MiB of replies, if the server queued them all
                runCatching {
                    repeat(2_048) { i ->
                        socket.sendText("""{"uid":${i + 1},"listener":"blob","parameters":[{"type":"number","value":65536}]}""")
                        if (i % 256 == 0) peakHeap = maxOf(peakHeap, usedHeap())
                    }
                }
            }
            withTimeout(30_000) { closed.await() }
            System.gc()
            peakHeap = maxOf(peakHeap, usedHeap())
            // a connection holds a few MiB at most; the rest stayed in the client's kernel buffers
            (peakHeap - heapBefore) shouldBeLessThan (64L shl 20)
            eventually(10.seconds) { server.acceptors.size shouldBe 0 }
            socket.close()
            server.close()
        }

        test("clients that vanish mid-call (reset) cost a DEBUG line each, no stack trace, no WARN ($engine)") {
            val server = WebSocketServer<JsonElement, ICalculator>(options = ServerOptions.builder().engine(engine).build())
            server.open("127.0.0.1", 0) { it.accept(Calculator()) }
            val log = captureStderr {
                callAndReset(server.port, 200)
                // served on: a client after the churn gets its answer
                val c = WebSocketConnector<Nothing?, Any>(null).apply { connect("ws://127.0.0.1:${server.port}/") }
                c.getDriver<ICalculator>().plus(2.0, 2.0) shouldBe 4.0
                c.close()
                eventually(10.seconds) { server.acceptors.size shouldBe 0 }
            }
            log.lines().filter { it.contains(" WARN ") || it.contains(" ERROR ") || it.trimStart().startsWith("at ") }.shouldBeEmpty()
            server.close()
        }
    }

    for (engine in ServerEngine.entries) {
        test("300 clients that call and vanish (reset) leave the server's thread count where it was ($engine)") {
            ServerProcess.start(engine).use { server ->
                val c = WebSocketConnector<Nothing?, Any>(null).apply { connect("ws://127.0.0.1:${server.port}/") }
                c.getDriver<ICalculator>().plus(1.0, 1.0) shouldBe 2.0
                val before = server.threads()
                repeat(3) { callAndReset(server.port, 100) }
                c.getDriver<ICalculator>().plus(2.0, 2.0) shouldBe 4.0
                if (engine == ServerEngine.NETTY) {
                    // the event loops do all of it: a pool may start a thread or two it had not needed yet
                    (server.threads() - before) shouldBeLessThan 6
                } else {
                    // CIO runs on Dispatchers.IO, which starts threads for a burst and ends them once idle
                    // (after 2 s in this process): none is held by a client that vanished
                    eventually(30.seconds) { (server.threads() - before) shouldBeLessThan 6 }
                }
                c.close()
            }
        }
    }

    test("sockets dribbling their upgrade a byte at a time are cut after upgradeTimeout, and count towards maxConnections until then (Netty)") {
        val server = WebSocketServer<JsonElement, ICalculator>(
            options = ServerOptions.builder().maxConnections(20).upgradeTimeout(Duration.ofSeconds(2)).build(),
        )
        server.open("127.0.0.1", 0) { it.accept(Calculator()) }
        val request = "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        val dribblers = (0 until 20).map { Socket().apply { connect(InetSocketAddress("127.0.0.1", server.port)); soTimeout = 10_000 } }
        val started = System.nanoTime()
        // while they hold every place, a real client is refused with a close it can read
        val full = runCatching { WebSocketConnector<Nothing?, Any>(null).connect("ws://127.0.0.1:${server.port}/") }.exceptionOrNull()
        (full as dev.wsgrid.rpc.HandshakeRejectedException).code shouldBe CloseCodes.TRY_AGAIN_LATER
        withContext(clients) {
            val cut = dribblers.map { s ->
                async {
                    var i = 0
                    runCatching {
                        while (true) {
                            s.getOutputStream().write(request[i++ % request.length].code)
                            s.getOutputStream().flush()
                            Thread.sleep(200)
                        }
                    }
                    System.nanoTime()
                }
            }.awaitAll()
            // cut by the deadline, not by the end of the request (a byte every 200 ms takes 30 s)
            cut.forEach { (it - started) / 1_000_000 shouldBeLessThan 8_000L }
        }
        // their places are free again
        eventually(10.seconds) {
            WebSocketConnector<Nothing?, Any>(null).apply { connect("ws://127.0.0.1:${server.port}/") }.close()
        }
        dribblers.forEach { it.close() }
        server.close()
    }
})

private fun usedHeap(): Long = Runtime.getRuntime().let { it.totalMemory() - it.freeMemory() }

/** Runs [block] with what this JVM writes to stderr captured (and still shown); answers it. */
private suspend fun captureStderr(block: suspend () -> Unit): String = StderrCapture().use { block(); it.text() }
