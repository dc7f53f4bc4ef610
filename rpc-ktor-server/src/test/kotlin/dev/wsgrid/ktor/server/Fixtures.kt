package dev.wsgrid.ktor.server

import kotlinx.serialization.Serializable
import java.util.concurrent.CopyOnWriteArrayList
import kotlinx.coroutines.CompletableDeferred

interface ICalculator {
    suspend fun plus(x: Double, y: Double): Double
    suspend fun divides(x: Double, y: Double): Double
    val scientific: IScientific
}

interface IScientific {
    suspend fun sqrt(x: Double): Double
}

class Calculator : ICalculator {
    override suspend fun plus(x: Double, y: Double) = x + y
    override suspend fun divides(x: Double, y: Double): Double {
        if (y == 0.0) throw IllegalArgumentException("Divided by zero.")
        return x / y
    }
    override val scientific = object : IScientific {
        override suspend fun sqrt(x: Double) = kotlin.math.sqrt(x)
    }
}

interface IVector {
    suspend fun push(value: Int): Int
    suspend fun size(): Int
}

class Vector : IVector {
    private val items = CopyOnWriteArrayList<Int>()
    override suspend fun push(value: Int): Int {
        items.add(value)
        return items.size
    }
    override suspend fun size(): Int = items.size
}

@Serializable
data class Credentials(val token: String)

interface IPrinter {
    suspend fun print(line: String)
}

class Printer : IPrinter {
    val lines = CopyOnWriteArrayList<String>()
    override suspend fun print(line: String) {
        lines.add(line)
    }
}

interface IWaiter {
    suspend fun hold(tag: Int): Int
}

class Waiter : IWaiter {
    val gate = CompletableDeferred<Unit>()
    val held = CopyOnWriteArrayList<Int>()
    override suspend fun hold(tag: Int): Int {
        held.add(tag)
        gate.await()
        return tag
    }
}

interface IBlob {
    suspend fun blob(size: Int): String
}

class Blob : IBlob {
    override suspend fun blob(size: Int): String = "x".repeat(size)
}

/** A WebSocket client on a bare socket that writes (masked text frames) and never reads. */
class NonReadingClient(host: String, port: Int) : AutoCloseable {
    private val socket = java.net.Socket(host, port)
    private val out = socket.getOutputStream()

    init {
        out.write(
            ("GET / HTTP/1.1\r\nHost: $host:$port\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").toByteArray(),
        )
        out.flush()
        // read the 101 response headers, then never read again
        val input = socket.getInputStream()
        var last4 = 0
        while (last4 != 0x0D0A0D0A) last4 = (last4 shl 8) or input.read()
    }

    fun sendText(text: String) {
        val payload = text.toByteArray()
        val mask = byteArrayOf(1, 2, 3, 4)
        val header = java.io.ByteArrayOutputStream()
        header.write(0x81)
        when {
            payload.size < 126 -> header.write(0x80 or payload.size)
            payload.size < 65536 -> {
                header.write(0x80 or 126)
                header.write(payload.size shr 8)
                header.write(payload.size and 0xFF)
            }
            else -> error("frame too large for this test client")
        }
        header.write(mask)
        out.write(header.toByteArray())
        out.write(ByteArray(payload.size) { (payload[it].toInt() xor mask[it % 4].toInt()).toByte() })
        out.flush()
    }

    /** Drops the connection with a reset (RST), as a process that dies or a peer that vanishes does. */
    fun reset() {
        socket.setSoLinger(true, 0)
        socket.close()
    }

    override fun close() {
        socket.close()
    }
}
