package dev.wsgrid.ktor

import dev.wsgrid.rpc.CloseCodes
import dev.wsgrid.rpc.FrameReceiver
import dev.wsgrid.rpc.HeartbeatLostException
import dev.wsgrid.rpc.TransportFrame
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeInstanceOf
import io.ktor.utils.io.ByteChannel
import io.ktor.utils.io.ByteReadChannel
import io.ktor.utils.io.readByte
import io.ktor.utils.io.readByteArray
import io.ktor.utils.io.readShort
import io.ktor.utils.io.writeFully
import io.ktor.websocket.RawWebSocket
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.test.StandardTestDispatcher
import kotlinx.coroutines.test.currentTime
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.withTimeout
import java.io.ByteArrayOutputStream
import java.time.Duration

/**
 * KtorTransport on a raw Ktor session, byte by byte: the test writes the peer's frames as RFC 6455
 * bytes (masked, as a client sends them) and reads what the transport writes, so what is checked
 * is what goes over the wire: fragments, the frame limit, pings, the close handshake, heartbeats.
 */
class KtorTransportSpec : FunSpec({
    test("a text frame reaches the receiver; a text sent goes out as one unmasked text frame") {
        wire { w ->
            w.send(frame(OP_TEXT, "hello".toByteArray()))
            w.texts.receive() shouldBe "hello"
            w.transport.sendText("héllo")
            w.next() shouldBe (OP_TEXT to "héllo")
        }
    }

    test("a message in three fragments is joined into one text") {
        wire { w ->
            w.send(frame(OP_TEXT, "{\"uid\":".toByteArray(), fin = false))
            w.send(frame(OP_CONTINUATION, "1,\"listener\"".toByteArray(), fin = false))
            w.send(frame(OP_CONTINUATION, ":\"plus\"}".toByteArray()))
            w.texts.receive() shouldBe "{\"uid\":1,\"listener\":\"plus\"}"
        }
    }

    test("fragments adding up to more than the frame limit close the connection with 1009") {
        wire { w ->
            repeat(3) { w.send(frame(OP_TEXT.takeIf { _ -> it == 0 } ?: OP_CONTINUATION, ByteArray(400) { 'x'.code.toByte() }, fin = false)) }
            val (op, payload) = w.nextRaw()
            op shouldBe OP_CLOSE
            code(payload) shouldBe CloseCodes.MESSAGE_TOO_BIG
            w.closed.await().code shouldBe CloseCodes.MESSAGE_TOO_BIG
        }
    }

    test("a ping is answered with a pong carrying its payload") {
        wire { w ->
            w.send(frame(OP_PING, "beat-7".toByteArray()))
            w.next() shouldBe (OP_PONG to "beat-7")
        }
    }

    test("the peer's close is answered with its code and reported as the peer's") {
        wire { w ->
            w.send(frame(OP_CLOSE, closePayload(4000, "see you")))
            val (op, payload) = w.nextRaw()
            op shouldBe OP_CLOSE
            code(payload) shouldBe 4000
            val closed = w.closed.await()
            closed.code shouldBe 4000
            closed.reason shouldBe "see you"
            closed.byPeer shouldBe true
        }
    }

    test("close(code, reason) sends the close frame; after the peer's reply the end is reported as this side's") {
        wire { w ->
            w.transport.close(CloseCodes.NORMAL, "done")
            val (op, payload) = w.nextRaw()
            op shouldBe OP_CLOSE
            code(payload) shouldBe CloseCodes.NORMAL
            String(payload, 2, payload.size - 2) shouldBe "done"
            w.send(frame(OP_CLOSE, closePayload(CloseCodes.NORMAL, "")))
            val closed = w.closed.await()
            closed.code shouldBe CloseCodes.NORMAL
            closed.byPeer shouldBe false
        }
    }

    test("heartbeat, on a virtual clock: pings every 30 s; a peer that answers stays; one that stops is dropped 15 s after the unanswered ping") {
        runTest {
            val w = Wire(StandardTestDispatcher(testScheduler))
            w.transport.ping(Duration.ofSeconds(30), Duration.ofSeconds(15))
            // two pings answered: the connection stays
            repeat(2) {
                val (op, payload) = w.nextRaw()
                op shouldBe OP_PING
                currentTime shouldBe 30_000L * (it + 1)
                w.send(frame(OP_PONG, payload))
            }
            // the third goes unanswered
            w.nextRaw().first shouldBe OP_PING
            currentTime shouldBe 90_000L
            val closed = w.closed.await()
            currentTime shouldBe 105_000L
            closed.code shouldBe CloseCodes.ABNORMAL
            closed.cause.shouldBeInstanceOf<HeartbeatLostException>()
            closed.reason shouldContain "15000 ms"
        }
    }
})

private const val OP_CONTINUATION = 0x0
private const val OP_TEXT = 0x1
private const val OP_CLOSE = 0x8
private const val OP_PING = 0x9
private const val OP_PONG = 0xA

/** A KtorTransport on a raw Ktor session over two byte channels, and the peer's end of them. */
private class Wire(dispatcher: CoroutineDispatcher) {
    private val toTransport = ByteChannel()
    private val fromTransport = ByteChannel()
    val transport = KtorTransport(RawWebSocket(toTransport, fromTransport, maxFrameSize = 1_000, masking = false, coroutineContext = dispatcher))
    val texts = Channel<String>(Channel.UNLIMITED)
    val closed = CompletableDeferred<TransportFrame.Closed>()

    init {
        transport.start(object : FrameReceiver {
            override fun onText(text: String) {
                texts.trySend(text)
            }

            override fun onBinary(data: ByteArray) {}

            override fun onClosed(closed: TransportFrame.Closed) {
                this@Wire.closed.complete(closed)
            }
        })
    }

    /** Writes the peer's bytes. */
    suspend fun send(bytes: ByteArray) {
        toTransport.writeFully(bytes)
        toTransport.flush()
    }

    /** The next frame the transport wrote: its opcode and unmasked payload. */
    suspend fun nextRaw(): Pair<Int, ByteArray> = fromTransport.readFrame()

    /** The next frame, its payload as text. */
    suspend fun next(): Pair<Int, String> = nextRaw().let { (op, p) -> op to String(p, Charsets.UTF_8) }
}

/** Runs [block] on a wire whose coroutines run on [Dispatchers.Default], within 10 s. */
private suspend fun wire(block: suspend (Wire) -> Unit) = withTimeout(10_000) { block(Wire(Dispatchers.Default)) }

/** One frame as a client sends it: masked, with the length in 7 or 16 bits. */
private fun frame(opcode: Int, payload: ByteArray, fin: Boolean = true): ByteArray {
    val out = ByteArrayOutputStream()
    out.write((if (fin) 0x80 else 0) or opcode)
    if (payload.size < 126) {
        out.write(0x80 or payload.size)
    } else {
        require(payload.size < 65_536)
        out.write(0x80 or 126)
        out.write(payload.size shr 8)
        out.write(payload.size and 0xff)
    }
    val key = byteArrayOf(0x37, 0x11, 0x5a, 0x02)
    out.write(key)
    payload.forEachIndexed { i, b -> out.write(b.toInt() xor key[i % 4].toInt()) }
    return out.toByteArray()
}

private fun closePayload(code: Int, reason: String): ByteArray = byteArrayOf((code shr 8).toByte(), code.toByte()) + reason.toByteArray()

private fun code(closePayload: ByteArray): Int = ((closePayload[0].toInt() and 0xff) shl 8) or (closePayload[1].toInt() and 0xff)

private suspend fun ByteReadChannel.readFrame(): Pair<Int, ByteArray> {
    val b0 = readByte().toInt() and 0xff
    val b1 = readByte().toInt() and 0xff
    var length = b1 and 0x7f
    if (length == 126) length = readShort().toInt() and 0xffff else require(length < 126) { "a frame this test does not expect: 64-bit length" }
    val key = if (b1 and 0x80 != 0) readByteArray(4) else null
    val payload = readByteArray(length)
    if (key != null) for (i in payload.indices) payload[i] = (payload[i].toInt() xor key[i % 4].toInt()).toByte()
    return (b0 and 0x0f) to payload
}
