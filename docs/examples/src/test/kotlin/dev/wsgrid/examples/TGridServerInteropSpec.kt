package dev.wsgrid.examples

import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.rpc.CloseCodes
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
import kotlinx.coroutines.delay
import kotlinx.serialization.Serializable
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonArray
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.int
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.put
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.time.Duration.Companion.seconds

/** The TGrid server's provider, as a wsgrid client declares it. */
interface ITGridServer {
    suspend fun plus(x: Double, y: Double): Double
    suspend fun divides(x: Double, y: Double): Double
    val scientific: IScientific
    val statistics: IStatistics
    suspend fun fail(kind: String): String
    suspend fun delay(ms: Int, tag: String): String
    suspend fun echo(value: JsonElement): JsonElement
    suspend fun big(): Long
    suspend fun date(): String
    suspend fun nothing()
    suspend fun callClient(message: String): String
    suspend fun never(): Int
}

/** What the wsgrid client serves to the TGrid server. */
interface IClientPrinter {
    suspend fun print(message: String): String
}

@Serializable
data class Badge(val token: String)

/** wsgrid connectors against a real TGrid 1.2.1 server (node). */
class TGridServerInteropSpec : FunSpec({
    beforeSpec { requireNode() }

    suspend fun <T> withTGridServer(block: suspend (NodePeer, String) -> T): T =
        NodePeer("tgrid-server.js").use { node ->
            val port = node.expect("listening")["port"]!!.jsonPrimitive.int
            block(node, "ws://127.0.0.1:$port/")
        }

    test("calls, nested and variadic calls, 500 concurrent calls, out-of-order replies and an ignored binary frame") {
        withTGridServer { _, url ->
            val connector = WebSocketConnector<Nothing?, Any>(null)
            connector.connect(url)
            // the connector offered wsgrid.v1; TGrid's server (on ws) may echo it, but accepts with 1: plain TGrid
            connector.protocol shouldBe dev.wsgrid.rpc.WireProtocol.TGRID
            val server = connector.getDriver<ITGridServer>()
            server.plus(1.0, 2.0) shouldBe 3.0
            server.scientific.sqrt(16.0) shouldBe 4.0
            server.scientific.pow(2.0, 10.0) shouldBe 1024.0
            server.statistics.mean(1.0, 2.0, 3.0, 4.0) shouldBe 2.5
            server.statistics.stdev(2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0) shouldBe 2.0
            coroutineScope {
                (0 until 500).map { i -> async { server.plus(i.toDouble(), i.toDouble()) } }.awaitAll() shouldBe (0 until 500).map { 2.0 * it }
                val slow = async { server.delay(3_000, "slow") }
                val fast = async { server.delay(10, "fast") }
                fast.await() shouldBe "fast"
                slow.isCompleted shouldBe false
                slow.await() shouldBe "slow"
            }
            delay(100) // the server's binary frame has arrived by now, and was skipped
            server.plus(2.0, 2.0) shouldBe 4.0
            connector.close()
        }
    }

    test("TGrid errors arrive as RemoteException with name, message and extra properties; thrown values as they were") {
        withTGridServer { _, url ->
            val connector = WebSocketConnector<Nothing?, Any>(null)
            connector.connect(url)
            val server = connector.getDriver<ITGridServer>()
            val zero = shouldThrow<RemoteException> { server.divides(1.0, 0.0) }
            zero.name shouldBe "Error"
            zero.message shouldBe "Divided by zero."
            zero.remoteStack!! shouldContain "Calculator.divides"
            val range = shouldThrow<RemoteException> { server.fail("range") }
            range.name shouldBe "RangeError"
            range.message shouldBe "out of range"
            range.property("code") shouldBe JsonPrimitive(42)
            val thrown = shouldThrow<RemoteException> { server.fail("string") }
            thrown.name shouldBe null
            thrown.message shouldBe "just a string"
            shouldThrow<RemoteException> { server.scientific.sqrt(-1.0) }.message shouldBe "Negative value on square."
            connector.close()
        }
    }

    test("values: numbers, unicode, booleans, null, arrays, nested objects, large integers, dates, void") {
        withTGridServer { _, url ->
            val connector = WebSocketConnector<Nothing?, Any>(null)
            connector.connect(url)
            val server = connector.getDriver<ITGridServer>()
            val value = buildJsonObject {
                put("int", 7)
                put("double", -0.5)
                put("text", "ünïcødé ✓ 🚀")
                put("yes", true)
                put("nothing", null as String?)
                put("list", buildJsonArray { add(JsonPrimitive(1)); add(JsonPrimitive("two")) })
                put("nested", buildJsonObject { put("deep", buildJsonObject { put("er", 1) }) })
            }
            server.echo(value) shouldBe value
            server.big() shouldBe 9007199254740994L
            server.date() shouldBe "2026-11-22T10:15:30.000Z"
            server.nothing() shouldBe Unit
            connector.close()
        }
    }

    test("the TGrid server calls the wsgrid client's provider; a rejected header reports TGrid's code and reason") {
        withTGridServer { _, url ->
            val printed = CopyOnWriteArrayList<String>()
            val connector = WebSocketConnector<Badge, IClientPrinter>(
                Badge("good"),
                object : IClientPrinter {
                    override suspend fun print(message: String): String {
                        printed.add(message)
                        return "printed $message"
                    }
                },
            )
            connector.connect(url)
            connector.getDriver<ITGridServer>().callClient("hello") shouldBe "printed hello"
            printed shouldBe listOf("hello")
            connector.close()

            val rejected = shouldThrow<HandshakeRejectedException> { WebSocketConnector<Badge, Any>(Badge("bad")).connect(url) }
            rejected.code shouldBe 4001
            rejected.reason shouldBe "bad token"
        }
    }

    test("the TGrid server closing, or dropping its clients, fails their pending calls with its close code") {
        withTGridServer { node, url ->
            val connector = WebSocketConnector<Nothing?, Any>(null)
            connector.connect(url)
            coroutineScope {
                val pending = async { runCatching { connector.getDriver<ITGridServer>().never() } }
                eventually(5.seconds) { connector.pendingCalls shouldBe 1 }
                node.command("close 4000 see you")
                val e = pending.await().exceptionOrNull() as ConnectionClosedException
                e.code shouldBe 4000
                e.reason shouldBe "see you"
            }
            connector.connect(url)
            coroutineScope {
                val pending = async { runCatching { connector.getDriver<ITGridServer>().never() } }
                eventually(5.seconds) { connector.pendingCalls shouldBe 1 }
                node.expect("done")
                node.command("terminate")
                (pending.await().exceptionOrNull() as ConnectionClosedException).code shouldBe CloseCodes.ABNORMAL
            }
        }
    }
})
