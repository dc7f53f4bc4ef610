package dev.wsgrid.ktor.server

import dev.wsgrid.ktor.client.ConnectorOptions
import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.rpc.CallTimeoutException
import dev.wsgrid.rpc.HandshakeRejectedException
import dev.wsgrid.rpc.IdConflictException
import io.kotest.assertions.nondeterministic.eventually
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactlyInAnyOrder
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import io.ktor.client.HttpClient
import io.ktor.client.engine.cio.CIO
import io.ktor.client.plugins.websocket.WebSockets
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.sync.Semaphore
import kotlinx.coroutines.sync.withPermit
import kotlinx.serialization.Serializable
import java.time.Duration
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.seconds

@Serializable
data class Hello(val name: String, val room: String? = null)

interface ILobby {
    suspend fun enter(room: String): Boolean
    suspend fun leave(room: String): Boolean
}

class RoomsSpec : FunSpec({

    test("ids: random by default, chosen by the handler, unique among open connections, found by the server") {
        val server = WebSocketServer<Hello, ILobby>(Hello::class.java)
        server.open("127.0.0.1", 0) { acceptor ->
            val random = acceptor.id
            random.length shouldBe 36
            acceptor.id = acceptor.header.name
            try {
                acceptor.accept(object : ILobby {
                    override suspend fun enter(room: String) = acceptor.enter(room)
                    override suspend fun leave(room: String) = acceptor.leave(room)
                })
            } catch (e: IdConflictException) {
                acceptor.reject(4009, e.message!!)
            }
            shouldThrow<IllegalStateException> { acceptor.id = "late" }
        }
        val ann = WebSocketConnector<Hello, Any>(Hello("ann")).apply { connect("ws://127.0.0.1:${server.port}/") }
        eventually(5.seconds) { server.find("ann")?.path shouldBe "/" }
        val twin = shouldThrow<HandshakeRejectedException> { WebSocketConnector<Hello, Any>(Hello("ann")).connect("ws://127.0.0.1:${server.port}/") }
        twin.code shouldBe 4009
        twin.reason shouldBe "the id 'ann' is taken by another connection"
        ann.close()
        eventually(5.seconds) { server.find("ann") shouldBe null }
        WebSocketConnector<Hello, Any>(Hello("ann")).apply { connect("ws://127.0.0.1:${server.port}/") }.close()
        server.close()
    }

    test("rooms: made on first entry, gone when empty, left on close") {
        val server = WebSocketServer<Hello, ILobby>(Hello::class.java)
        server.open("127.0.0.1", 0) { acceptor ->
            acceptor.id = acceptor.header.name
            acceptor.accept(object : ILobby {
                override suspend fun enter(room: String) = acceptor.enter(room)
                override suspend fun leave(room: String) = acceptor.leave(room)
            })
        }
        val a = WebSocketConnector<Hello, Any>(Hello("a")).apply { connect("ws://127.0.0.1:${server.port}/") }
        val b = WebSocketConnector<Hello, Any>(Hello("b")).apply { connect("ws://127.0.0.1:${server.port}/") }
        a.getDriver<ILobby>().enter("red") shouldBe true
        a.getDriver<ILobby>().enter("red") shouldBe false
        a.getDriver<ILobby>().enter("blue") shouldBe true
        b.getDriver<ILobby>().enter("red") shouldBe true
        server.rooms shouldBe setOf("red", "blue")
        server.room("red")!!.members.map { it.id } shouldContainExactlyInAnyOrder listOf("a", "b")
        server.find("a")!!.rooms shouldBe setOf("red", "blue")
        a.getDriver<ILobby>().leave("blue") shouldBe true
        server.rooms shouldBe setOf("red")
        a.close()
        eventually(5.seconds) { server.room("red")!!.members.map { it.id } shouldBe listOf("b") }
        b.close()
        eventually(5.seconds) { server.rooms shouldBe emptySet() }
        server.close()
    }

    test("a broadcast to 1,000 members of a room while 10 of them are dead completes and reports the 10") {
        val server = WebSocketServer<Hello, ILobby>(Hello::class.java)
        server.open("127.0.0.1", 0) { acceptor ->
            acceptor.id = acceptor.header.name
            acceptor.accept(null)
            acceptor.enter(acceptor.header.room!!)
        }
        val delivered = AtomicInteger()
        // one shared client for all: CIO keeps at most 100 connections per host unless told otherwise
        val http = HttpClient(CIO) {
            install(WebSockets)
            engine {
                maxConnectionsCount = 2_000
                endpoint.maxConnectionsPerRoute = 2_000
            }
        }
        val options = ConnectorOptions.builder().httpClient(http).build()
        val connecting = Semaphore(32) // the listen backlog is small: connect a few at a time
        val connectors = coroutineScope {
            (0 until 1_000).map { i ->
                async {
                    connecting.withPermit {
                    val dead = i % 100 == 7
                    val printer = object : IPrinter {
                        override suspend fun print(line: String) {
                            if (dead) awaitCancellation()
                            delivered.incrementAndGet()
                        }
                    }
                    WebSocketConnector<Hello, IPrinter>(Hello("m$i", "hall"), printer, options).apply { connect("ws://127.0.0.1:${server.port}/") }
                    }
                }
            }.awaitAll()
        }
        eventually(10.seconds) { server.room("hall")!!.size shouldBe 1_000 }
        val started = System.nanoTime()
        val result = server.room("hall")!!.broadcast(IPrinter::class.java, Duration.ofSeconds(8)) { it.print("news") } // wide: a loaded machine still answers 990 calls within it
        val tookMs = (System.nanoTime() - started) / 1_000_000
        result.delivered.size shouldBe 990
        result.failed.keys shouldBe (0 until 1_000).filter { it % 100 == 7 }.map { "m$it" }.toSet()
        result.failed.values.forEach { it.shouldBeInstanceOf<CallTimeoutException>() }
        delivered.get() shouldBe 990
        (tookMs < 30_000) shouldBe true
        coroutineScope { connectors.map { c -> async { c.close() } }.awaitAll() }
        http.close()
        server.close()
    }

    test("server listeners hear of listening, connections, disconnections and handler errors") {
        val events = CopyOnWriteArrayList<String>()
        val listener = object : ServerListener() {
            override fun onListening(host: String, port: Int) { events.add("listening $host") }
            override fun onConnection(acceptor: WebSocketAcceptor<*, *>) { events.add("connection ${acceptor.path}") }
            override fun onDisconnection(acceptor: WebSocketAcceptor<*, *>, code: Int, reason: String) { events.add("disconnection $code $reason") }
            override fun onError(error: Throwable, acceptor: WebSocketAcceptor<*, *>?) { events.add("error ${error.message}") }
        }
        val server = WebSocketServer<Hello, ILobby>(Hello::class.java, ServerOptions.builder().listener(listener).build())
        server.open("127.0.0.1", 0) { acceptor ->
            if (acceptor.header.name == "boom") error("the handler broke")
            acceptor.accept(null)
        }
        val c = WebSocketConnector<Hello, Any>(Hello("x")).apply { connect("ws://127.0.0.1:${server.port}/lobby") }
        c.close(4321, "done")
        shouldThrow<HandshakeRejectedException> { WebSocketConnector<Hello, Any>(Hello("boom")).connect("ws://127.0.0.1:${server.port}/") }
        eventually(5.seconds) {
            events.toList() shouldBe listOf("listening 127.0.0.1", "connection /lobby", "disconnection 4321 done", "error the handler broke")
        }
        server.close()
    }
})
