package dev.wsgrid.ktor.server

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import java.io.InputStream
import java.net.InetSocketAddress
import java.net.Socket
import java.security.SecureRandom
import java.security.cert.X509Certificate
import java.util.Base64
import javax.net.ssl.SSLContext
import javax.net.ssl.X509TrustManager

/**
 * The standalone server's own first connection, made as it opens: a WebSocket upgrade through
 * the whole path a client takes (accept, TLS, HTTP, the route, the upgrade, the transport, the
 * close handshake, the socket's close), which the server recognises by its token and closes
 * normally without calling the handler.
 *
 * Every class on that path is loaded then, while the process can still open files: the JVM
 * remembers a class that failed to initialise, so one first loaded when descriptors have run out
 * (a flood of sockets) would break every later connection, even after the flood is over.
 */
internal object WarmUp {
    private const val TIMEOUT_MS = 10_000

    suspend fun connect(host: String, port: Int, tls: Boolean, token: String): Unit = withContext(Dispatchers.IO) {
        val plain = Socket()
        plain.connect(InetSocketAddress(host, port), TIMEOUT_MS)
        // our own server's certificate, on a loopback connection that carries no data: not checked
        val socket = if (tls) trustingItself().socketFactory.createSocket(plain, host, port, true) else plain
        socket.use { s ->
            s.soTimeout = TIMEOUT_MS
            val key = Base64.getEncoder().encodeToString(ByteArray(16).also { SecureRandom().nextBytes(it) })
            val out = s.getOutputStream()
            out.write(
                ("GET / HTTP/1.1\r\nHost: $host:$port\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                    "Sec-WebSocket-Key: $key\r\nSec-WebSocket-Version: 13\r\n${Endpoint.WARM_UP_HEADER}: $token\r\n\r\n").toByteArray(Charsets.US_ASCII),
            )
            out.flush()
            val input = s.getInputStream()
            val head = readHead(input)
            check(head.startsWith("HTTP/1.1 101")) { "the upgrade was answered with ${head.lineSequence().first()}" }
            // the server closes at once: read its close frame, answer it, and wait for the socket's end
            val opcode = input.read() and 0x0F
            check(opcode == 0x8) { "a frame of opcode $opcode came instead of a close" }
            val length = input.read() and 0x7F
            repeat(length) { input.read() }
            out.write(byteArrayOf(0x88.toByte(), 0x82.toByte(), 1, 2, 3, 4, (0x03 xor 1).toByte(), (0xE8 xor 2).toByte()))
            out.flush()
            while (input.read() >= 0) { /* until the server closes the socket */ }
        }
    }

    private fun readHead(input: InputStream): String {
        val sb = StringBuilder()
        while (!sb.endsWith("\r\n\r\n")) {
            val b = input.read()
            check(b >= 0) { "the connection ended during the upgrade" }
            sb.append(b.toChar())
            check(sb.length < 16_384) { "an upgrade response of more than 16 KiB" }
        }
        return sb.toString()
    }

    private fun trustingItself(): SSLContext = SSLContext.getInstance("TLS").apply {
        init(
            null,
            arrayOf(object : X509TrustManager {
                override fun checkClientTrusted(chain: Array<out X509Certificate>?, authType: String?) {}
                override fun checkServerTrusted(chain: Array<out X509Certificate>?, authType: String?) {}
                override fun getAcceptedIssuers(): Array<X509Certificate> = emptyArray()
            }),
            SecureRandom(),
        )
    }
}
