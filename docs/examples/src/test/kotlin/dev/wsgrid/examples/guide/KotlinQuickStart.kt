package dev.wsgrid.examples.guide

import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.ktor.server.WebSocketServer
import kotlinx.serialization.Serializable

// The Kotlin quick start of docs/guide/getting-started.md and the README: the regions are the
// guide's code blocks (GuideSamplesSpec compares them), and GuideSamplesRunSpec runs it.

// region kotlin-service
interface ICalculator {
    suspend fun plus(x: Double, y: Double): Double
    val scientific: IScientific                          // a nested object: "scientific.sqrt"
}
interface IScientific { suspend fun sqrt(x: Double): Double }
@Serializable data class Credentials(val token: String)

class Calculator : ICalculator {
    override suspend fun plus(x: Double, y: Double) = x + y
    override val scientific = object : IScientific {
        override suspend fun sqrt(x: Double) = kotlin.math.sqrt(x)
    }
}
// endregion

/** Runs the quick start on a free port; returns what it printed. */
suspend fun kotlinQuickStart(): List<Any> {
    val printed = mutableListOf<Any>()
    fun println(value: Any) = printed.add(value)
    // region kotlin-use
    val server = WebSocketServer<Credentials, ICalculator>()   // headers decoded to Credentials
    server.open("127.0.0.1", 0) { acceptor ->                 // port 0 picks a free port: server.port
        if (acceptor.header.token == "secret") acceptor.accept(Calculator()) else acceptor.reject("unknown token")
    }
    val connector = WebSocketConnector(Credentials("secret"))   // serves nothing to the server
    connector.connect("ws://127.0.0.1:${server.port}/calculator")
    val calc = connector.getDriver<ICalculator>()
    println(calc.plus(1.0, 2.0))                              // 3.0
    println(calc.scientific.sqrt(16.0))                       // 4.0, and cancellable like any suspend call
    connector.close()
    server.close()
    // endregion
    return printed
}
