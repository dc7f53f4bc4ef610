package dev.wsgrid.rpc

import dev.wsgrid.rpc.fixtures.Calculator
import dev.wsgrid.rpc.fixtures.ICalculator
import dev.wsgrid.rpc.fixtures.ISlow
import dev.wsgrid.rpc.fixtures.Slow
import io.kotest.assertions.nondeterministic.eventually
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.future.await
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.test.currentTime
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.StandardTestDispatcher
import kotlinx.coroutines.test.runTest
import kotlinx.serialization.json.JsonPrimitive
import java.time.Duration
import java.time.Instant
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.ExecutionException
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

interface IFutureSlow {
    fun wait(tag: Int): CompletableFuture<Int>
    fun block(millis: Long): CompletableFuture<Long>
}

class CommunicatorSpec : FunSpec({

    test("a call before open, and after close, fails at once naming the state") {
        val c = TransportCommunicator<Any>()
        val calc = c.getDriver<ICalculator>()
        shouldThrow<NotConnectedException> { calc.plus(1.0, 2.0) }.message shouldBe "cannot call plus: connection is NONE"
        shouldThrow<NotConnectedException> { c.join() }.message shouldBe "cannot join: connection is NONE"
        val p = peers(Calculator())
        val driver = p.client.getDriver<ICalculator>()
        driver.plus(1.0, 2.0) shouldBe 3.0
        p.client.close(4000, "bye")
        p.client.state shouldBe CommunicatorState.CLOSED
        shouldThrow<NotConnectedException> { driver.scientific.sqrt(4.0) }.message shouldBe "cannot call scientific.sqrt: connection is CLOSED"
        p.server.join()
        p.server.state shouldBe CommunicatorState.CLOSED
    }

    test("closing fails every pending call on both sides with the code and reason") {
        val slow = Slow()
        val clientSlow = Slow()
        val p = peers(slow, clientSlow)
        val remote = p.client.getDriver<ISlow>()
        val back = p.server.getDriver<ISlow>()
        coroutineScope {
            val a = async { runCatching { remote.wait(1) } }
            val b = async { runCatching { remote.wait(2) } }
            val c = async { runCatching { back.wait(3) } }
            eventually(5.seconds) {
                slow.started.size shouldBe 2
                clientSlow.started.size shouldBe 1
            }
            p.client.pendingCalls shouldBe 2
            p.server.pendingCalls shouldBe 1
            p.client.close(4001, "going home")
            val ea = a.await().exceptionOrNull() as ConnectionClosedException
            ea.code shouldBe 4001
            ea.reason shouldBe "going home"
            ea.message shouldBe "cannot call wait: connection closed (code 4001, reason \"going home\", by this side)"
            (b.await().exceptionOrNull() as ConnectionClosedException).code shouldBe 4001
            val ec = c.await().exceptionOrNull() as ConnectionClosedException
            ec.message shouldBe "cannot call wait: connection closed (code 4001, reason \"going home\", by the remote side)"
        }
        p.client.pendingCalls shouldBe 0
        p.server.join(1.seconds) shouldBe true
    }

    test("a connection lost without a close fails pending calls with 1006") {
        val slow = Slow()
        val (a, b) = InMemoryTransport.pair()
        val server = TransportCommunicator<Any>(slow).apply { open(a) }
        val client = TransportCommunicator<Any>().apply { open(b) }
        coroutineScope {
            val call = async { runCatching { client.getDriver<ISlow>().wait(1) } }
            eventually(5.seconds) { slow.started.size shouldBe 1 }
            a.close(CloseCodes.ABNORMAL, "")
            (call.await().exceptionOrNull() as ConnectionClosedException).code shouldBe CloseCodes.ABNORMAL
        }
        server.join(5.seconds) shouldBe true
        server.state shouldBe CommunicatorState.CLOSED
        client.state shouldBe CommunicatorState.CLOSED
    }

    test("join waits for the close, with a timeout and a deadline") {
        val p = peers(Calculator())
        p.server.join(50.milliseconds) shouldBe false
        p.server.join(Duration.ofMillis(20)) shouldBe false
        p.server.join(Instant.now().plusMillis(20)) shouldBe false
        coroutineScope {
            val joined = async { p.server.join() }
            p.client.close()
            withTimeout(5_000) { joined.await() }
        }
        p.server.join(Duration.ofSeconds(1)) shouldBe true
        p.server.join(Instant.now()) shouldBe true
    }

    test("a communicator can be opened again after it closed, keeping its drivers") {
        val server = TransportCommunicator<Any>(Calculator())
        val client = TransportCommunicator<Any>()
        val calc = client.getDriver<ICalculator>()
        repeat(3) { round ->
            val (a, b) = InMemoryTransport.pair()
            server.open(a)
            client.open(b)
            calc.plus(round.toDouble(), 1.0) shouldBe round + 1.0
            client.close()
            server.join()
        }
    }

    test("timeouts, on a virtual clock: per communicator, per driver and per call; a timed-out call leaves nothing behind") {
        // both communicators and both ends of the pair on the test's scheduler: the minutes below
        // pass on its virtual clock, in no real time, and no real delay can race them
        runTest {
            val slow = Slow()
            val options = CommunicatorOptions.builder().callTimeout(Duration.ofMinutes(10)).build()
            val invalid = CopyOnWriteArrayList<InvalidMessageException>()
            val p = peers(slow, options = CommunicatorOptions.DEFAULT, clientOptions = options, dispatcher = StandardTestDispatcher(testScheduler))
            p.client.addInvokeListener(object : InvokeListener() {
                override fun onInvalidMessage(error: InvalidMessageException) {
                    invalid.add(error)
                }
            })
            var start = currentTime
            val byOptions = shouldThrow<CallTimeoutException> { p.client.getDriver<ISlow>().wait(1) }
            byOptions.message shouldBe "call to wait timed out after 600000 ms"
            byOptions.listener shouldBe "wait"
            byOptions.timeout shouldBe Duration.ofMinutes(10)
            currentTime - start shouldBe 600_000L
            start = currentTime
            shouldThrow<CallTimeoutException> {
                p.client.getDriver(ISlow::class.java, Duration.ofSeconds(30)).wait(2)
            }.timeout shouldBe Duration.ofSeconds(30)
            currentTime - start shouldBe 30_000L
            start = currentTime
            shouldThrow<CallTimeoutException> {
                withCallTimeout(20.seconds) { p.client.getDriver<ISlow>().wait(3) }
            }.timeout shouldBe Duration.ofSeconds(20)
            currentTime - start shouldBe 20_000L
            start = currentTime
            val future = p.client.getDriver(IFutureSlow::class.java).wait(4)
            shouldThrow<CallTimeoutException> { future.await() }.listener shouldBe "wait"
            currentTime - start shouldBe 600_000L
            p.client.pendingCalls shouldBe 0
            // the late returns arrive and are dropped without a report
            slow.gate.complete(Unit)
            runCurrent()
            p.serverTransport.sent.count { "\"success\":true" in it } shouldBe 4
            // quick()'s return, sent after them on the same ordered connection, proves the client read them
            p.client.getDriver<ISlow>().quick() shouldBe 1
            invalid shouldBe emptyList()
            p.client.close()
        }
    }

    test("cancelling a suspend call or a driver future removes its pending entry") {
        val slow = Slow()
        val p = peers(slow)
        coroutineScope {
            val call = async { p.client.getDriver<ISlow>().wait(1) }
            eventually(5.seconds) { p.client.pendingCalls shouldBe 1 }
            call.cancel()
            shouldThrow<CancellationException> { call.await() }
        }
        p.client.pendingCalls shouldBe 0
        val future = p.client.getDriver(IFutureSlow::class.java).wait(2)
        eventually(5.seconds) { p.client.pendingCalls shouldBe 1 }
        future.cancel(true)
        eventually(5.seconds) { p.client.pendingCalls shouldBe 0 }
        p.client.close()
    }

    test("a blocking provider method never stalls the connection's other calls") {
        val slow = Slow()
        val p = peers(slow)
        val futures = p.client.getDriver(IFutureSlow::class.java)
        // block() holds its thread until the quick call has come back: if it stalled the connection, nothing would
        val blocked = futures.block(-1)
        eventually(5.seconds) { slow.blocking.get() shouldBe true }
        p.client.getDriver<ISlow>().quick() shouldBe 1
        slow.release.countDown()
        blocked.await() shouldBe -1L
        p.client.close()
    }

    test("calls issued in sequence from one thread are sent and run in that order") {
        val order = CopyOnWriteArrayList<Double>()
        val recorder = object : ICalculator by Calculator() {
            override suspend fun plus(x: Double, y: Double): Double {
                order.add(x)
                return x + y
            }
        }
        val p = peers(recorder)
        val calc = p.client.getDriver(dev.wsgrid.rpc.fixtures.JavaCalculator::class.java)
        val futures = (1..2_000).map { calc.plus(it.toDouble(), 0.0) }
        CompletableFuture.allOf(*futures.toTypedArray()).await()
        order shouldContainExactly (1..2_000).map { it.toDouble() }
        p.client.close()
    }

    test("invoke listeners see the four events and may change parameters and results; a throwing one breaks nothing") {
        val events = CopyOnWriteArrayList<String>()
        val p = peers(Calculator())
        p.client.addInvokeListener(object : InvokeListener() {
            override fun onSend(event: InvokeEvent.Send) {
                events.add("send ${event.function.listener} ${event.function.parameters}")
                event.function.parameters[0].value = JsonPrimitive(10)
            }
            override fun onComplete(event: InvokeEvent.Complete) {
                events.add("complete ${event.function.uid} ${event.result.value}")
                (event.completedAt >= event.requestedAt) shouldBe true
            }
        })
        p.client.addInvokeListener(object : InvokeListener() {
            override fun onSend(event: InvokeEvent.Send): Unit = throw IllegalStateException("a broken listener")
        })
        p.server.addInvokeListener(object : InvokeListener() {
            override fun onReceive(event: InvokeEvent.Receive) {
                events.add("receive ${event.function.listener} ${event.function.parameters}")
            }
            override fun onReturn(event: InvokeEvent.Return) {
                events.add("return ${event.result.success} ${event.result.value}")
                event.result.value = JsonPrimitive(event.result.value.toString().toDouble() * 2)
            }
        })
        p.client.getDriver<ICalculator>().plus(1.0, 2.0) shouldBe 24.0
        events shouldContainExactly listOf(
            "send plus [number:1.0, number:2.0]",
            "receive plus [number:10, number:2.0]",
            "return true 12.0",
            "complete 1 24.0",
        )
        p.client.close()
    }

    test("limits: running calls of the remote side, and pending calls of this side") {
        val slow = Slow()
        val p = peers(slow, options = CommunicatorOptions.builder().maxConcurrentCalls(2).build(), clientOptions = CommunicatorOptions.DEFAULT)
        val futures = p.client.getDriver(IFutureSlow::class.java)
        val running = (1..2).map { futures.wait(it) }
        eventually(5.seconds) { slow.started.size shouldBe 2 }
        val remote = shouldThrow<ExecutionException> { futures.wait(3).get() }.cause as RemoteException
        remote.name shouldBe "LimitExceededException"
        remote.message shouldBe "refused to call wait: 2 calls of this connection are already running (maxConcurrentCalls)"
        slow.gate.complete(Unit)
        running.map { it.await() } shouldBe listOf(1, 2)
        p.client.close()

        val slow2 = Slow()
        val q = peers(slow2, clientOptions = CommunicatorOptions.builder().maxPendingCalls(2).build())
        val futures2 = q.client.getDriver(IFutureSlow::class.java)
        val waiting = (1..2).map { futures2.wait(it) }
        eventually(5.seconds) { q.client.pendingCalls shouldBe 2 }
        val limited = shouldThrow<ExecutionException> { futures2.wait(3).get() }.cause as LimitExceededException
        limited.message shouldBe "cannot call wait: 2 calls are already waiting for their return on this connection (maxPendingCalls)"
        limited.limit shouldBe "maxPendingCalls"
        limited.value shouldBe 2L
        slow2.gate.complete(Unit)
        waiting.map { it.await() } shouldBe listOf(1, 2)
        q.client.close()
    }
})
