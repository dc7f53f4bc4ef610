package dev.wsgrid.rpc

import io.kotest.assertions.nondeterministic.eventually
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.CompletableDeferred
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.time.Duration.Companion.seconds

interface ILogSink {
    suspend fun log(line: String)
    suspend fun logLater(line: String)
    suspend fun count(): Int
}

interface ILogDriver {
    @Notification
    suspend fun log(line: String)

    @Notification
    fun logLater(line: String): CompletableFuture<Void>

    suspend fun count(): Int
}

interface IBadNotification {
    @Notification
    suspend fun count(): Int
}

class SlowSink : ILogSink {
    val gate = CompletableDeferred<Unit>()
    val lines = CopyOnWriteArrayList<String>()
    override suspend fun log(line: String) {
        lines.add(line)
        gate.await()
    }
    override suspend fun logLater(line: String) = log(line)
    override suspend fun count(): Int = lines.size
}

class NotificationSpec : FunSpec({
    test("a notification is sent without a pending entry, and the answer a TGrid-like peer sends is dropped at no cost") {
        val sink = SlowSink()
        val p = peers(sink)
        val invalid = CopyOnWriteArrayList<InvalidMessageException>()
        p.client.addInvokeListener(object : InvokeListener() {
            override fun onInvalidMessage(error: InvalidMessageException) {
                invalid.add(error)
            }
        })
        val log = p.client.getDriver<ILogDriver>()
        log.log("one")
        log.logLater("two").isDone shouldBe true
        p.client.pendingCalls shouldBe 0
        eventually(5.seconds) { sink.lines.toList() shouldBe listOf("one", "two") }
        p.clientTransport.sent.first() shouldBe
            """{"uid":9007199254740991,"listener":"log","parameters":[{"type":"string","value":"one"}]}"""
        sink.gate.complete(Unit)
        eventually(5.seconds) { p.serverTransport.sent.size shouldBe 2 } // the two answers, dropped by the client
        p.serverTransport.sent.first() shouldBe """{"uid":9007199254740991,"success":true}"""
        // count()'s return came after the two dropped answers, on the same ordered connection: they were read
        log.count() shouldBe 2
        invalid shouldBe emptyList()
        p.client.close()
        shouldThrow<NotConnectedException> { log.log("after") }.message shouldBe "cannot call log: connection is CLOSED"
    }

    test("a notification that would return a value is refused at getDriver") {
        shouldThrow<IllegalArgumentException> { TransportCommunicator<Any>().getDriver<IBadNotification>() }.message shouldBe
            "a @Notification cannot return a value, but this one returns java.lang.Integer\n    for method IBadNotification.count"
    }
})
