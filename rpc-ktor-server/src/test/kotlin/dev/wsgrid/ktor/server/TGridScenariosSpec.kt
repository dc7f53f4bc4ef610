package dev.wsgrid.ktor.server

import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.rpc.InvokeEvent
import dev.wsgrid.rpc.InvokeListener
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.sync.Mutex
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.double
import kotlinx.serialization.json.jsonPrimitive
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.atomic.AtomicInteger

interface IRemoteMutex {
    suspend fun lock()
    suspend fun unlock()
}

interface ILog {
    suspend fun add(entry: String)
}

interface IMutexService {
    val mutex: IRemoteMutex
    val log: ILog
    suspend fun getIndex(): Int
}

interface IArithmetic {
    suspend fun plus(x: Double, y: Double): Double
    suspend fun multiplies(x: Double, y: Double): Double
}

/** JVM counterparts of TGrid's web test scenarios that the other specs do not already cover. */
class TGridScenariosSpec : FunSpec({

    test("mutex: clients serialize their critical sections through a remote lock") {
        val lock = Mutex()
        val entries = CopyOnWriteArrayList<String>()
        val next = AtomicInteger()
        val server = WebSocketServer<JsonElement, IMutexService>()
        server.open("127.0.0.1", 0) { acceptor ->
            val index = next.getAndIncrement()
            acceptor.accept(object : IMutexService {
                override val mutex = object : IRemoteMutex {
                    override suspend fun lock() = lock.lock()
                    override suspend fun unlock() = lock.unlock()
                }
                override val log = object : ILog {
                    override suspend fun add(entry: String) {
                        entries.add(entry)
                    }
                }
                override suspend fun getIndex() = index
            })
        }
        val count = 10
        coroutineScope {
            (1..count).map {
                async {
                    val connector = WebSocketConnector<Nothing?, Any>(null)
                    connector.connect("ws://127.0.0.1:${server.port}")
                    val service = connector.getDriver<IMutexService>()
                    service.mutex.lock()
                    val index = service.getIndex()
                    service.log.add("enter $index")
                    delay(((count - index) * 5).toLong())
                    service.log.add("leave $index")
                    service.mutex.unlock()
                    connector.close()
                }
            }.awaitAll()
        }
        entries.size shouldBe 2 * count
        entries.chunked(2).forEach { (enter, leave) -> leave shouldBe enter.replace("enter", "leave") }
        server.close()
    }

    test("events: send and complete on the connector, receive and return on the acceptor, each able to change the invoke") {
        val server = WebSocketServer<JsonElement, IArithmetic>()
        val seen = CopyOnWriteArrayList<String>()
        server.open("127.0.0.1", 0) { acceptor ->
            acceptor.addInvokeListener(object : InvokeListener() {
                override fun onReceive(event: InvokeEvent.Receive) {
                    seen.add("receive ${event.function.listener}")
                    if (event.function.listener == "multiplies") {
                        event.function.parameters[0].value = JsonPrimitive(2)
                        event.function.parameters[1].value = JsonPrimitive(7)
                    }
                }
                override fun onReturn(event: InvokeEvent.Return) {
                    seen.add("return ${event.function.listener}")
                    if (event.function.listener == "multiplies") event.result.value = JsonPrimitive(event.result.value!!.jsonPrimitive.double + 0.1)
                }
            })
            acceptor.accept(object : IArithmetic {
                override suspend fun plus(x: Double, y: Double) = x + y
                override suspend fun multiplies(x: Double, y: Double) = x * y
            })
        }
        val connector = WebSocketConnector<Nothing?, Any>(null)
        connector.addInvokeListener(object : InvokeListener() {
            override fun onSend(event: InvokeEvent.Send) {
                seen.add("send ${event.function.listener}")
                if (event.function.listener == "plus") {
                    event.function.parameters[0].value = JsonPrimitive(3)
                    event.function.parameters[1].value = JsonPrimitive(4)
                }
            }
            override fun onComplete(event: InvokeEvent.Complete) {
                seen.add("complete ${event.function.listener}")
                if (event.function.listener == "plus") event.result.value = JsonPrimitive(event.result.value!!.jsonPrimitive.double + 0.2)
            }
        })
        connector.connect("ws://127.0.0.1:${server.port}")
        val driver = connector.getDriver<IArithmetic>()
        driver.plus(1.0, 1.0) shouldBe 7.2
        driver.multiplies(1.0, 1.0) shouldBe 14.1
        seen shouldContainExactly listOf(
            "send plus", "receive plus", "return plus", "complete plus",
            "send multiplies", "receive multiplies", "return multiplies", "complete multiplies",
        )
        connector.close()
        server.close()
    }
})
