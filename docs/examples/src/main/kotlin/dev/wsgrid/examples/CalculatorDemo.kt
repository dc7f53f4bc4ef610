package dev.wsgrid.examples

import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.ktor.server.WebSocketServer
import dev.wsgrid.rpc.HandshakeRejectedException
import dev.wsgrid.rpc.RemoteException
import kotlinx.serialization.Serializable
import kotlin.math.ln
import kotlin.math.pow
import kotlin.math.sqrt

/** The header a client sends: the server lets in only the right token. */
@Serializable
data class Token(val token: String)

/** TGrid's calculator, as a service interface: the remote side sees exactly these members. */
interface ICalculator {
    suspend fun plus(x: Double, y: Double): Double
    suspend fun minus(x: Double, y: Double): Double
    suspend fun multiplies(x: Double, y: Double): Double
    suspend fun divides(x: Double, y: Double): Double
    val scientific: IScientific
    val statistics: IStatistics
}

interface IScientific {
    suspend fun pow(x: Double, y: Double): Double
    suspend fun sqrt(x: Double): Double
    suspend fun log(x: Double, y: Double): Double
}

interface IStatistics {
    suspend fun mean(vararg elems: Double): Double
    suspend fun stdev(vararg elems: Double): Double
}

/** The provider: a plain class implementing the service interface. */
class Calculator : ICalculator {
    override suspend fun plus(x: Double, y: Double) = x + y
    override suspend fun minus(x: Double, y: Double) = x - y
    override suspend fun multiplies(x: Double, y: Double) = x * y
    override suspend fun divides(x: Double, y: Double): Double {
        if (y == 0.0) throw IllegalArgumentException("Divided by zero.")
        return x / y
    }

    override val scientific: IScientific = object : IScientific {
        override suspend fun pow(x: Double, y: Double) = x.pow(y)
        override suspend fun sqrt(x: Double): Double {
            if (x < 0) throw IllegalArgumentException("Negative value on square.")
            return kotlin.math.sqrt(x)
        }
        override suspend fun log(x: Double, y: Double): Double {
            if (x < 0 || y < 0) throw IllegalArgumentException("Negative value on log.")
            return ln(y) / ln(x)
        }
    }

    override val statistics: IStatistics = object : IStatistics {
        override suspend fun mean(vararg elems: Double) = elems.sum() / elems.size
        override suspend fun stdev(vararg elems: Double): Double {
            val m = mean(*elems)
            return sqrt(elems.sumOf { (it - m).pow(2) } / elems.size)
        }
    }
}

/**
 * The calculator over a real WebSocket on 127.0.0.1: a [WebSocketServer] accepts clients whose
 * header carries the right token and serves each a [Calculator]; a [WebSocketConnector] calls it
 * through a driver. Prints each call and its result; returns the number of checks that failed.
 */
suspend fun calculatorDemo(out: (String) -> Unit): Int {
    val server = WebSocketServer<Token, Calculator>(Token::class.java)
    server.open("127.0.0.1", 0) { acceptor ->
        if (acceptor.header.token == "demo") acceptor.accept(Calculator()) else acceptor.reject(1008, "unknown token")
    }
    val url = "ws://127.0.0.1:${server.port}/calculator"
    out("server: listening on ws://127.0.0.1:${server.port}")
    var failed = 0
    try {
        val rejected = WebSocketConnector<Token, Nothing>(Token("guess"))
        try {
            rejected.connect(url)
            failed++
            out("  a client with a wrong token was let in ✗")
        } catch (e: HandshakeRejectedException) {
            out("  %-40s ! rejected: code %d, \"%s\" ✓".format("connect with token \"guess\"", e.code, e.reason))
        }
        val client = WebSocketConnector<Token, Nothing>(Token("demo"))
        client.connect(url)
        out("client: connected to $url with token \"demo\"")
        val calc = client.getDriver<ICalculator>()
        suspend fun show(call: String, expected: Double, result: suspend () -> Double) {
            val value = result()
            val ok = value == expected
            if (!ok) failed++
            out("  %-40s = %-8s %s".format(call, value, if (ok) "✓" else "✗ expected $expected"))
        }
        show("plus(1, 2)", 3.0) { calc.plus(1.0, 2.0) }
        show("multiplies(6, 7)", 42.0) { calc.multiplies(6.0, 7.0) }
        show("scientific.sqrt(16)", 4.0) { calc.scientific.sqrt(16.0) }
        show("scientific.pow(2, 10)", 1024.0) { calc.scientific.pow(2.0, 10.0) }
        show("statistics.mean(1, 2, 3, 4)", 2.5) { calc.statistics.mean(1.0, 2.0, 3.0, 4.0) }
        show("statistics.stdev(2, 4, 4, 4, 5, 5, 7, 9)", 2.0) { calc.statistics.stdev(2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0) }
        try {
            calc.divides(1.0, 0.0)
            failed++
            out("  divides(1, 0) did not fail ✗")
        } catch (e: RemoteException) {
            out("  %-40s ! %s: %s ✓".format("divides(1, 0)", e.name, e.message))
        }
        client.close()
        out("client: closed; state ${client.state}")
    } finally {
        server.close()
    }
    out("calculator: ${if (failed == 0) "all calls answered as expected" else "$failed call(s) went wrong"}; server ${server.state}")
    return failed
}
