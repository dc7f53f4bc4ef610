package dev.wsgrid.examples.guide

import dev.wsgrid.ktor.server.wsgrid
import io.ktor.server.application.Application
import io.ktor.server.application.install
import io.ktor.server.cio.CIO
import io.ktor.server.engine.EmbeddedServer
import io.ktor.server.engine.embeddedServer
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.routing
import io.ktor.server.websocket.WebSockets

// The Ktor embedding of docs/guide/getting-started.md and the README; GuideSamplesRunSpec runs it.

// region ktor-module
fun Application.calculatorModule() {
    install(WebSockets)                                   // wsgrid's route fails early without it
    routing {
        get("/health") { call.respondText("ok") }
        wsgrid<Credentials, ICalculator>("/calculator") { acceptor -> acceptor.accept(Calculator()) }
    }
}
// endregion

/** Starts the module on a free port of 127.0.0.1. */
suspend fun startKtorApplication(): EmbeddedServer<*, *> {
    // region ktor-start
    val server = embeddedServer(CIO, host = "127.0.0.1", port = 0, module = Application::calculatorModule)
    server.startSuspend(wait = false)
    val port = server.engine.resolvedConnectors().first().port  // ws://127.0.0.1:$port/calculator
    // endregion
    check(port > 0)
    return server
}
