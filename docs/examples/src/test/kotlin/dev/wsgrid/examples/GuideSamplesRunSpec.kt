package dev.wsgrid.examples

import dev.wsgrid.examples.guide.JavaErrorsAndTimeouts
import dev.wsgrid.examples.guide.JavaOperations
import dev.wsgrid.examples.guide.kotlinMetrics
import dev.wsgrid.examples.guide.JavaQuickStart
import dev.wsgrid.examples.guide.JavaSecurity
import dev.wsgrid.examples.guide.JavaStreams
import dev.wsgrid.examples.guide.conceptsCallback
import dev.wsgrid.examples.guide.conceptsInMemory
import dev.wsgrid.examples.guide.kotlinErrorsAndTimeouts
import dev.wsgrid.examples.guide.kotlinQuickStart
import dev.wsgrid.examples.guide.kotlinStreams
import dev.wsgrid.examples.guide.startKtorApplication
import dev.wsgrid.examples.guide.startNumbersServer
import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.rpc.ConnectException
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import io.kotest.matchers.string.shouldStartWith
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runInterruptible
import kotlinx.serialization.json.JsonElement
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse

/** What [sample] prints to System.out, run on an IO thread (the specs of this module run one at a time). */
private suspend fun printed(sample: () -> Unit): String = runInterruptible(Dispatchers.IO) {
    val bytes = ByteArrayOutputStream()
    val original = System.out
    System.setOut(PrintStream(bytes, true, Charsets.UTF_8))
    try {
        sample()
    } finally {
        System.setOut(original)
    }
    bytes.toString(Charsets.UTF_8)
}

/** The guide's samples do what the guide says they do. */
class GuideSamplesRunSpec : FunSpec({
    test("operations, Kotlin and Java: one call is in the Prometheus scrape, on each side") {
        for (scrape in listOf(kotlinMetrics(), JavaOperations.run())) {
            val lines = scrape.lines().filter { it.startsWith("wsgrid_calls_seconds_count{") && "listener=\"plus\"" in it && "outcome=\"success\"" in it }
            lines.size shouldBe 2 // side="called" and side="served"
            lines.all { it.endsWith(" 1") || it.endsWith(" 1.0") } shouldBe true
        }
    }

    test("scaling: nodes of Kotlin and Java on one Redis broadcast to each other's members, and locate across them") {
        dev.wsgrid.cluster.redis.RedisServer().use { redis ->
            val kotlinNode = dev.wsgrid.examples.guide.startClusterNode(redis.uri)
            val emptyNode = dev.wsgrid.examples.guide.startClusterNode(redis.uri)
            val javaNode = runInterruptible(Dispatchers.IO) { dev.wsgrid.examples.guide.JavaScaling.node(redis.uri) }
            val heard = java.util.concurrent.LinkedBlockingQueue<String>()
            val printer = object : IChatPrinter {
                override suspend fun print(name: String, message: String) {
                    heard.add("$name: $message")
                }
            }
            val ann = WebSocketConnector<dev.wsgrid.examples.guide.Member, IChatPrinter>(dev.wsgrid.examples.guide.Member("ann"), printer)
            val bob = WebSocketConnector<dev.wsgrid.examples.guide.Member, IChatPrinter>(dev.wsgrid.examples.guide.Member("bob"), printer)
            try {
                ann.connect("ws://127.0.0.1:${kotlinNode.port}/")
                bob.connect("ws://127.0.0.1:${javaNode.port}/")
                io.kotest.assertions.nondeterministic.eventually(kotlin.time.Duration.parse("5s")) {
                    kotlinNode.room("lobby")!!.members.size shouldBe 1
                    javaNode.getRoomMembers("lobby").size shouldBe 1
                }
                dev.wsgrid.examples.guide.clusterBroadcastAndLocate(emptyNode, "ann") shouldBe listOf("delivered to 2, failed []", "called ann")
                runInterruptible(Dispatchers.IO) { dev.wsgrid.examples.guide.JavaScaling.callAnywhere(javaNode, "ann") } shouldBe true
                runInterruptible(Dispatchers.IO) { dev.wsgrid.examples.guide.JavaScaling.callAnywhere(javaNode, "nobody") } shouldBe false
                dev.wsgrid.examples.guide.clusterTuning(redis.uri).nodeTimeout shouldBe java.time.Duration.ofSeconds(5)
                List(4) { runInterruptible(Dispatchers.IO) { heard.poll(10, java.util.concurrent.TimeUnit.SECONDS) } }.toSet() shouldBe
                    setOf("server: hello, everyone", "server: just you")
            } finally {
                ann.close()
                bob.close()
                kotlinNode.close()
                emptyNode.close()
                runInterruptible(Dispatchers.IO) { javaNode.close().join() }
            }
        }
    }

    test("getting started, Java: the quick start prints 3.0 and 4.0") {
        printed { JavaQuickStart.run() } shouldBe "3.0\n4.0\n"
    }

    test("getting started, Kotlin: the quick start prints 3.0 and 4.0") {
        kotlinQuickStart() shouldBe listOf(3.0, 4.0)
    }

    test("threads, Java: the plain function runs on the blocking pool, the @NonBlocking one on the event loop") {
        val (counted, priced) = runInterruptible(Dispatchers.IO) { dev.wsgrid.examples.guide.JavaThreads.run() }
        counted shouldStartWith "apples counted on "
        counted shouldNotContain "eventLoopGroup"
        priced shouldStartWith "apples priced on "
        priced shouldContain "eventLoopGroup"
    }

    test("threads, Kotlin: a Netty application with wsgridEventLoops() serves the calculator; CIO serves and connects") {
        val server = dev.wsgrid.examples.guide.startNettyApplication()
        try {
            val port = server.engine.resolvedConnectors().first().port
            val connector = WebSocketConnector(dev.wsgrid.examples.guide.Credentials("any"))
            connector.connect("ws://127.0.0.1:$port/calculator")
            connector.getDriver<dev.wsgrid.examples.guide.ICalculator>().scientific.sqrt(16.0) shouldBe 4.0
            connector.close()
        } finally {
            server.stopSuspend(100, 1_000)
        }
        dev.wsgrid.examples.guide.cioEngines() shouldBe 3.0
    }

    test("getting started, Ktor: the module serves its own route and the calculator") {
        val server = startKtorApplication()
        try {
            val port = server.engine.resolvedConnectors().first().port
            val health = runInterruptible(Dispatchers.IO) {
                HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI("http://127.0.0.1:$port/health")).build(), HttpResponse.BodyHandlers.ofString())
            }
            health.body() shouldBe "ok"
            val connector = WebSocketConnector<dev.wsgrid.examples.guide.Credentials, Nothing>(dev.wsgrid.examples.guide.Credentials("any"))
            connector.connect("ws://127.0.0.1:$port/calculator")
            connector.getDriver<dev.wsgrid.examples.guide.ICalculator>().scientific.sqrt(9.0) shouldBe 3.0
            connector.close()
        } finally {
            server.stopSuspend(100, 2_000)
        }
    }

    test("concepts: the server calls its client back, and the in-memory pair needs no socket") {
        conceptsCallback() shouldStartWith "the server says: welcome, 127.0.0.1:"
        conceptsInMemory() shouldBe 4.0
    }

    test("errors and timeouts, Java and Kotlin: results within the timeouts, and the remote error caught") {
        val server = startCalculatorServer("127.0.0.1", 0, "demo")
        try {
            val url = "ws://127.0.0.1:${server.port}/calculator"
            printed { JavaErrorsAndTimeouts.run(url) } shouldBe "3.0\n42.0\nIllegalArgumentException: Divided by zero.\n"
            kotlinErrorsAndTimeouts(url) shouldBe listOf(3.0, "IllegalArgumentException: Divided by zero.")
        } finally {
            server.close()
        }
    }

    test("extensions, Kotlin and Java: count(5) streams 1..5, and the sum of a streamed 1, 2 is 3") {
        val server = startNumbersServer()
        try {
            val url = "ws://127.0.0.1:${server.port}/numbers"
            kotlinStreams(url) shouldBe listOf(1, 2, 3, 4, 5, 3L)
            printed { JavaStreams.run(url) } shouldBe "1\n2\n3\n4\n5\n"
        } finally {
            server.close()
        }
    }

    test("security, Java: the upgrade check refuses a client without the key; the header check lets the right one in") {
        val server = JavaSecurity.server()
        try {
            val url = "ws://127.0.0.1:${server.port}/calculator"
            val refused = shouldThrow<ConnectException> { WebSocketConnector<JsonElement?, Nothing>(null).connect(url) }
            (refused.message ?: "").contains("401") shouldBe true
            val client = JavaSecurity.client()
            runInterruptible(Dispatchers.IO) { client.connect(url).join() }
            runInterruptible(Dispatchers.IO) { client.getDriver(JavaQuickStart.Calculator::class.java).plus(2.0, 2.0).join() } shouldBe 4.0
            runInterruptible(Dispatchers.IO) { client.close().join() }
        } finally {
            runInterruptible(Dispatchers.IO) { server.close().join() }
        }
    }
})
