package dev.wsgrid.ktor.client

import dev.wsgrid.rpc.CommunicatorState
import dev.wsgrid.rpc.ConnectException
import io.kotest.assertions.nondeterministic.eventually
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.comparables.shouldBeBetween
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.runInterruptible
import java.net.InetAddress
import java.net.ServerSocket
import java.time.Duration
import kotlin.time.Duration.Companion.seconds

/** The connector on its own, against sockets that are not wsgrid servers. */
class ConnectorSpec : FunSpec({
    fun connectorThreads() = Thread.getAllStackTraces().keys.count { it.isAlive && it.name.startsWith("wsgrid-connector-io") }

    test("a URL that is not ws, wss, http or https, or has no host, is refused before anything is opened") {
        val connector = WebSocketConnector("token")
        shouldThrow<IllegalArgumentException> { connector.connect("ftp://127.0.0.1/") }.message shouldBe
            "cannot connect to ftp://127.0.0.1/: the scheme must be ws, wss, http or https"
        shouldThrow<IllegalArgumentException> { connector.connect("ws:///path") }.message shouldBe "cannot connect to ws:///path: no host"
        shouldThrow<IllegalArgumentException> { connector.connect("ws://a b/") }.message shouldContain "not a URL"
        connector.state shouldBe CommunicatorState.NONE
    }

    test("a port nobody listens on fails with ConnectException naming the URL, and leaves no thread behind") {
        val before = connectorThreads()
        val port = ServerSocket(0, 1, InetAddress.getLoopbackAddress()).use { it.localPort }
        val connector = WebSocketConnector("token")
        shouldThrow<ConnectException> { connector.connect("ws://127.0.0.1:$port/") }.message shouldContain "ws://127.0.0.1:$port/"
        connector.state shouldBe CommunicatorState.CLOSED
        eventually(5.seconds) { connectorThreads() shouldBe before }
    }

    test("an HTTP server that answers the upgrade with 404 is a ConnectException, not a hang") {
        ServerSocket(0, 1, InetAddress.getLoopbackAddress()).use { server ->
            val answered = kotlinx.coroutines.coroutineScope {
                launch(Dispatchers.IO) {
                    runInterruptible {
                        server.accept().use { s ->
                            // read the request up to its blank line, then refuse the upgrade
                            val input = s.getInputStream().bufferedReader(Charsets.ISO_8859_1)
                            while (input.readLine()?.isNotEmpty() == true) Unit
                            s.getOutputStream().write("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".toByteArray())
                            s.getOutputStream().flush()
                        }
                    }
                }
                val connector = WebSocketConnector("token", ConnectorOptions { handshakeTimeout = 5.seconds })
                shouldThrow<ConnectException> { connector.connect("ws://127.0.0.1:${server.localPort}/") }
                connector.state
            }
            answered shouldBe CommunicatorState.CLOSED
        }
    }

    test("reconnect delays grow by the multiplier up to the maximum, within the jitter; bad settings are refused by name") {
        val policy = ReconnectPolicy.builder()
            .initialDelay(Duration.ofMillis(100)).multiplier(2.0).maxDelay(Duration.ofMillis(1_000)).jitter(0.2).build()
        repeat(50) {
            policy.delay(1).toMillis().shouldBeBetween(80L, 120L)
            policy.delay(3).toMillis().shouldBeBetween(320L, 480L)
            policy.delay(10).toMillis().shouldBeBetween(800L, 1_000L)
        }
        shouldThrow<IllegalArgumentException> { ReconnectPolicy.builder().multiplier(0.5) }.message shouldBe "multiplier must be at least 1, was 0.5"
        shouldThrow<IllegalArgumentException> { ReconnectPolicy.builder().jitter(1.5) }.message shouldBe "jitter must be between 0 and 1, was 1.5"
        shouldThrow<IllegalArgumentException> { ReconnectPolicy.builder().maxAttempts(-1) }.message shouldBe "maxAttempts cannot be negative, was -1"
        shouldThrow<IllegalArgumentException> { ReconnectPolicy.builder().initialDelay(Duration.ZERO) }.message shouldContain "initialDelay"
    }

    test("connector options are checked as they are set, naming the option") {
        shouldThrow<IllegalArgumentException> { ConnectorOptions { handshakeTimeout = (-1).seconds } }.message shouldContain "handshakeTimeout"
        shouldThrow<IllegalArgumentException> { ConnectorOptions.builder().maxFrameSize(0) }.message shouldContain "maxFrameSize"
        ConnectorOptions { handshakeTimeout = 3.seconds }.handshakeTimeout shouldBe Duration.ofSeconds(3)
    }
})
