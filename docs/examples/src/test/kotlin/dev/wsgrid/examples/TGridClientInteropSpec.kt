package dev.wsgrid.examples

import dev.wsgrid.ktor.server.WebSocketServer
import dev.wsgrid.rpc.ConnectionClosedException
import io.kotest.assertions.nondeterministic.eventually
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeInstanceOf
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.awaitCancellation
import kotlinx.serialization.Serializable
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonArray
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.double
import kotlinx.serialization.json.int
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.put
import java.time.Instant
import kotlin.time.Duration.Companion.seconds

@Serializable
data class XY(val x: Int, val y: Int)

@Serializable
data class Nested(val name: String, val points: List<XY>)

/** What the node client's provider offers the JVM server. */
interface INodeClient {
    suspend fun hello(name: String): String
    suspend fun never(): Int
}

/** Values of every JSON kind, for a TGrid client to send and get back. */
interface IEcho {
    suspend fun echoLong(x: Long): Long
    suspend fun echoDouble(x: Double): Double
    suspend fun echoText(s: String): String
    suspend fun echoBool(b: Boolean): Boolean
    suspend fun echoNullable(s: String?): String?
    suspend fun echoList(xs: List<Int>): List<Int>
    suspend fun echoNested(n: Nested): Nested
    suspend fun echoDate(iso: String): String
    suspend fun touch()
    suspend fun greetBack(name: String): String
    suspend fun hold(): Int
    suspend fun startCallingBack(): Int
}

class Echo(private val client: INodeClient, private val backFailure: CompletableDeferred<Throwable>) : IEcho {
    override suspend fun echoLong(x: Long) = x
    override suspend fun echoDouble(x: Double) = x
    override suspend fun echoText(s: String) = s
    override suspend fun echoBool(b: Boolean) = b
    override suspend fun echoNullable(s: String?) = s
    override suspend fun echoList(xs: List<Int>) = xs
    override suspend fun echoNested(n: Nested) = n
    override suspend fun echoDate(iso: String) = Instant.parse(iso).plusSeconds(1).toString()
    override suspend fun touch() {}
    override suspend fun greetBack(name: String) = client.hello(name)
    override suspend fun hold(): Int = awaitCancellation()
    override suspend fun startCallingBack(): Int = try {
        client.never()
    } catch (e: Throwable) {
        backFailure.complete(e)
        throw e
    }
}

/** A JSON number, however the peer wrote it (`3` or `3.0`). */
fun JsonObject.number(key: String): Double = this[key]!!.jsonPrimitive.double

/** A real TGrid 1.2.1 client (node) against wsgrid servers. */
class TGridClientInteropSpec : FunSpec({
    beforeSpec { requireNode() }

    test("TGrid's calculator scenario against calculator-server: nested, variadic, 500 concurrent calls, errors") {
        val server = startCalculatorServer("127.0.0.1", 0, "t1")
        try {
            NodePeer("tgrid-client.js", "calculator", "ws://127.0.0.1:${server.port}/any/path", "t1").use { node ->
                val r = node.expect("results")
                r.number("plus") shouldBe 3.0
                r.number("minus") shouldBe -3.0
                r.number("multiplies") shouldBe 42.0
                r.number("divides") shouldBe 1.5
                r.number("pow") shouldBe 1024.0
                r.number("sqrt") shouldBe 4.0
                r.number("log") shouldBe 3.0
                r.number("mean") shouldBe 2.5
                r.number("stdev") shouldBe 2.0
                r["concurrentOk"] shouldBe JsonPrimitive(true)
                r["divideByZero"] shouldBe buildJsonObject {
                    put("name", "IllegalArgumentException")
                    put("message", "Divided by zero.")
                }
                r["sqrtNegative"]!!.jsonObject["message"] shouldBe JsonPrimitive("Negative value on square.")
                r["missing"]!!.jsonObject["message"] shouldBe JsonPrimitive("cannot call nothing: 'nothing' is not a function of ICalculator")
                r["underscore"]!!.jsonObject["message"]!!.toString() shouldContain "may not reach a member whose name starts with '_'"
                r["prototype"]!!.jsonObject["message"]!!.toString() shouldContain "may not reach 'prototype'"
                node.expect("closed")
                node.exitCode() shouldBe 0
            }
            NodePeer("tgrid-client.js", "calculator", "ws://127.0.0.1:${server.port}/", "wrong").use { node ->
                val r = node.expect("rejected")
                r["status"] shouldBe JsonPrimitive(1008)
                r["message"] shouldBe JsonPrimitive("a header {\"token\": ...} with the right token is required")
            }
        } finally {
            server.close()
        }
    }

    test("values of every kind both ways, and the server calling the TGrid client's provider") {
        val server = WebSocketServer<JsonElement, IEcho>()
        server.open("127.0.0.1", 0) { it.accept(Echo(it.getDriver(), CompletableDeferred())) }
        try {
            NodePeer("tgrid-client.js", "values", "ws://127.0.0.1:${server.port}/").use { node ->
                val r = node.expect("results")
                r["long"] shouldBe JsonPrimitive(9007199254740991L)
                // beyond 2^53 a JavaScript number is already rounded before it is sent: documented
                r["beyond"] shouldBe JsonPrimitive(9007199254740992L)
                r.number("double") shouldBe -0.125
                r["text"] shouldBe JsonPrimitive("héllo ✓ 🚀 \u0000 \"quoted\"")
                r["yes"] shouldBe JsonPrimitive(true)
                r["nothing"] shouldBe JsonNull
                r["absent"] shouldBe JsonNull
                r["list"]!!.jsonArray.map { it.jsonPrimitive.int } shouldBe listOf(1, 2, 3)
                r["nested"] shouldBe buildJsonObject {
                    put("name", "n")
                    put("points", buildJsonArray { add(buildJsonObject { put("x", 1); put("y", 2) }) })
                }
                r["date"] shouldBe JsonPrimitive("2026-11-22T10:15:31Z")
                (r["voidReturn"] ?: JsonNull) shouldBe JsonNull
                r["callback"] shouldBe JsonPrimitive("hello, node (from node)")
                node.expect("closed")
            }
        } finally {
            server.close()
        }
    }

    test("server close with a pending call: the TGrid client's call fails, as do the server's calls to it") {
        val backFailure = CompletableDeferred<Throwable>()
        val server = WebSocketServer<JsonElement, IEcho>()
        server.open("127.0.0.1", 0) { it.accept(Echo(it.getDriver(), backFailure)) }
        NodePeer("tgrid-client.js", "pending", "ws://127.0.0.1:${server.port}/").use { node ->
            node.expect("pending")
            eventually(5.seconds) { server.acceptors.size shouldBe 1 }
            server.close()
            val failed = node.expect("failed")
            failed["error"]!!.jsonObject["message"]!!.toString() shouldContain "server closing"
            node.exitCode() shouldBe 0
        }
    }

    test("the TGrid client closes while the server's call to it is pending: that call fails on the server") {
        val backFailure = CompletableDeferred<Throwable>()
        val server = WebSocketServer<JsonElement, IEcho>()
        server.open("127.0.0.1", 0) { it.accept(Echo(it.getDriver(), backFailure)) }
        try {
            NodePeer("tgrid-client.js", "closer", "ws://127.0.0.1:${server.port}/", "300").use { node ->
                node.expect("closed")
                val e = kotlinx.coroutines.withTimeout(5_000) { backFailure.await() }
                e.shouldBeInstanceOf<ConnectionClosedException>()
                e.message!! shouldContain "cannot call never: connection closed"
            }
        } finally {
            server.close()
        }
    }

    test("kill -9 of a client process mid-call: its connection ends, the server's pending call to it fails, the server serves on") {
        val backFailure = CompletableDeferred<Throwable>()
        val server = WebSocketServer<JsonElement, IEcho>()
        server.open("127.0.0.1", 0) { it.accept(Echo(it.getDriver(), backFailure)) }
        try {
            val node = NodePeer("tgrid-client.js", "victim", "ws://127.0.0.1:${server.port}/")
            node.expect("pending")
            eventually(5.seconds) { server.acceptors.size shouldBe 1 }
            node.kill()
            val e = kotlinx.coroutines.withTimeout(10_000) { backFailure.await() }
            e.shouldBeInstanceOf<ConnectionClosedException>()
            (e as ConnectionClosedException).code shouldBe dev.wsgrid.rpc.CloseCodes.ABNORMAL
            eventually(10.seconds) { server.acceptors.size shouldBe 0 }
            NodePeer("tgrid-client.js", "values", "ws://127.0.0.1:${server.port}/").use { it.expect("results") }
        } finally {
            server.close()
        }
    }

    test("TGrid's chat scenario against chat-server: every participant's own provider is called back, in order") {
        val room = ChatRoom()
        val server = startChatServer("127.0.0.1", 0, room)
        try {
            NodePeer("tgrid-client.js", "chat", "ws://127.0.0.1:${server.port}/chat").use { node ->
                val r = node.expect("results")
                r["early"]!!.jsonObject["message"] shouldBe JsonPrimitive("set a name before talking")
                r["names"] shouldBe buildJsonArray { add(JsonPrimitive(true)); add(JsonPrimitive(false)); add(JsonPrimitive(true)) }
                val expected = buildJsonArray {
                    add(JsonPrimitive("alice: hi bob"))
                    add(JsonPrimitive("bob: hi alice"))
                    add(JsonPrimitive("alice: bye"))
                }
                r["alice"] shouldBe expected
                r["bob"] shouldBe expected
                node.expect("closed")
            }
            eventually(5.seconds) { room.names shouldBe emptySet() }
        } finally {
            server.close()
        }
    }
})

