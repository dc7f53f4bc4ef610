package dev.wsgrid.ktor.server

import dev.wsgrid.ktor.client.ConnectorOptions
import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.rpc.CommunicatorState
import dev.wsgrid.rpc.ConnectException
import dev.wsgrid.rpc.ConnectionClosedException
import dev.wsgrid.rpc.HandshakeRejectedException
import dev.wsgrid.rpc.RemoteException
import io.kotest.assertions.nondeterministic.eventually
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.serialization.json.JsonElement
import java.net.BindException
import kotlin.time.Duration.Companion.seconds

class WebSocketServerSpec : FunSpec({

    test("a calculator or a vector by path; a connector connects again and again") {
        val server = WebSocketServer<JsonElement, Any>()
        server.open("127.0.0.1", 0) { acceptor ->
            acceptor.accept(if ("calculator" in acceptor.path) Calculator() else Vector())
        }
        server.state shouldBe ServerState.OPEN
        val connector = WebSocketConnector<Nothing?, Any>(null)
        for (path in listOf("calculator", "vector")) repeat(3) {
            connector.connect("ws://127.0.0.1:${server.port}/$path?round=$it")
            connector.state shouldBe CommunicatorState.OPEN
            if (path == "calculator") {
                val calc = connector.getDriver<ICalculator>()
                calc.plus(1.0, 2.0) shouldBe 3.0
                calc.scientific.sqrt(9.0) shouldBe 3.0
                shouldThrow<RemoteException> { calc.divides(1.0, 0.0) }.message shouldBe "Divided by zero."
            } else {
                val vector = connector.getDriver<IVector>()
                vector.push(7) shouldBe 1
                vector.size() shouldBe 1
            }
            connector.close()
            connector.state shouldBe CommunicatorState.CLOSED
        }
        server.close()
        server.state shouldBe ServerState.CLOSED
    }

    test("the header decides: accepted, or rejected with a code and reason the connector reports") {
        val server = WebSocketServer<Credentials, Calculator>(Credentials::class.java)
        server.open("127.0.0.1", 0) { acceptor ->
            if (acceptor.header.token == "secret") acceptor.accept(Calculator()) else acceptor.reject(4003, "bad token ${acceptor.header.token}")
        }
        val good = WebSocketConnector<Credentials, Any>(Credentials("secret"))
        good.connect("http://127.0.0.1:${server.port}/")
        good.getDriver<ICalculator>().plus(2.0, 2.0) shouldBe 4.0
        val bad = WebSocketConnector<Credentials, Any>(Credentials("guess"))
        val rejected = shouldThrow<HandshakeRejectedException> { bad.connect("ws://127.0.0.1:${server.port}/") }
        rejected.code shouldBe 4003
        rejected.reason shouldBe "bad token guess"
        bad.state shouldBe CommunicatorState.CLOSED
        good.close()
        server.close()
    }

    test("the server calls the client's provider") {
        val server = WebSocketServer<JsonElement, Any>()
        server.open("127.0.0.1", 0) { acceptor ->
            acceptor.accept(null)
            acceptor.getDriver<IPrinter>().print("hello from ${acceptor.path}")
        }
        val printer = Printer()
        val connector = WebSocketConnector<Nothing?, IPrinter>(null, printer)
        connector.connect("ws://127.0.0.1:${server.port}/room")
        eventually(5.seconds) { printer.lines.toList() shouldBe listOf("hello from /room") }
        connector.close()
        server.close()
    }

    test("closing from either side fails the calls pending on both") {
        val serverWaiter = Waiter()
        val server = WebSocketServer<JsonElement, IWaiter>()
        server.open("127.0.0.1", 0) { it.accept(serverWaiter) }
        val clientWaiter = Waiter()
        val connector = WebSocketConnector<Nothing?, IWaiter>(null, clientWaiter)
        connector.connect("ws://127.0.0.1:${server.port}")
        eventually(5.seconds) { server.acceptors.size shouldBe 1 }
        val acceptor = server.acceptors.single()
        coroutineScope {
            val fromClient = async { runCatching { connector.getDriver<IWaiter>().hold(1) } }
            val fromServer = async { runCatching { acceptor.getDriver<IWaiter>().hold(2) } }
            eventually(5.seconds) {
                serverWaiter.held.size shouldBe 1
                clientWaiter.held.size shouldBe 1
            }
            acceptor.close(4100, "server says bye")
            val c = fromClient.await().exceptionOrNull() as ConnectionClosedException
            c.code shouldBe 4100
            c.reason shouldBe "server says bye"
            (fromServer.await().exceptionOrNull() as ConnectionClosedException).code shouldBe 4100
        }
        connector.join(5.seconds) shouldBe true
        eventually(5.seconds) { server.acceptors.size shouldBe 0 }
        server.close()
    }

    test("server close with 100 clients connected fails their pending calls and closes them all") {
        val waiter = Waiter()
        val server = WebSocketServer<JsonElement, IWaiter>()
        server.open("127.0.0.1", 0) { it.accept(waiter) }
        val connectors = (1..100).map { WebSocketConnector<Nothing?, Any>(null) }
        coroutineScope {
            connectors.map { c -> async { c.connect("ws://127.0.0.1:${server.port}") } }.awaitAll()
            eventually(10.seconds) { server.acceptors.size shouldBe 100 }
            val calls = connectors.mapIndexed { i, c -> async { runCatching { c.getDriver<IWaiter>().hold(i) } } }
            eventually(10.seconds) { waiter.held.size shouldBe 100 }
            server.close()
            for (call in calls) {
                val e = call.await().exceptionOrNull()
                (e is ConnectionClosedException) shouldBe true
            }
        }
        for (c in connectors) c.join(5.seconds) shouldBe true
        server.state shouldBe ServerState.CLOSED
    }

    test("opening twice, a port in use and reopening after close") {
        val server = WebSocketServer<JsonElement, Calculator>()
        server.open("127.0.0.1", 0) { it.accept(Calculator()) }
        shouldThrow<IllegalStateException> { server.open("127.0.0.1", 0) { it.accept(Calculator()) } }.message shouldBe
            "cannot open: the server is OPEN"
        val other = WebSocketServer<JsonElement, Calculator>()
        shouldThrow<BindException> { other.open("127.0.0.1", server.port) { it.accept(Calculator()) } }.message shouldBe
            "cannot open the server on 127.0.0.1:${server.port}: the port is in use"
        other.state shouldBe ServerState.CLOSED
        server.close()
        server.open("127.0.0.1", 0) { it.accept(Calculator()) }
        val connector = WebSocketConnector<Nothing?, Any>(null)
        connector.connect("ws://127.0.0.1:${server.port}")
        connector.getDriver<ICalculator>().plus(1.0, 1.0) shouldBe 2.0
        connector.close()
        server.close()
    }

    test("the pre-upgrade check refuses a client with an HTTP status") {
        val options = ServerOptions.builder().verifier { request ->
            if (request.header("x-api-key") == "k1") null else 403
        }.build()
        val server = WebSocketServer<JsonElement, Calculator>(options = options)
        server.open("127.0.0.1", 0) { it.accept(Calculator()) }
        val refused = shouldThrow<ConnectException> { WebSocketConnector<Nothing?, Any>(null).connect("ws://127.0.0.1:${server.port}/") }
        refused.message!! shouldContain "403"
        val allowed = WebSocketConnector<Nothing?, Any>(null, connectorOptions = ConnectorOptions.builder().header("X-Api-Key", "k1").build())
        allowed.connect("ws://127.0.0.1:${server.port}/")
        allowed.getDriver<ICalculator>().plus(1.0, 2.0) shouldBe 3.0
        allowed.close()
        server.close()
    }

    test("an unreachable server fails the connect with a clear error") {
        val e = shouldThrow<ConnectException> { WebSocketConnector<Nothing?, Any>(null).connect("ws://127.0.0.1:1/") }
        e.message!! shouldContain "cannot connect to ws://127.0.0.1:1/"
        shouldThrow<IllegalArgumentException> { WebSocketConnector<Nothing?, Any>(null).connect("ftp://127.0.0.1/") }.message shouldBe
            "cannot connect to ftp://127.0.0.1/: the scheme must be ws, wss, http or https"
    }
})
