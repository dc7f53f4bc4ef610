package dev.wsgrid.rpc

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.supervisorScope
import kotlinx.coroutines.withTimeout
import java.util.concurrent.CopyOnWriteArrayList

/** Extension frames from a peer that does not play by the rules, spoken raw over an in-memory pair. */
class ExtensionFramesSpec : FunSpec({
    fun recordInvalid(c: Communicator<*>): CopyOnWriteArrayList<InvalidMessageException> {
        val invalid = CopyOnWriteArrayList<InvalidMessageException>()
        c.addInvokeListener(object : InvokeListener() {
            override fun onInvalidMessage(error: InvalidMessageException) {
                invalid.add(error)
            }
        })
        return invalid
    }

    suspend fun InMemoryTransport.nextText(): String = (withTimeout(5_000) { receive() } as TransportFrame.Text).text

    test("frames for unknown ids are ignored; an unknown kind is reported; the connection goes on") {
        val (a, b) = InMemoryTransport.pair()
        val server = TransportCommunicator<Any>(Numbers()).apply { open(a, WireProtocol.WSGRID_V1) }
        val invalid = recordInvalid(server)
        b.sendText("""{"wsgrid":"next","uid":99,"value":1}""")
        b.sendText("""{"wsgrid":"request","sid":5,"n":10}""")
        b.sendText("""{"wsgrid":"bogus","uid":1}""")
        b.sendText("""{"wsgrid":"request","uid":1,"n":-3}""")
        b.sendText("""{"uid":1,"listener":"count","parameters":[{"type":"number","value":1}]}""")
        b.sendText("""{"wsgrid":"request","uid":1,"n":1}""")
        b.nextText() shouldBe """{"wsgrid":"next","uid":1,"value":1}"""
        b.nextText() shouldBe """{"wsgrid":"complete","uid":1}"""
        invalid.map { it.message } shouldBe listOf(
            "invalid extension frame: unknown kind 'bogus'",
            "invalid extension frame: 'n' must be a positive integer",
        )
        server.close()
    }

    test("on a plain TGrid connection an extension frame is just an invalid TGrid frame") {
        val (a, b) = InMemoryTransport.pair()
        val holder = Holder()
        val server = TransportCommunicator<Any>(holder).apply { open(a) }
        val invalid = recordInvalid(server)
        b.sendText("""{"uid":1,"listener":"hold","parameters":[{"type":"number","value":1}]}""")
        withTimeout(5_000) { holder.started.await() }
        b.sendText("""{"wsgrid":"cancel","uid":1}""")
        b.sendText("""{"uid":2,"listener":"quick","parameters":[{"type":"number","value":2}]}""")
        b.nextText() shouldBe """{"uid":2,"success":true,"value":2}"""
        holder.cancelled.isCompleted shouldBe false
        invalid.single().message!! shouldContain "neither a call"
        server.close()
    }

    test("a producer that sends more than it was granted fails the stream instead of growing its buffer") {
        val (a, b) = InMemoryTransport.pair()
        val options = CommunicatorOptions.builder().streamBufferSize(4).build()
        val client = TransportCommunicator<Any>(null, options).apply { open(a, WireProtocol.WSGRID_V1) }
        val gate = CompletableDeferred<Unit>()
        supervisorScope {
            // the collector stops at its first item: at most 1 taken + 4 buffered, so the flood must overflow
            val collected = async { client.getDriver<INumbers>().count(100).collect { gate.await() } }
            b.nextText() shouldBe """{"uid":1,"listener":"count","parameters":[{"type":"number","value":100}]}"""
            b.nextText() shouldBe """{"wsgrid":"request","uid":1,"n":4}"""
            b.sendText("""{"wsgrid":"next","uid":1,"values":[1,2,3]}""")
            for (i in 4..10) b.sendText("""{"wsgrid":"next","uid":1,"value":$i}""")
            b.nextText() shouldBe """{"wsgrid":"cancel","uid":1}"""
            gate.complete(Unit)
            shouldThrow<LimitExceededException> { collected.await() }.message shouldBe
                "the stream of count sent more items than were requested (streamBufferSize 4)"
        }
        client.close()
    }
})
