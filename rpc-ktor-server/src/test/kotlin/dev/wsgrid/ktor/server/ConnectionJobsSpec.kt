package dev.wsgrid.ktor.server

import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.rpc.CloseCodes
import dev.wsgrid.rpc.HandshakeRejectedException
import io.kotest.assertions.nondeterministic.eventually
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.ktor.server.application.install
import io.ktor.server.engine.connector
import io.ktor.server.engine.embeddedServer
import io.ktor.server.netty.Netty
import io.ktor.server.routing.routing
import io.ktor.server.websocket.WebSockets
import kotlinx.serialization.json.jsonPrimitive
import kotlin.time.Duration.Companion.seconds

/**
 * A connection's coroutines end with it. Each connection of the fast path is served by a
 * coroutine of its route, and its acceptor's job is a child of that coroutine: an acceptor whose
 * job stayed active kept that coroutine from completing, and the route's job held every one of
 * them (the 10-minute soak grew the server's heap by 45% that way, ~300 bytes per connection).
 */
class ConnectionJobsSpec : FunSpec({
    test("300 clients that connect, call and leave, and 50 rejected, leave none of the route's coroutines behind") {
        lateinit var registry: AcceptorRegistry<kotlinx.serialization.json.JsonElement, ICalculator>
        val app = embeddedServer(Netty, configure = {
            connector { host = "127.0.0.1"; port = 0 }
            wsgridEventLoops()
        }) {
            install(WebSockets)
            routing {
                registry = wsgridAnyHeader<ICalculator>("/calculator") { acceptor ->
                    if (acceptor.header.jsonPrimitive.content == "no") acceptor.reject(4003, "no") else acceptor.accept(Calculator())
                }
            }
        }
        app.startSuspend(wait = false)
        val port = app.engine.resolvedConnectors().first().port
        try {
            repeat(300) {
                val connector = WebSocketConnector("yes")
                connector.connect("ws://127.0.0.1:$port/calculator")
                connector.getDriver<ICalculator>().plus(it.toDouble(), 1.0) shouldBe it + 1.0
                connector.close()
            }
            repeat(50) {
                shouldThrow<HandshakeRejectedException> { WebSocketConnector("no").connect("ws://127.0.0.1:$port/calculator") }.code shouldBe 4003
            }
            val jobs = registry.connectionsJob!!
            eventually(10.seconds) {
                registry.count() shouldBe 0
                jobs.children.count() shouldBe 0
            }
            // and the route still serves
            val last = WebSocketConnector("yes")
            last.connect("ws://127.0.0.1:$port/calculator")
            last.getDriver<ICalculator>().plus(1.0, 1.0) shouldBe 2.0
            last.close(CloseCodes.NORMAL, "")
        } finally {
            app.stopSuspend(0, 1_000)
        }
    }
})
