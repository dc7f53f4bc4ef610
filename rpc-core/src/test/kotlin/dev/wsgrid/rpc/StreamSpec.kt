package dev.wsgrid.rpc

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeLessThanOrEqual
import io.kotest.matchers.longs.shouldBeLessThanOrEqual
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.collect
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.onEach
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.jdk9.asFlow
import kotlinx.coroutines.jdk9.asPublisher
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import java.util.concurrent.atomic.AtomicLong
import kotlin.math.max

interface INumbers {
    /** 1..count. */
    fun count(count: Int): Flow<Int>

    /** Numbers without end, until the caller stops. */
    fun endless(): Flow<Long>

    /** Emits [before] items, then fails. */
    fun failing(before: Int): Flow<String>

    /** Sums a stream the caller sends. */
    suspend fun sum(values: Flow<Int>): Long

    /** Doubles a stream the caller sends, as a stream. */
    fun doubled(values: Flow<Int>): Flow<Int>

    /** Takes only the first item of a stream the caller sends. */
    suspend fun firstOf(values: Flow<Int>): Int
}

/** The same functions as a Java user declares them. */
interface IPublisherNumbers {
    fun count(count: Int): java.util.concurrent.Flow.Publisher<Int>
    suspend fun sum(values: java.util.concurrent.Flow.Publisher<Int>): Long
}

class Numbers : INumbers {
    val produced = AtomicLong()
    val endlessStopped = CompletableDeferred<Throwable?>()

    override fun count(count: Int): Flow<Int> = flow {
        for (i in 1..count) {
            produced.incrementAndGet()
            emit(i)
        }
    }

    override fun endless(): Flow<Long> = flow {
        try {
            var i = 0L
            while (true) {
                produced.incrementAndGet()
                emit(i++)
            }
        } catch (e: Throwable) {
            endlessStopped.complete(e)
            throw e
        }
    }

    override fun failing(before: Int): Flow<String> = flow {
        repeat(before) { emit("item $it") }
        throw IllegalStateException("the source broke after $before items")
    }

    override suspend fun sum(values: Flow<Int>): Long {
        var total = 0L
        values.collect { total += it }
        return total
    }

    override fun doubled(values: Flow<Int>): Flow<Int> = flow { values.collect { emit(it * 2) } }

    override suspend fun firstOf(values: Flow<Int>): Int = values.first()
}

class StreamSpec : FunSpec({
    test("a Flow result streams its items, then completes") {
        val p = peers(Numbers(), protocol = WireProtocol.WSGRID_V1)
        p.client.getDriver<INumbers>().count(10).toList() shouldBe (1..10).toList()
        // the call frame is TGrid's; credit and items are extension frames
        p.clientTransport.sent.first() shouldBe """{"uid":1,"listener":"count","parameters":[{"type":"number","value":10}]}"""
        p.clientTransport.sent.elementAt(1) shouldBe """{"wsgrid":"request","uid":1,"n":64}"""
        // items go one per frame ("value") or, when several wait, batched ("values":[...])
        val first = p.serverTransport.sent.first()
        (first == """{"wsgrid":"next","uid":1,"value":1}""" || first.startsWith("""{"wsgrid":"next","uid":1,"values":[1,""")) shouldBe true
        p.serverTransport.sent.last() shouldBe """{"wsgrid":"complete","uid":1}"""
    }

    test("a stream is cold: nothing is sent before it is collected, and each collection is a call") {
        val p = peers(Numbers(), protocol = WireProtocol.WSGRID_V1)
        val stream = p.client.getDriver<INumbers>().count(3)
        p.clientTransport.sent.size shouldBe 0
        stream.toList() shouldBe listOf(1, 2, 3)
        stream.toList() shouldBe listOf(1, 2, 3)
    }

    test("1,000,000 items to a slow consumer: the producer is never more than the stream buffer ahead") {
        val numbers = Numbers()
        val options = CommunicatorOptions.builder().streamBufferSize(64).build()
        val p = peers(numbers, options = options, protocol = WireProtocol.WSGRID_V1)
        var received = 0L
        var maxAhead = 0L
        p.client.getDriver<INumbers>().count(1_000_000).collect { item ->
            received++
            item.toLong() shouldBe received
            maxAhead = max(maxAhead, numbers.produced.get() - received)
            // slow: the consumer yields its thread often, letting the producer run as far as it may
            if (received % 64 == 0L) yield()
            if (received % 100_000 == 0L) Thread.sleep(20)
        }
        received shouldBe 1_000_000
        println("producer ahead of the consumer by at most $maxAhead items")
        // credit granted = taken + buffer; the producer holds one more item while it waits for credit
        maxAhead shouldBeLessThanOrEqual 64L + 1
    }

    test("stopping early cancels the producer on the other side") {
        val numbers = Numbers()
        val p = peers(numbers, protocol = WireProtocol.WSGRID_V1)
        p.client.getDriver<INumbers>().endless().take(5).toList() shouldBe listOf(0L, 1L, 2L, 3L, 4L)
        val why = withTimeout(10_000) { numbers.endlessStopped.await() }
        (why is kotlinx.coroutines.CancellationException) shouldBe true
        numbers.produced.get() shouldBeLessThanOrEqual 5L + 64 + 1
        p.clientTransport.sent.last() shouldBe """{"wsgrid":"cancel","uid":1}"""
    }

    test("an error of the producer arrives after the items sent before it") {
        val p = peers(Numbers(), protocol = WireProtocol.WSGRID_V1)
        val got = ArrayList<String>()
        val e = shouldThrow<RemoteException> { p.client.getDriver<INumbers>().failing(3).collect { got.add(it) } }
        got shouldBe listOf("item 0", "item 1", "item 2")
        e.message shouldContain "the source broke after 3 items"
        e.name shouldBe "IllegalStateException"
    }

    test("the connection closing fails the stream being collected") {
        val p = peers(Numbers(), protocol = WireProtocol.WSGRID_V1)
        shouldThrow<ConnectionClosedException> {
            p.client.getDriver<INumbers>().endless().onEach { if (it == 10L) p.server.close(4000, "bye") }.collect()
        }.message shouldContain "endless"
    }

    test("a stream argument flows from the caller to the provider, with the same backpressure") {
        val p = peers(Numbers(), protocol = WireProtocol.WSGRID_V1)
        val numbers = p.client.getDriver<INumbers>()
        numbers.sum(flow { for (i in 1..10_000) emit(i) }) shouldBe 50_005_000L
        numbers.doubled(flow { for (i in 1..5) emit(i) }).toList() shouldBe listOf(2, 4, 6, 8, 10)
        p.clientTransport.sent.first() shouldBe """{"uid":1,"listener":"sum","parameters":[{"type":"object","value":{"wsgrid.stream":2}}]}"""
    }

    test("a provider that stops reading a stream argument early stops the caller's producer") {
        val p = peers(Numbers(), protocol = WireProtocol.WSGRID_V1)
        val stopped = CompletableDeferred<Throwable>()
        var sent = 0L
        val endless = flow {
            try {
                while (true) {
                    sent++
                    emit(sent.toInt())
                }
            } catch (e: Throwable) {
                stopped.complete(e)
                throw e
            }
        }
        p.client.getDriver<INumbers>().firstOf(endless) shouldBe 1
        (withTimeout(10_000) { stopped.await() } is kotlinx.coroutines.CancellationException) shouldBe true
        sent shouldBeLessThanOrEqual 64L + 1
    }

    test("an error in a stream argument reaches the provider, whose call fails with it") {
        val p = peers(Numbers(), protocol = WireProtocol.WSGRID_V1)
        val e = shouldThrow<RemoteException> {
            p.client.getDriver<INumbers>().sum(flow { emit(1); throw IllegalArgumentException("no more numbers") })
        }
        e.message shouldContain "no more numbers"
    }

    test("Java's Flow.Publisher works as a result and as an argument") {
        val p = peers(Numbers(), protocol = WireProtocol.WSGRID_V1)
        val numbers = p.client.getDriver<IPublisherNumbers>()
        numbers.count(5).asFlow().toList() shouldBe listOf(1, 2, 3, 4, 5)
        numbers.sum(flow { for (i in 1..100) emit(i) }.asPublisher()) shouldBe 5050L
    }

    test("against a plain TGrid peer a stream fails with an error that says so, on both sides") {
        val p = peers(Numbers())
        val numbers = p.client.getDriver<INumbers>()
        shouldThrow<UnsupportedOperationException> { numbers.count(3).toList() }.message shouldBe
            "cannot call count: it returns a stream, which needs a wsgrid peer, but this connection speaks plain TGrid " +
            "(the peer did not agree to wsgrid.v1)"
        shouldThrow<UnsupportedOperationException> { numbers.sum(flow { emit(1) }) }.message shouldContain "parameter 1 is a stream"
        // a TGrid caller of a stream function gets an error return, never an extension frame
        val raw = rawPeer(Numbers())
        val answer = raw.call("""{"uid":1,"listener":"count","parameters":[{"type":"number","value":3}]}""")
        answer shouldContain "\"success\":false"
        answer shouldContain "returns a stream, which only a wsgrid peer can receive"
    }
})
