package dev.wsgrid.ktor.server

import dev.wsgrid.ktor.client.ConnectorListener
import dev.wsgrid.ktor.client.ConnectorOptions
import dev.wsgrid.ktor.client.ReconnectPolicy
import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.rpc.CallTimeoutException
import dev.wsgrid.rpc.CommunicatorOptions
import dev.wsgrid.rpc.CommunicatorState
import dev.wsgrid.rpc.NotConnectedException
import dev.wsgrid.rpc.StateListener
import io.kotest.assertions.nondeterministic.eventually
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeGreaterThanOrEqual
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.serialization.json.JsonElement
import java.time.Duration
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.time.Duration.Companion.seconds

class ReconnectSpec : FunSpec({
    val quick = ReconnectPolicy.builder().initialDelay(Duration.ofMillis(50)).maxDelay(Duration.ofMillis(200)).build()

    suspend fun calculatorServer(port: Int = 0) =
        WebSocketServer<JsonElement, ICalculator>().apply { open("127.0.0.1", port) { it.accept(Calculator()) } }

    test("a connector survives three server restarts; its drivers and header carry over; listeners see each state") {
        var server = calculatorServer()
        val port = server.port
        val headers = CopyOnWriteArrayList<String>()
        val states = CopyOnWriteArrayList<String>()
        val connector = WebSocketConnector<Credentials, Any>(Credentials("k"), connectorOptions = ConnectorOptions.builder().reconnect(quick).build())
        connector.addStateListener(StateListener { old, new -> states.add("$old>$new") })
        connector.connect("ws://127.0.0.1:$port/")
        val calc = connector.getDriver<ICalculator>()
        calc.plus(1.0, 1.0) shouldBe 2.0
        repeat(3) { round ->
            server.close()
            eventually(5.seconds) { connector.state shouldBe CommunicatorState.RECONNECTING }
            server = WebSocketServer<Credentials, ICalculator>(Credentials::class.java).let { s ->
                s.open("127.0.0.1", port) { a ->
                    headers.add(a.header.token)
                    a.accept(Calculator())
                }
                @Suppress("UNCHECKED_CAST")
                s as WebSocketServer<JsonElement, ICalculator>
            }
            eventually(10.seconds) { connector.state shouldBe CommunicatorState.OPEN }
            calc.plus(round.toDouble(), 10.0) shouldBe round + 10.0
        }
        headers shouldBe listOf("k", "k", "k")
        states.take(4) shouldBe listOf("NONE>CONNECTING", "CONNECTING>OPEN", "OPEN>RECONNECTING", "RECONNECTING>OPEN")
        connector.close()
        connector.state shouldBe CommunicatorState.CLOSED
        server.close()
    }

    test("a call made during an outage fails at once by default, or waits for the connection up to its timeout") {
        val server = calculatorServer()
        val port = server.port
        val failFast = WebSocketConnector<Nothing?, Any>(null, connectorOptions = ConnectorOptions.builder().reconnect(quick).build())
        val patientAttempts = java.util.concurrent.atomic.AtomicInteger()
        val patient = WebSocketConnector<Nothing?, Any>(
            null,
            connectorOptions = ConnectorOptions.builder()
                .reconnect(quick.newBuilder().waitWhileReconnecting(true).build())
                .listener(object : ConnectorListener() {
                    override fun onReconnectFailed(connector: WebSocketConnector<*, *>, attempt: Int, cause: Throwable) {
                        patientAttempts.incrementAndGet()
                    }
                })
                .build(),
        )
        val impatient = WebSocketConnector<Nothing?, Any>(
            null,
            connectorOptions = ConnectorOptions.builder()
                .reconnect(quick.newBuilder().waitWhileReconnecting(true).build())
                .communicator(CommunicatorOptions.builder().callTimeout(Duration.ofMillis(200)).build())
                .build(),
        )
        for (c in listOf(failFast, patient, impatient)) c.connect("ws://127.0.0.1:$port/")
        server.close()
        eventually(5.seconds) {
            for (c in listOf(failFast, patient, impatient)) c.state shouldBe CommunicatorState.RECONNECTING
        }
        shouldThrow<NotConnectedException> { failFast.getDriver<ICalculator>().plus(1.0, 2.0) }.message shouldBe
            "cannot call plus: connection is RECONNECTING"
        shouldThrow<CallTimeoutException> { impatient.getDriver<ICalculator>().plus(1.0, 2.0) }.timeout shouldBe Duration.ofMillis(200)
        coroutineScope {
            val waiting = async { patient.getDriver<ICalculator>().plus(1.0, 2.0) }
            // two attempts failed since the call began: it had its chances to go through, and still waits
            val before = patientAttempts.get()
            eventually(5.seconds) { patientAttempts.get() shouldBeGreaterThanOrEqual before + 2 }
            waiting.isCompleted shouldBe false
            val again = calculatorServer(port)
            waiting.await() shouldBe 3.0
            for (c in listOf(failFast, patient, impatient)) c.close()
            again.close()
        }
    }

    test("close() stops reconnecting; a reconnecting connector is pinging by default") {
        ConnectorOptions.builder().reconnect(quick).build().pingInterval shouldBe Duration.ofSeconds(5)
        ConnectorOptions.DEFAULT.pingInterval shouldBe null
        val server = calculatorServer()
        val port = server.port
        val connector = WebSocketConnector<Nothing?, Any>(null, connectorOptions = ConnectorOptions.builder().reconnect(quick).build())
        // the same policy, left reconnecting: when it is back, the closed one would have been too
        val control = WebSocketConnector<Nothing?, Any>(null, connectorOptions = ConnectorOptions.builder().reconnect(quick).build())
        connector.connect("ws://127.0.0.1:$port/")
        control.connect("ws://127.0.0.1:$port/")
        server.close()
        eventually(5.seconds) {
            connector.state shouldBe CommunicatorState.RECONNECTING
            control.state shouldBe CommunicatorState.RECONNECTING
        }
        connector.close()
        connector.state shouldBe CommunicatorState.CLOSED
        connector.join(1.seconds) shouldBe true
        val again = calculatorServer(port)
        eventually(10.seconds) { control.state shouldBe CommunicatorState.OPEN }
        connector.state shouldBe CommunicatorState.CLOSED
        again.acceptors.size shouldBe 1
        control.close()
        again.close()
    }
})
