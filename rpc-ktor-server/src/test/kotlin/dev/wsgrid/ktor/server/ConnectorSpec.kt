package dev.wsgrid.ktor.server

import dev.wsgrid.ktor.client.ConnectorOptions
import dev.wsgrid.ktor.client.WebSocketConnector
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
import io.ktor.client.plugins.websocket.WebSockets as ClientWebSockets
import io.ktor.server.application.install
import io.ktor.server.cio.CIO
import io.ktor.server.engine.embeddedServer
import io.ktor.server.routing.routing
import io.ktor.server.websocket.WebSockets
import io.ktor.server.websocket.webSocket
import io.ktor.server.websocket.webSocketRaw
import io.ktor.websocket.Frame
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.coroutineScope
import kotlinx.serialization.json.JsonElement
import java.time.Duration
import kotlin.time.Duration.Companion.seconds
import io.ktor.client.engine.cio.CIO as ClientCIO

class ConnectorSpec : FunSpec({

    /** A bare Ktor server playing a misbehaving wsgrid server. */
    suspend fun bareServer(configure: io.ktor.server.routing.Routing.() -> Unit): Pair<Int, suspend () -> Unit> {
        val app = embeddedServer(CIO, host = "127.0.0.1", port = 0) {
            install(WebSockets)
            routing(configure)
        }
        app.startSuspend(wait = false)
        return app.engine.resolvedConnectors().first().port to { app.stopSuspend(0, 500) }
    }

    test("a server that answers the header with anything but 1 fails the connect") {
        val (port, stop) = bareServer {
            webSocket("/") {
                incoming.receive()
                outgoing.send(Frame.Text("2"))
                awaitCancellation()
            }
        }
        val e = shouldThrow<HandshakeRejectedException> { WebSocketConnector<Nothing?, Any>(null).connect("ws://127.0.0.1:$port/") }
        e.message shouldBe "cannot connect to ws://127.0.0.1:$port/: the server answered the header with \"2\" instead of \"1\""
        stop()
    }

    test("a connector with pings drops a server that stops answering them, failing its pending calls") {
        val (port, stop) = bareServer {
            // a raw session answers pings only when told to: this server answers them until the call
            // arrives, then hangs, so however slow the machine the call is pending when pongs stop
            webSocketRaw("/") {
                incoming.receive()
                outgoing.send(Frame.Text(Handshake.ACCEPT))
                for (frame in incoming) {
                    if (frame is Frame.Ping) outgoing.send(Frame.Pong(frame.data)) else if (frame is Frame.Text) break
                }
                awaitCancellation()
            }
        }
        val options = ConnectorOptions.builder().pingInterval(Duration.ofMillis(100)).pongTimeout(Duration.ofMillis(300)).build()
        val connector = WebSocketConnector<Nothing?, Any>(null, connectorOptions = options)
        connector.connect("ws://127.0.0.1:$port/")
        val e = shouldThrow<ConnectionClosedException> { connector.getDriver<IPrinter>().print("hello?") }
        e.cause.shouldBeInstanceOf<HeartbeatLostException>()
        connector.join(5.seconds) shouldBe true
        stop()
    }

    test("closing the connector fails the calls pending on both sides") {
        val waiter = Waiter()
        val server = WebSocketServer<JsonElement, IWaiter>()
        server.open("127.0.0.1", 0) { it.accept(waiter) }
        val clientWaiter = Waiter()
        val connector = WebSocketConnector<Nothing?, IWaiter>(null, clientWaiter)
        connector.connect("ws://127.0.0.1:${server.port}/")
        eventually(5.seconds) { server.acceptors.size shouldBe 1 }
        val acceptor = server.acceptors.single()
        coroutineScope {
            val mine = async { runCatching { connector.getDriver<IWaiter>().hold(1) } }
            val theirs = async { runCatching { acceptor.getDriver<IWaiter>().hold(2) } }
            eventually(5.seconds) {
                waiter.held.size shouldBe 1
                clientWaiter.held.size shouldBe 1
            }
            connector.close(4200, "client leaves")
            (mine.await().exceptionOrNull() as ConnectionClosedException).reason shouldBe "client leaves"
            val e = theirs.await().exceptionOrNull() as ConnectionClosedException
            e.code shouldBe 4200
            e.reason shouldBe "client leaves"
        }
        acceptor.join(5.seconds) shouldBe true
        server.close()
    }

    test("connectors can share one Ktor client, which stays the caller's") {
        val server = WebSocketServer<JsonElement, Calculator>()
        server.open("127.0.0.1", 0) { it.accept(Calculator()) }
        val http = HttpClient(ClientCIO) { install(ClientWebSockets) }
        val options = ConnectorOptions.builder().httpClient(http).build()
        val a = WebSocketConnector<Nothing?, Any>(null, connectorOptions = options)
        val b = WebSocketConnector<Nothing?, Any>(null, connectorOptions = options)
        a.connect("ws://127.0.0.1:${server.port}/")
        b.connect("ws://127.0.0.1:${server.port}/")
        a.close()
        b.getDriver<ICalculator>().plus(1.0, 2.0) shouldBe 3.0
        b.close()
        a.connect("ws://127.0.0.1:${server.port}/")
        a.getDriver<ICalculator>().plus(2.0, 2.0) shouldBe 4.0
        a.close()
        http.close()
        server.close()
    }
})
