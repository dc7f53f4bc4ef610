package dev.wsgrid.ktor.server

import dev.wsgrid.ktor.client.WebSocketConnector
import io.kotest.assertions.nondeterministic.eventually
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import java.net.InetSocketAddress
import java.net.Socket
import kotlin.time.Duration.Companion.seconds

/**
 * A flood that exhausts the server's open files before it has closed a single client socket: once
 * the sockets go away, the server serves again (it loaded its whole path at open, see WarmUp).
 */
class DescriptorFloodSpec : FunSpec({
    for (engine in ServerEngine.entries) {
        test("400 idle sockets on a server allowed 256 open files: it serves again once they are gone ($engine)") {
            ServerProcess.start(engine, openFiles = 256).use { server ->
                val sockets = withContext(Dispatchers.IO) {
                    (0 until 400).mapNotNull {
                        runCatching { Socket().apply { connect(InetSocketAddress("127.0.0.1", server.port), 2_000) } }.getOrNull()
                    }
                }
                // the server ran out of descriptors meanwhile; now they come back
                withContext(Dispatchers.IO) { sockets.forEach { runCatching { it.close() } } }
                server.alive shouldBe true
                eventually(30.seconds) {
                    val c = WebSocketConnector<Nothing?, Any>(null)
                    try {
                        c.connect("ws://127.0.0.1:${server.port}/")
                        c.getDriver<ICalculator>().plus(1.0, 2.0) shouldBe 3.0
                    } finally {
                        runCatching { c.close() }
                    }
                }
            }
        }
    }
})
