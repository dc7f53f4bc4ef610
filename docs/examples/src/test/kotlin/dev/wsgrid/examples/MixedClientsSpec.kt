package dev.wsgrid.examples

import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.ktor.server.WebSocketAcceptor
import dev.wsgrid.ktor.server.WebSocketServer
import dev.wsgrid.rpc.WireProtocol
import io.kotest.assertions.nondeterministic.eventually
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.fold
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.time.Duration.Companion.seconds

/** A service with a plain function and a streaming one, served to TGrid and wsgrid clients alike. */
interface IMixed {
    suspend fun echo(text: String): String
    fun count(count: Int): Flow<Int>
}

class Mixed : IMixed {
    override suspend fun echo(text: String): String = text
    override fun count(count: Int): Flow<Int> = flow { for (i in 1..count) emit(i) }
}

/** One server, a real TGrid 1.2.1 client and a wsgrid connector at the same time: each gets its own protocol. */
class MixedClientsSpec : FunSpec({
    beforeSpec { requireNode() }

    test("a TGrid client and a wsgrid client on one server at once, each getting its own protocol") {
        val acceptors = CopyOnWriteArrayList<WebSocketAcceptor<JsonElement, IMixed>>()
        val server = WebSocketServer<JsonElement, IMixed>()
        server.open("127.0.0.1", 0) { acceptors.add(it); it.accept(Mixed()) }
        try {
            val connector = WebSocketConnector<JsonElement?, Any>(null)
            connector.connect("ws://127.0.0.1:${server.port}/mixed")
            connector.protocol shouldBe WireProtocol.WSGRID_V1
            val mixed = connector.getDriver<IMixed>()
            coroutineScope {
                // the wsgrid client streams while the TGrid client runs its calls
                val sum = async { mixed.count(20_000).fold(0L) { acc, i -> acc + i } }
                NodePeer("tgrid-client.js", "mixed", "ws://127.0.0.1:${server.port}/mixed").use { node ->
                    val r = node.expect("results")
                    r["subprotocol"] shouldBe JsonPrimitive("")
                    r["echo"] shouldBe JsonPrimitive("from tgrid")
                    r["stream"]!!.jsonObject["message"]!!.jsonPrimitive.content shouldBe
                        "cannot call count: it returns a stream, which only a wsgrid peer can receive (this connection speaks plain TGrid)"
                    r["afterStream"] shouldBe JsonPrimitive("still fine")
                    val frames = r["frames"]!!.jsonArray.map { it.jsonPrimitive.content }
                    frames.size shouldBe 3
                    frames.none { it.startsWith("{\"wsgrid\"") } shouldBe true
                    node.expect("closed")
                }
                sum.await() shouldBe 20_000L * 20_001 / 2
            }
            eventually(5.seconds) {
                acceptors.map { it.protocol }.toSet() shouldBe setOf(WireProtocol.WSGRID_V1, WireProtocol.TGRID)
            }
            mixed.echo("from wsgrid") shouldBe "from wsgrid"
            connector.close()
        } finally {
            server.close()
        }
    }
})
