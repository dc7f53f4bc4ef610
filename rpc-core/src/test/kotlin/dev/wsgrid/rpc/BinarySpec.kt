package dev.wsgrid.rpc

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldStartWith
import java.nio.ByteBuffer
import java.util.concurrent.CompletableFuture
import kotlin.random.Random

interface IBytes {
    suspend fun reverse(data: ByteArray): ByteArray
    suspend fun size(label: String, data: ByteArray?, buffer: ByteBuffer): String
    suspend fun buffer(size: Int): ByteBuffer
}

interface IBytesFutures {
    fun reverse(data: ByteArray): CompletableFuture<ByteArray>
}

class Bytes : IBytes {
    override suspend fun reverse(data: ByteArray): ByteArray = data.reversedArray()
    override suspend fun size(label: String, data: ByteArray?, buffer: ByteBuffer): String = "$label:${data?.size}:${buffer.remaining()}"
    override suspend fun buffer(size: Int): ByteBuffer = ByteBuffer.wrap(ByteArray(size) { it.toByte() })
}

/** Reads a binary frame's JSON part. */
fun jsonOf(frame: ByteArray): String {
    val n = ByteBuffer.wrap(frame).int
    return String(frame, 4, n, Charsets.UTF_8)
}

class BinarySpec : FunSpec({
    test("between wsgrid peers byte arrays travel in binary frames, without base64 or JSON arrays") {
        val p = peers(Bytes(), protocol = WireProtocol.WSGRID_V1)
        val data = Random(7).nextBytes(100_000)
        p.client.getDriver<IBytes>().reverse(data) shouldBe data.reversedArray()
        p.clientTransport.sent.size shouldBe 0
        p.serverTransport.sent.size shouldBe 0
        val call = p.clientTransport.sentBinary.single()
        call.size shouldBe 4 + jsonOf(call).length + 4 + 100_000
        jsonOf(call) shouldBe """{"uid":1,"listener":"reverse","parameters":[{"type":"object","value":{"wsgrid.binary":0}}]}"""
        jsonOf(p.serverTransport.sentBinary.single()) shouldBe """{"uid":1,"success":true,"value":{"wsgrid.binary":0}}"""
    }

    test("binary values mix with JSON ones; null stays JSON; ByteBuffers are sent from their position, results are wrapped") {
        val p = peers(Bytes(), protocol = WireProtocol.WSGRID_V1)
        val bytes = p.client.getDriver<IBytes>()
        val buffer = ByteBuffer.wrap(ByteArray(10)).position(4)
        bytes.size("a", ByteArray(3), buffer) shouldBe "a:3:6"
        buffer.position() shouldBe 4
        bytes.size("b", null, ByteBuffer.allocate(0)) shouldBe "b:null:0"
        bytes.buffer(5) shouldBe ByteBuffer.wrap(byteArrayOf(0, 1, 2, 3, 4))
        jsonOf(p.clientTransport.sentBinary.elementAt(1)) shouldStartWith
            """{"uid":2,"listener":"size","parameters":[{"type":"string","value":"b"},{"type":"object","value":null},{"type":"object","value":{"wsgrid.binary":0}}]}"""
    }

    test("Java drivers with futures get binary results too") {
        val p = peers(Bytes(), protocol = WireProtocol.WSGRID_V1)
        p.client.getDriver<IBytesFutures>().reverse(byteArrayOf(1, 2, 3)).get() shouldBe byteArrayOf(3, 2, 1)
        p.serverTransport.sentBinary.size shouldBe 1
    }

    test("with a TGrid peer they fall back to what TGrid reads: the codec's JSON (an array of numbers)") {
        val p = peers(Bytes())
        p.client.getDriver<IBytes>().reverse(byteArrayOf(1, 2, -1)) shouldBe byteArrayOf(-1, 2, 1)
        p.clientTransport.sentBinary.size shouldBe 0
        p.clientTransport.sent.single() shouldBe """{"uid":1,"listener":"reverse","parameters":[{"type":"object","value":[1,2,-1]}]}"""
        p.serverTransport.sent.single() shouldBe """{"uid":1,"success":true,"value":[-1,2,1]}"""
        p.client.getDriver<IBytes>().buffer(2) shouldBe ByteBuffer.wrap(byteArrayOf(0, 1))
    }

    test("a broken binary frame is reported and skipped; the connection goes on") {
        val (a, b) = InMemoryTransport.pair()
        val server = TransportCommunicator<Any>(Bytes()).apply { open(a, WireProtocol.WSGRID_V1) }
        val invalid = java.util.concurrent.CopyOnWriteArrayList<InvalidMessageException>()
        server.addInvokeListener(object : InvokeListener() {
            override fun onInvalidMessage(error: InvalidMessageException) {
                invalid.add(error)
            }
        })
        b.sendBinary(byteArrayOf(0, 0, 0, 100, 1, 2))
        b.sendText("""{"uid":1,"listener":"buffer","parameters":[{"type":"number","value":1}]}""")
        // with an invoke listener watching, values travel as JSON so that it sees them
        val answer = kotlinx.coroutines.withTimeout(5_000) { b.receive() } as TransportFrame.Text
        answer.text shouldBe """{"uid":1,"success":true,"value":[0]}"""
        invalid.single().message shouldBe "invalid binary frame: a JSON part of 100 bytes does not fit in the frame"
        server.close()
    }
})
