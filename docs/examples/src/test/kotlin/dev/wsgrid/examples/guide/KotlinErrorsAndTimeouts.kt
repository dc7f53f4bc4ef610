package dev.wsgrid.examples.guide

import dev.wsgrid.examples.ICalculator
import dev.wsgrid.examples.Token
import dev.wsgrid.ktor.client.ConnectorOptions
import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.rpc.ConnectionClosedException
import dev.wsgrid.rpc.RemoteException
import dev.wsgrid.rpc.withCallTimeout
import kotlin.time.Duration.Companion.seconds

// The Kotlin samples of docs/guide/errors-and-timeouts.md, run by GuideSamplesRunSpec against the examples' calculator.

/** Calls the calculator at [url] as the guide shows; returns what it printed. */
suspend fun kotlinErrorsAndTimeouts(url: String): List<Any> {
    val printed = mutableListOf<Any>()
    fun println(value: Any) = printed.add(value)
    // region kotlin-timeouts
    val options = ConnectorOptions {
        handshakeTimeout = 5.seconds
        communicator { callTimeout = 30.seconds }             // every call of this connector
    }
    val connector = WebSocketConnector(Token("demo"), options)
    connector.connect(url)
    val calc = connector.getDriver<ICalculator>()
    val sum = withCallTimeout(5.seconds) { calc.plus(1.0, 2.0) }  // the calls in the block: CallTimeoutException after 5 s
    // endregion
    println(sum)
    // region kotlin-errors
    try {
        calc.divides(1.0, 0.0)
    } catch (e: RemoteException) {
        println("${e.name}: ${e.remoteMessage}")                     // IllegalArgumentException: Divided by zero.
    } catch (e: ConnectionClosedException) {
        println("connection lost: ${e.code} ${e.reason}")
    }
    // endregion
    connector.close()
    return printed
}
