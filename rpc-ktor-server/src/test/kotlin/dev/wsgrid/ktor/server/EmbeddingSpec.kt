package dev.wsgrid.ktor.server

import dev.wsgrid.ktor.client.ConnectorOptions
import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.rpc.ConnectException
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.ktor.client.HttpClient
import io.ktor.client.request.get
import io.ktor.client.statement.bodyAsText
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.createRouteScopedPlugin
import io.ktor.server.application.install
import io.ktor.server.response.respond
import io.ktor.server.routing.route
import io.ktor.server.cio.CIO
import io.ktor.server.engine.connector
import io.ktor.server.engine.embeddedServer
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.routing
import io.ktor.server.websocket.WebSockets
import kotlinx.serialization.json.JsonElement
import io.ktor.client.engine.cio.CIO as ClientCIO

class EmbeddingSpec : FunSpec({

    test("wsgrid as a route of a Ktor application, next to its HTTP routes and under its authentication") {
        lateinit var registry: AcceptorRegistry<JsonElement, Calculator>
        val app = embeddedServer(CIO, host = "127.0.0.1", port = 0) {
            install(WebSockets)
            // the application's own authentication, as a route-scoped plugin
            val apiKey = createRouteScopedPlugin("ApiKey") {
                onCall { call -> if (call.request.headers["X-Api-Key"] != "k1") call.respond(HttpStatusCode.Unauthorized) }
            }
            routing {
                get("/health") { call.respondText("ok") }
                route("/secure") {
                    install(apiKey)
                    registry = wsgridAnyHeader("/calculator") { acceptor -> acceptor.accept(Calculator()) }
                }
            }
        }
        app.startSuspend(wait = false)
        val port = app.engine.resolvedConnectors().first().port
        try {
            HttpClient(ClientCIO).use { http -> http.get("http://127.0.0.1:$port/health").bodyAsText() shouldBe "ok" }
            val anonymous = shouldThrow<ConnectException> { WebSocketConnector<Nothing?, Any>(null).connect("ws://127.0.0.1:$port/secure/calculator") }
            anonymous.message!! shouldContain "401"
            val connector = WebSocketConnector<Nothing?, Any>(null, connectorOptions = ConnectorOptions.builder().header("X-Api-Key", "k1").build())
            connector.connect("ws://127.0.0.1:$port/secure/calculator")
            connector.getDriver<ICalculator>().plus(20.0, 22.0) shouldBe 42.0
            // the route agrees to the extensions inside the application too (CIO)
            connector.protocol shouldBe dev.wsgrid.rpc.WireProtocol.WSGRID_V1
            registry.size shouldBe 1
            connector.close()
        } finally {
            app.stopSuspend(0, 1_000)
        }
    }

    test("wsgrid as a route of a Ktor application on the Netty engine") {
        val app = embeddedServer(io.ktor.server.netty.Netty, host = "127.0.0.1", port = 0) {
            install(WebSockets)
            routing { wsgridAnyHeader<Calculator>("/calculator") { it.accept(Calculator()) } }
        }
        app.startSuspend(wait = false)
        val port = app.engine.resolvedConnectors().first().port
        try {
            val connector = WebSocketConnector<Nothing?, Any>(null)
            connector.connect("ws://127.0.0.1:$port/calculator")
            connector.getDriver<ICalculator>().scientific.sqrt(16.0) shouldBe 4.0
            connector.protocol shouldBe dev.wsgrid.rpc.WireProtocol.WSGRID_V1
            connector.close()
        } finally {
            app.stopSuspend(0, 1_000)
        }
    }

    test("a Ktor application on Netty with wsgridEventLoops() serves the route on its event loops, under its own plugins") {
        val served = java.util.concurrent.CopyOnWriteArrayList<String>()
        val app = embeddedServer(io.ktor.server.netty.Netty, configure = {
            connector { host = "127.0.0.1"; port = 0 }
            wsgridEventLoops()
        }) {
            install(WebSockets)
            val apiKey = createRouteScopedPlugin("ApiKey") {
                onCall { call -> if (call.request.headers["X-Api-Key"] != "k1") call.respond(HttpStatusCode.Unauthorized) }
            }
            routing {
                get("/health") { call.respondText("ok") }
                route("/secure") {
                    install(apiKey)
                    wsgridAnyHeader<ICalculator>("/calculator") { it.accept(ThreadRecordingCalculator(served)) }
                }
            }
        }
        app.startSuspend(wait = false)
        val port = app.engine.resolvedConnectors().first().port
        try {
            HttpClient(ClientCIO).use { http -> http.get("http://127.0.0.1:$port/health").bodyAsText() shouldBe "ok" }
            shouldThrow<ConnectException> { WebSocketConnector<Nothing?, Any>(null).connect("ws://127.0.0.1:$port/secure/calculator") }.message!! shouldContain "401"
            val connector = WebSocketConnector<Nothing?, Any>(null, connectorOptions = ConnectorOptions.builder().header("X-Api-Key", "k1").build())
            connector.connect("ws://127.0.0.1:$port/secure/calculator")
            connector.getDriver<ICalculator>().plus(20.0, 22.0) shouldBe 42.0
            connector.protocol shouldBe dev.wsgrid.rpc.WireProtocol.WSGRID_V1
            // the provider ran on the connection's Netty event loop (wsgrid's own upgrade), not on Ktor's threads
            served.single() shouldContain "eventLoopGroup"
            connector.close()
        } finally {
            app.stopSuspend(0, 1_000)
        }
    }

    test("without the WebSockets plugin, the route fails early and says what is missing") {
        val app = embeddedServer(CIO, host = "127.0.0.1", port = 0) {
            routing { wsgridAnyHeader<Calculator>("/calculator") { it.accept(Calculator()) } }
        }
        val e = shouldThrow<IllegalStateException> { app.startSuspend(wait = false) }
        e.message shouldBe "wsgrid(\"/calculator\") needs Ktor's WebSockets plugin: call install(WebSockets) before routing"
        runCatching { app.stopSuspend(0, 0) }
    }
})

/** A calculator that notes which thread ran each call. */
private class ThreadRecordingCalculator(private val threads: MutableList<String>) : ICalculator by Calculator() {
    override suspend fun plus(x: Double, y: Double): Double {
        threads.add(Thread.currentThread().name)
        return x + y
    }
}
