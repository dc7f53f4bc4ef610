package dev.wsgrid.examples

import dev.wsgrid.cluster.redis.RedisClusterAdapter
import dev.wsgrid.cluster.redis.RedisServer
import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.ktor.server.ClusterUnavailableException
import dev.wsgrid.ktor.server.RemoteConnection
import dev.wsgrid.ktor.server.broadcast
import dev.wsgrid.rpc.CallTimeoutException
import io.kotest.assertions.nondeterministic.eventually
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactlyInAnyOrder
import io.kotest.matchers.maps.shouldBeEmpty
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.future.await
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonPrimitive
import java.io.File
import java.time.Duration
import java.util.concurrent.TimeUnit
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

/** `chat-server --redis URI` in a JVM of its own, started from the test classpath, to be killed with SIGKILL. */
private class ChatServerProcess(redis: String) : AutoCloseable {
    private val classpath = System.getProperty("surefire.test.class.path") ?: System.getProperty("java.class.path")
    val process: Process = ProcessBuilder(
        File(System.getProperty("java.home"), "bin/java").path, "-cp", classpath,
        "dev.wsgrid.examples.MainKt", "chat-server", "--port", "0", "--redis", redis,
    ).redirectError(ProcessBuilder.Redirect.INHERIT).start()

    /** The port it listens on, from its `listening on ws://127.0.0.1:P` line. */
    suspend fun port(): Int = withContext(Dispatchers.IO) {
        val line = process.inputStream.bufferedReader().readLine() ?: error("chat-server printed nothing (exit ${process.waitFor()})")
        line.substringAfterLast(':').toInt()
    }

    /** `kill -9`: no close frames, no goodbye to Redis. */
    fun kill() {
        process.destroyForcibly()
        check(process.waitFor(10, TimeUnit.SECONDS)) { "the chat server did not die" }
    }

    override fun close() {
        if (process.isAlive) kill()
    }
}

/** A Kotlin chat participant: what the server prints to it lands in [lines]. */
private class KotlinParticipant {
    val lines = Channel<String>(Channel.UNLIMITED)
    val connector = WebSocketConnector<JsonElement?, IChatPrinter>(
        null,
        object : IChatPrinter {
            override suspend fun print(name: String, message: String) {
                lines.send("$name: $message")
            }
        },
    )
    val chat: IChatService get() = connector.getDriver()

    companion object {
        suspend fun join(url: String) = KotlinParticipant().apply { connector.connect(url) }
    }
}

/** The next [n] lines printed to a TGrid participant on node. */
private suspend fun NodePeer.printed(n: Int): List<String> = List(n) {
    var e = next(20_000)
    while (e["event"]?.jsonPrimitive?.content != "printed") e = next(20_000)
    e["line"]!!.jsonPrimitive.content
}

private suspend fun Channel<String>.take(n: Int): List<String> = withTimeout(20_000) { List(n) { receive() } }

/**
 * Three chat servers on one real Redis, with Kotlin, Java and TGrid participants spread over them:
 * one chat, names unique across the servers, locate across them, a server killed with SIGKILL, and
 * Redis stopped and started again under them.
 */
class ClusterChatSpec : FunSpec({
    beforeSpec { requireNode() }

    test("three chat servers on one Redis are one chat, through a kill -9 and a Redis restart").config(timeout = 3.minutes, invocationTimeout = 3.minutes) {
        RedisServer().use { redis ->
            val cluster = RedisClusterAdapter.builder(redis.uri).heartbeatInterval(Duration.ofMillis(200)).nodeTimeout(Duration.ofSeconds(2)).build()
            val a = ChatWebServer.start("127.0.0.1", 0, cluster)
            val b = ChatWebServer.start("127.0.0.1", 0, cluster)
            ChatServerProcess(redis.uri).use { c ->
                val cPort = c.port()
                fun url(port: Int) = "ws://127.0.0.1:$port/chat"
                val kim = KotlinParticipant.join(url(a.port))
                val jay = withContext(Dispatchers.IO) { JavaChatParticipant(url(b.port)) }
                NodePeer("cluster-chat.js", url(cPort), "carol").use { carol ->
                    NodePeer("cluster-chat.js", url(a.port), "tom").use { tom ->
                        val late = KotlinParticipant.join(url(b.port))
                        try {
                            kim.chat.setName("kim") shouldBe true
                            jay.chat().setName("jay").await() shouldBe true
                            carol.expect("named", 20_000)["ok"] shouldBe JsonPrimitive(true)
                            tom.expect("named", 20_000)["ok"] shouldBe JsonPrimitive(true)

                            // a name taken on one server is refused on the others
                            late.chat.setName("carol") shouldBe false
                            late.chat.setName("kim") shouldBe false
                            NodePeer("cluster-chat.js", url(cPort), "jay").use { it.expect("named", 20_000)["ok"] shouldBe JsonPrimitive(false) }

                            // everyone hears every message once, in one order, whichever server they joined
                            kim.chat.talk("hi from A")
                            jay.chat().talk("hi from B").await()
                            carol.command("talk hi from C")
                            val said = listOf("kim: hi from A", "jay: hi from B", "carol: hi from C")
                            kim.lines.take(3) shouldBe said
                            withContext(Dispatchers.IO) { List(3) { jay.lines.poll(20, TimeUnit.SECONDS) } } shouldBe said
                            carol.printed(3) shouldBe said
                            tom.printed(3) shouldBe said
                            coroutineScope {
                                async { repeat(3) { kim.chat.talk("A$it") } }
                                async { repeat(3) { jay.chat().talk("B$it").await() } }
                            }
                            val order = kim.lines.take(6)
                            withContext(Dispatchers.IO) { List(6) { jay.lines.poll(20, TimeUnit.SECONDS) } } shouldBe order
                            carol.printed(6) shouldBe order
                            tom.printed(6) shouldBe order

                            // locate: server A calls carol, who is on C, and a room broadcast reaches all four
                            val carolThere = a.clients.locate("carol").shouldBeInstanceOf<RemoteConnection>()
                            carolThere.getDriver<IChatPrinter>().print("server A", "just you")
                            carol.printed(1) shouldBe listOf("server A: just you")
                            val all = a.clients.room(RoomChatService.ROOM)!!.broadcast<IChatPrinter> { it.print("server A", "everyone") }
                            all.delivered shouldContainExactlyInAnyOrder listOf("kim", "tom", "jay", "carol")
                            all.failedNodes.shouldBeEmpty()
                            carol.printed(1) shouldBe listOf("server A: everyone")

                            // kill -9 the server carol is on: the next broadcast names it, and carol's name is free again
                            c.kill()
                            val afterKill = a.clients.room(RoomChatService.ROOM)!!.broadcast(IChatPrinter::class.java, Duration.ofSeconds(1)) { it.print("server A", "still here?") }
                            afterKill.delivered shouldContainExactlyInAnyOrder listOf("kim", "tom", "jay")
                            afterKill.failedNodes.keys shouldBe setOf(carolThere.node)
                            afterKill.failedNodes.values.single().shouldBeInstanceOf<CallTimeoutException>()
                            eventually(15.seconds) { late.chat.setName("carol") shouldBe true }
                            while (kim.lines.tryReceive().getOrNull() != null) Unit
                            jay.lines.clear()

                            // Redis stops: each server goes on with its own; Redis starts again: the chat is one again
                            redis.stop()
                            val alone = a.clients.room(RoomChatService.ROOM)!!.broadcast<IChatPrinter> { it.print("server A", "alone") }
                            alone.delivered shouldContainExactlyInAnyOrder listOf("kim", "tom")
                            alone.failedNodes.values.forEach { it.shouldBeInstanceOf<ClusterUnavailableException>() }
                            redis.start()
                            eventually(30.seconds) {
                                val back = a.clients.room(RoomChatService.ROOM)!!.broadcast<IChatPrinter> { it.print("server A", "back") }
                                back.delivered shouldContainExactlyInAnyOrder listOf("kim", "tom", "jay", "carol")
                            }
                            eventually(10.seconds) { b.clients.locate("kim").shouldBeInstanceOf<RemoteConnection>() }
                        } finally {
                            late.connector.close()
                        }
                    }
                }
                kim.connector.close()
                withContext(Dispatchers.IO) { jay.close() }
            }
            a.close()
            b.close()
        }
    }
})
