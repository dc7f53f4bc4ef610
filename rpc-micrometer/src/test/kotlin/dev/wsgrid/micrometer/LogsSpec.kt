package dev.wsgrid.micrometer

import ch.qos.logback.classic.Level
import ch.qos.logback.classic.Logger
import ch.qos.logback.classic.spi.ILoggingEvent
import ch.qos.logback.core.read.ListAppender
import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.ktor.server.WebSocketServer
import dev.wsgrid.rpc.HandshakeRejectedException
import io.kotest.assertions.nondeterministic.eventually
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import org.slf4j.LoggerFactory
import org.slf4j.MDC
import kotlin.time.Duration.Companion.seconds

interface IMdcService {
    suspend fun suspending(): String
    fun blocking(): String
}

interface IMdc {
    suspend fun suspending(): String
    suspend fun blocking(): String
}

private fun mdc(): String = listOf(MDC.get("wsgrid.connection"), MDC.get("wsgrid.remote"), MDC.get("wsgrid.listener")).joinToString("|")

class MdcService : IMdcService {
    override suspend fun suspending(): String {
        val before = mdc()
        // resumed on another thread: the MDC comes along
        withContext(Dispatchers.IO) { Thread.sleep(5) }
        val after = mdc()
        check(before == after) { "the MDC changed across a resumption: $before, then $after" }
        return after
    }

    override fun blocking(): String = mdc()
}

/**
 * Logs as a JVM service reads them (Logback here, which keeps an MDC; slf4j-simple drops it): the
 * connection id, the remote address and the function in the MDC while a provider runs, and one
 * INFO line per lifecycle event with the connection in the MDC.
 */
class LogsSpec : FunSpec({
    val server = WebSocketServer<Credentials, IMdcService>(Credentials::class.java)
    val events = ListAppender<ILoggingEvent>().apply { start() }
    val wsgridLogger = LoggerFactory.getLogger("dev.wsgrid") as Logger

    beforeSpec {
        wsgridLogger.level = Level.INFO
        wsgridLogger.addAppender(events)
        server.open("127.0.0.1", 0) { acceptor ->
            if (acceptor.header.token != "secret") {
                acceptor.reject(1008, "unknown token")
            } else {
                acceptor.id = "client-1"
                acceptor.accept(MdcService())
            }
        }
    }
    afterSpec {
        server.close()
        wsgridLogger.detachAppender(events)
        wsgridLogger.level = null
    }

    test("suspending and blocking providers see wsgrid.connection, wsgrid.remote and wsgrid.listener") {
        val connector = WebSocketConnector<Credentials, Nothing>(Credentials("secret"))
        connector.connect("ws://127.0.0.1:${server.port}/mdc")
        try {
            val remote = server.find("client-1")!!.remoteAddress
            val driver = connector.getDriver<IMdc>()
            driver.suspending() shouldBe "client-1|$remote|suspending"
            driver.blocking() shouldBe "client-1|$remote|blocking"
            MDC.get("wsgrid.listener") shouldBe null
        } finally {
            connector.close()
        }
    }

    test("one INFO line for each connection opened and closed, and for a refused handshake, with the connection in the MDC") {
        events.list.clear()
        val connector = WebSocketConnector<Credentials, Nothing>(Credentials("secret"))
        connector.connect("ws://127.0.0.1:${server.port}/mdc")
        val remote = server.find("client-1")!!.remoteAddress
        connector.close()
        shouldThrow<HandshakeRejectedException> { WebSocketConnector<Credentials, Nothing>(Credentials("wrong")).connect("ws://127.0.0.1:${server.port}/mdc") }
        eventually(5.seconds) {
            val acceptorLines = events.list.filter { it.level == Level.INFO && it.mdcPropertyMap["wsgrid.connection"] == "client-1" }
            acceptorLines.map { it.formattedMessage.substringAfter(": ").substringBefore(" (") } shouldBe listOf("connection opened", "connection closed")
            acceptorLines.all { it.mdcPropertyMap["wsgrid.remote"] == remote } shouldBe true
            events.list.count { it.level == Level.INFO && it.formattedMessage.contains("rejected: rejected (code 1008)") } shouldBe 1
        }
        // nothing per call at INFO
        events.list.none { it.level == Level.INFO && it.formattedMessage.contains("called ") } shouldBe true
    }
})
