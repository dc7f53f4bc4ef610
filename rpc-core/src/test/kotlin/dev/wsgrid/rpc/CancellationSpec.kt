package dev.wsgrid.rpc

import io.kotest.assertions.nondeterministic.eventually
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import java.time.Duration
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlin.time.Duration.Companion.seconds

interface IHolder {
    suspend fun hold(tag: Int): Int
    suspend fun quick(tag: Int): Int
}

interface IBlockingHolder {
    fun block(tag: Int): Int
}

interface IBlockingHolderDriver {
    fun block(tag: Int): CompletableFuture<Int>
}

class Holder : IHolder {
    val started = CompletableDeferred<Long>()
    val cancelled = CompletableDeferred<Long>()

    override suspend fun hold(tag: Int): Int {
        started.complete(System.nanoTime())
        try {
            awaitCancellation()
        } catch (e: kotlinx.coroutines.CancellationException) {
            cancelled.complete(System.nanoTime())
            throw e
        }
    }

    override suspend fun quick(tag: Int): Int = tag
}

class BlockingHolder : IBlockingHolder {
    val started = CountDownLatch(1)
    val interrupted = CompletableDeferred<Unit>()

    override fun block(tag: Int): Int {
        started.countDown()
        try {
            Thread.sleep(60_000)
        } catch (e: InterruptedException) {
            interrupted.complete(Unit)
            throw e
        }
        return tag
    }
}

class CancellationSpec : FunSpec({
    test("cancelling a call's coroutine cancels the provider's coroutine on the other side, and no late return is sent") {
        val holder = Holder()
        val p = peers(holder, protocol = WireProtocol.WSGRID_V1)
        p.client.protocol shouldBe WireProtocol.WSGRID_V1
        val driver = p.client.getDriver<IHolder>()
        coroutineScope {
            val call = launch(start = CoroutineStart.UNDISPATCHED) { driver.hold(7) }
            withTimeout(10_000) { holder.started.await() }
            val cancelledAt = System.nanoTime()
            call.cancelAndJoin()
            val reached = withTimeout(10_000) { holder.cancelled.await() }
            val millis = TimeUnit.NANOSECONDS.toMillis(reached - cancelledAt)
            println("cancellation reached the provider in $millis ms (in memory)")
            // generous: a loaded machine may take long, but never the 60 s a missing cancel would
            millis shouldBeLessThan 5_000
        }
        p.clientTransport.sent.toList().last() shouldBe """{"wsgrid":"cancel","uid":1}"""
        // the connection goes on, and the cancelled call's return never came
        driver.quick(3) shouldBe 3
        p.serverTransport.sent.none { it.startsWith("{\"uid\":1,") } shouldBe true
        p.client.pendingCalls shouldBe 0
    }

    test("a call timeout cancels the provider too") {
        val holder = Holder()
        val p = peers(holder, protocol = WireProtocol.WSGRID_V1)
        val driver = p.client.getDriver(IHolder::class.java, Duration.ofMillis(200))
        shouldThrow<CallTimeoutException> { driver.hold(1) }
        withTimeout(10_000) { holder.cancelled.await() }
    }

    test("cancelling a driver's future cancels the provider") {
        val holder = Holder()
        val p = peers(holder, protocol = WireProtocol.WSGRID_V1)
        val driver = p.client.getDriver<IFutureHolder>()
        val f = driver.hold(1)
        withTimeout(10_000) { holder.started.await() }
        f.cancel(true) shouldBe true
        withTimeout(10_000) { holder.cancelled.await() }
    }

    test("a blocking provider is interrupted when its call is cancelled") {
        val holder = BlockingHolder()
        val p = peers(holder, protocol = WireProtocol.WSGRID_V1)
        val f = p.client.getDriver<IBlockingHolderDriver>().block(1)
        holder.started.await(10, TimeUnit.SECONDS) shouldBe true
        f.cancel(true)
        withTimeout(10_000) { holder.interrupted.await() }
    }

    test("on a plain TGrid connection no cancel frame is sent: the provider runs on, as TGrid's would") {
        val holder = Holder()
        val p = peers(holder)
        p.client.protocol shouldBe WireProtocol.TGRID
        val driver = p.client.getDriver<IHolder>()
        coroutineScope {
            val call = async(start = CoroutineStart.UNDISPATCHED) { driver.hold(7) }
            withTimeout(10_000) { holder.started.await() }
            call.cancelAndJoin()
        }
        driver.quick(2) shouldBe 2
        p.clientTransport.sent.none { it.contains("wsgrid") } shouldBe true
        holder.cancelled.isCompleted shouldBe false
        p.server.close()
        eventually(10.seconds) { holder.cancelled.isCompleted shouldBe true }
    }

    test("a cancel frame for a call that has finished, or never ran, is ignored") {
        val (a, b) = InMemoryTransport.pair()
        val server = TransportCommunicator<Any>(Holder()).apply { open(a, WireProtocol.WSGRID_V1) }
        b.sendText("""{"wsgrid":"cancel","uid":42}""")
        b.sendText("""{"uid":1,"listener":"quick","parameters":[{"type":"number","value":5}]}""")
        val answer = withTimeout(5_000) { b.receive() } as TransportFrame.Text
        answer.text shouldContain "\"value\":5"
        server.close()
    }
})

interface IFutureHolder {
    fun hold(tag: Int): CompletableFuture<Int>
}
