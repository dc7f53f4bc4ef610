package dev.wsgrid.ktor.server

import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.rpc.NonBlocking
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.withContext
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.withTimeout
import kotlinx.serialization.json.JsonElement
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit

/** What a provider's service interface says of blocking, as the server sees it. */
interface IMixed {
    /** A plain function: it may block, so it runs on the blocking pool. */
    fun blockUntilReleased(): String

    /** A plain function marked as one that only computes: it runs on the event loop. */
    @NonBlocking
    fun where(): String

    suspend fun plus(x: Double, y: Double): Double
}

/** The client's view of [IMixed]. */
interface IMixedDriver {
    suspend fun blockUntilReleased(): String
    suspend fun where(): String
    suspend fun plus(x: Double, y: Double): Double
}

class Mixed(private val release: CountDownLatch) : IMixed {
    val entered = CountDownLatch(1)
    override fun blockUntilReleased(): String {
        entered.countDown()
        check(release.await(30, TimeUnit.SECONDS)) { "never released" }
        return Thread.currentThread().name
    }
    override fun where(): String = Thread.currentThread().name
    override suspend fun plus(x: Double, y: Double): Double = x + y
}

/**
 * On the fast path each connection is served on an event loop that many connections share: a
 * provider function that blocks must never stall it.
 */
class BlockingProviderSpec : FunSpec({
    test("a blocking provider function holds neither its own connection's other calls nor any other connection") {
        val release = CountDownLatch(1)
        val providers = java.util.concurrent.CopyOnWriteArrayList<Mixed>()
        val server = WebSocketServer<JsonElement, IMixed>()
        server.open("127.0.0.1", 0) { a -> a.accept(Mixed(release).also { providers.add(it) }) }
        val url = "ws://127.0.0.1:${server.port}/"
        // more connections than event loops: some share the blocked connection's loop
        val clients = (0 until 2 * Runtime.getRuntime().availableProcessors() + 2).map { WebSocketConnector<Nothing?, Any>(null).apply { connect(url) } }
        coroutineScope {
            val blocked = async(start = CoroutineStart.UNDISPATCHED) { clients[0].getDriver<IMixedDriver>().blockUntilReleased() }
            withContext(Dispatchers.IO) { providers[0].entered.await(10, TimeUnit.SECONDS) } shouldBe true
            withTimeout(5_000) {
                // the same connection, and every other one, are served while it blocks
                clients[0].getDriver<IMixedDriver>().plus(1.0, 2.0) shouldBe 3.0
                for (c in clients) c.getDriver<IMixedDriver>().plus(2.0, 2.0) shouldBe 4.0
            }
            // a @NonBlocking plain function runs on the loop; the blocking one ran on the pool
            clients[1].getDriver<IMixedDriver>().where() shouldContain "eventLoopGroup"
            release.countDown()
            blocked.await() shouldNotContain "eventLoopGroup"
        }
        clients.forEach { it.close() }
        server.close()
    }
})
