package dev.wsgrid.micrometer

import dev.wsgrid.ktor.client.ConnectorOptions
import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.ktor.server.ServerOptions
import dev.wsgrid.ktor.server.WebSocketServer
import dev.wsgrid.rpc.CallTimeoutException
import dev.wsgrid.rpc.ConnectionClosedException
import dev.wsgrid.rpc.HandshakeRejectedException
import dev.wsgrid.rpc.RemoteException
import io.kotest.assertions.nondeterministic.eventually
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.shouldBeGreaterThan
import io.kotest.matchers.longs.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import io.micrometer.core.instrument.simple.SimpleMeterRegistry
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.launch
import java.time.Duration
import kotlin.time.Duration.Companion.seconds

/**
 * Each count and timer of the operations guide, read from the registry after real calls over
 * real sockets: a server and its connectors bound to one [WsgridMetrics].
 */
class MetricsSpec : FunSpec({
    val registry = SimpleMeterRegistry()
    val metrics = WsgridMetrics.create(registry)
    val server = WebSocketServer<Credentials, Any>(Credentials::class.java, metrics.bind(ServerOptions.builder().maxFrameSize(4096).build()))
    var url = ""
    val connectors = mutableListOf<WebSocketConnector<*, *>>()

    suspend fun connect(path: String = "/calc", provider: Any? = null, token: String = "secret"): WebSocketConnector<Credentials, Any> {
        val c = WebSocketConnector<Credentials, Any>(Credentials(token), provider, metrics.bind(ConnectorOptions.DEFAULT))
        c.connect("$url$path")
        connectors += c
        return c
    }

    beforeSpec {
        server.open("127.0.0.1", 0) { acceptor ->
            if (acceptor.header.token != "secret") {
                acceptor.reject(1008, "unknown token")
            } else {
                acceptor.accept(Service())
                if (acceptor.path.startsWith("/room")) acceptor.enter("lobby")
            }
        }
        url = "ws://127.0.0.1:${server.port}"
    }

    afterSpec {
        for (c in connectors) c.close()
        server.close()
    }

    test("a call that returns: a timer on each side, success; frames and bytes each way; the connection gauge") {
        val c = connect()
        c.getDriver<IService>().plus(1.0, 2.0) shouldBe 3.0
        registry.calls("plus", "called", "success") shouldBe 1
        eventually(5.seconds) { registry.calls("plus", "served", "success") shouldBe 1 }
        registry.find(MeterNames.CALLS).tags(MeterNames.LISTENER, "plus", MeterNames.SIDE, "called").timer()!!.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS) shouldBeGreaterThan 0.0
        for (direction in listOf("in", "out")) {
            registry.counted(MeterNames.FRAMES, MeterNames.DIRECTION, direction, MeterNames.TYPE, "text") shouldBeGreaterThan 1.0
            registry.counted(MeterNames.BYTES, MeterNames.DIRECTION, direction, MeterNames.TYPE, "text") shouldBeGreaterThan 50.0
        }
        eventually(5.seconds) { registry.gauged(MeterNames.CONNECTIONS, MeterNames.ROLE, "acceptor", MeterNames.PATH, "/calc") shouldBe 1.0 }
        registry.gauged(MeterNames.CONNECTIONS, MeterNames.ROLE, "connector", MeterNames.PATH, "/calc") shouldBe 1.0
        c.close()
        eventually(5.seconds) { registry.gauged(MeterNames.CONNECTIONS, MeterNames.ROLE, "acceptor", MeterNames.PATH, "/calc") shouldBe 0.0 }
        registry.gauged(MeterNames.CONNECTIONS, MeterNames.ROLE, "connector", MeterNames.PATH, "/calc") shouldBe 0.0
    }

    test("a provider that throws: remote_error on both sides") {
        shouldThrow<RemoteException> { connect().getDriver<IService>().fail("no") }
        registry.calls("fail", "called", "remote_error") shouldBe 1
        eventually(5.seconds) { registry.calls("fail", "served", "remote_error") shouldBe 1 }
    }

    test("a function the server does not have: the caller's declared path, and 'unknown' on the served side") {
        shouldThrow<RemoteException> { connect().getDriver<IMissing>().missing() }
        registry.calls("missing", "called", "remote_error") shouldBe 1
        eventually(5.seconds) { registry.calls("unknown", "served", "remote_error") shouldBe 1 }
        registry.find(MeterNames.CALLS).tags(MeterNames.LISTENER, "missing", MeterNames.SIDE, "served").timer() shouldBe null
    }

    test("a call that times out: timeout here, cancelled across the wire on the server; the pending and running gauges") {
        val service = connect().getDriver(IService::class.java, Duration.ofMillis(300))
        shouldThrow<CallTimeoutException> { service.hold() }
        registry.calls("hold", "called", "timeout") shouldBe 1
        eventually(5.seconds) { registry.calls("hold", "served", "cancelled") shouldBe 1 }
        eventually(5.seconds) {
            registry.gauged(MeterNames.CALLS_PENDING) shouldBe 0.0
            registry.gauged(MeterNames.CALLS_RUNNING) shouldBe 0.0
        }
    }

    test("a cancelled call: cancelled on both sides") {
        val service = connect().getDriver<IService>()
        val before = registry.calls("hold", "served", "cancelled")
        val job = launch { service.hold() }
        // the server runs it, and this side waits for it: both gauges show it
        eventually(5.seconds) {
            registry.gauged(MeterNames.CALLS_RUNNING) shouldBe 1.0
            registry.gauged(MeterNames.CALLS_PENDING) shouldBe 1.0
        }
        job.cancel(CancellationException("the caller gave up"))
        job.join()
        registry.calls("hold", "called", "cancelled") shouldBe 1
        eventually(5.seconds) { registry.calls("hold", "served", "cancelled") shouldBe before + 1 }
    }

    test("a rejected handshake: counted by reason") {
        shouldThrow<HandshakeRejectedException> { connect(token = "wrong") }
        eventually(5.seconds) { registry.counted(MeterNames.HANDSHAKES_REJECTED, MeterNames.REASON, "rejected") shouldBe 1.0 }
        registry.counted(MeterNames.HANDSHAKES_REJECTED, MeterNames.REASON, "timeout") shouldBe 0.0
    }

    test("a header of the wrong type: counted as invalid_header") {
        val wrong = WebSocketConnector<Int, Any>(5, null, metrics.bind(ConnectorOptions.DEFAULT))
        shouldThrow<HandshakeRejectedException> { wrong.connect("$url/calc") }
        eventually(5.seconds) { registry.counted(MeterNames.HANDSHAKES_REJECTED, MeterNames.REASON, "invalid_header") shouldBe 1.0 }
    }

    test("a frame larger than maxFrameSize: the limit is counted, and the call fails as closed") {
        val c = connect()
        shouldThrow<ConnectionClosedException> { c.getDriver<IService>().echo("x".repeat(10_000)) }
        registry.calls("echo", "called", "closed") shouldBe 1
        eventually(5.seconds) { registry.counted(MeterNames.LIMITS_EXCEEDED, MeterNames.LIMIT, "maxFrameSize") shouldBe 1.0 }
    }

    test("a broadcast with a dead member: one broadcast, one member reached, one failed; the room gauge") {
        val printed = kotlinx.coroutines.CompletableDeferred<String>()
        connect("/room", object : IPrinter {
            override suspend fun print(line: String) {
                printed.complete(line)
            }
        })
        // a member that never answers
        connect("/room", object : IPrinter {
            override suspend fun print(line: String): Unit = awaitCancellation()
        })
        eventually(5.seconds) { registry.gauged(MeterNames.ROOM_CONNECTIONS, MeterNames.ROOM, "lobby") shouldBe 2.0 }
        val result = server.room("lobby")!!.broadcast(IPrinter::class.java, Duration.ofMillis(500)) { it.print("hello") }
        printed.await() shouldBe "hello"
        result.delivered.size shouldBe 1
        result.failed.size shouldBe 1
        registry.counted(MeterNames.BROADCASTS, MeterNames.LISTENER, "print") shouldBe 1.0
        registry.counted(MeterNames.BROADCAST_MEMBERS, MeterNames.LISTENER, "print", MeterNames.OUTCOME, "delivered") shouldBe 1.0
        registry.counted(MeterNames.BROADCAST_MEMBERS, MeterNames.LISTENER, "print", MeterNames.OUTCOME, "failed") shouldBe 1.0
        registry.calls("print", "called", "success") shouldBe 1
        registry.calls("print", "called", "cancelled") shouldBe 1
    }

    test("a connector that loses its connection and reconnects: one successful reconnect") {
        val policy = dev.wsgrid.ktor.client.ReconnectPolicy.builder().initialDelay(Duration.ofMillis(50)).build()
        val c = WebSocketConnector<Credentials, Any>(Credentials("secret"), null, metrics.bind(ConnectorOptions.builder().reconnect(policy).build()))
        connectors += c
        c.connect("$url/again")
        eventually(5.seconds) { server.acceptors.any { it.path == "/again" } shouldBe true }
        server.acceptors.first { it.path == "/again" }.close(1001, "going away")
        eventually(10.seconds) { registry.counted(MeterNames.RECONNECTS, MeterNames.OUTCOME, "success") shouldBe 1.0 }
        c.getDriver<IService>().plus(2.0, 2.0) shouldBe 4.0
    }

    test("binding twice counts once") {
        val twice = metrics.bind(metrics.bind(ServerOptions.DEFAULT))
        twice.listener shouldBe metrics.serverListener
        twice.communicator.eventListenerFactory shouldBe metrics.eventListenerFactory
    }
})
