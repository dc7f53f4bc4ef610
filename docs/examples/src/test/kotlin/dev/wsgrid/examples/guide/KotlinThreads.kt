package dev.wsgrid.examples.guide

import io.ktor.server.application.Application
import io.ktor.server.engine.EmbeddedServer

// region kotlin-threads-imports
import dev.wsgrid.ktor.client.ClientEngine
import dev.wsgrid.ktor.client.ConnectorOptions
import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.ktor.server.ServerEngine
import dev.wsgrid.ktor.server.ServerOptions
import dev.wsgrid.ktor.server.WebSocketServer
import dev.wsgrid.ktor.server.wsgridEventLoops
import io.ktor.server.engine.connector
import io.ktor.server.engine.embeddedServer
import io.ktor.server.netty.Netty
// endregion

// The Kotlin samples of docs/guide/threads.md; GuideSamplesRunSpec runs them.

/** The calculator module of the getting-started guide, in an application on Netty with wsgrid's fast path. */
suspend fun startNettyApplication(): EmbeddedServer<*, *> {
    // region kotlin-threads-netty-app
    val server = embeddedServer(Netty, configure = {
        connector { host = "127.0.0.1"; port = 0 }
        wsgridEventLoops()                        // the wsgrid routes serve on Netty's event loops
    }, module = Application::calculatorModule)
    server.startSuspend(wait = false)
    // endregion
    return server
}

/** A calculator served on CIO and called through a CIO connector: `1 + 2`. */
suspend fun cioEngines(): Double {
    // region kotlin-threads-engines
    val server = WebSocketServer<Credentials, ICalculator>(ServerOptions { engine = ServerEngine.CIO })
    server.open("127.0.0.1", 0) { acceptor -> acceptor.accept(Calculator()) }
    val connector = WebSocketConnector(Credentials("secret"), ConnectorOptions { engine = ClientEngine.CIO })
    connector.connect("ws://127.0.0.1:${server.port}/")
    val sum = connector.getDriver<ICalculator>().plus(1.0, 2.0)
    // endregion
    connector.close()
    server.close()
    return sum
}
