package dev.wsgrid.bench

import dev.wsgrid.ktor.server.ServerOptions
import dev.wsgrid.ktor.server.WebSocketAcceptor
import dev.wsgrid.ktor.server.WebSocketServer
import dev.wsgrid.rpc.CommunicatorOptions
import io.ktor.server.engine.EmbeddedServer
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.serialization.json.JsonElement
import java.lang.management.ManagementFactory

/** The wsgrid side of the benchmarks: one provider per connection, all of [BenchService]. */
class BenchProvider(
    private val server: WebSocketServer<JsonElement, BenchService>,
    private val acceptor: WebSocketAcceptor<JsonElement, BenchService>,
) : BenchService {
    override suspend fun plus(x: Double, y: Double): Double = x + y

    override suspend fun echo(payload: Payload): Payload = payload

    override suspend fun fail(message: String): Double = throw IllegalArgumentException(message)

    override suspend fun slow(ms: Long): Long {
        delay(ms)
        return ms
    }

    override suspend fun join(room: String): Int {
        acceptor.enter(room)
        return server.room(room)?.size ?: 0
    }

    override suspend fun broadcast(room: String, seq: Int): Int {
        val members = server.room(room) ?: return 0
        return members.broadcast(BenchMember::class.java) { it.deliver(seq) }.delivered.size
    }

    override fun numbers(count: Int): Flow<Int> = flow { for (i in 1..count) emit(i) }

    override suspend fun rename(id: String): Boolean = try {
        acceptor.changeId(id)
        true
    } catch (e: dev.wsgrid.rpc.IdConflictException) {
        false
    }

    override suspend fun callMember(id: String, x: Double): Double {
        val member = server.locate(id) ?: throw IllegalArgumentException("no connection $id")
        return member.getDriver(BenchMember::class.java).twice(x)
    }

    override suspend fun stats(gc: Boolean): ServerStats =
        serverStats(server.acceptors, gc).let { it.copy(runningCalls = it.runningCalls - 1) } // minus this very call
}

/** Heap (after collecting when [gc]), threads and the call tables of every connection of this process. */
fun serverStats(acceptors: List<WebSocketAcceptor<*, *>>, gc: Boolean): ServerStats {
    if (gc) collectGarbage()
    return ServerStats(
        heapUsedBytes = ManagementFactory.getMemoryMXBean().heapMemoryUsage.used,
        threads = Thread.activeCount(),
        connections = acceptors.size,
        pendingCalls = acceptors.sumOf { it.pendingCalls },
        runningCalls = acceptors.sumOf { it.runningCalls },
    )
}

/** Full collections until the used heap stops shrinking: a baseline that excludes garbage. */
fun collectGarbage() {
    val memory = ManagementFactory.getMemoryMXBean()
    var last = Long.MAX_VALUE
    repeat(6) {
        System.gc()
        Thread.sleep(50)
        val used = memory.heapMemoryUsage.used
        if (used >= last - 64 * 1024) return
        last = used
    }
}

/**
 * Starts the benchmark server on 127.0.0.1 at [port] (0: a free one) with limits raised for the
 * connection workload, and returns it.
 */
suspend fun startBenchServer(port: Int, maxConnections: Int = 30_000, metrics: Boolean = false, cluster: dev.wsgrid.ktor.server.ClusterAdapter? = null): WebSocketServer<JsonElement, BenchService> {
    val plain = ServerOptions.builder()
        .maxConnections(maxConnections)
        .cluster(cluster)
        .communicator(CommunicatorOptions.builder().build())
        .build()
    val options = if (metrics) benchMetrics().bind(plain) else plain
    val server = WebSocketServer<JsonElement, BenchService>(JsonElement::class.java, options)
    server.open("127.0.0.1", port) { acceptor -> acceptor.accept(BenchProvider(server, acceptor)) }
    return server
}

/**
 * wsgrid-micrometer with its default settings, bound to a Prometheus registry as a service would
 * be: what the metrics-on systems measure the cost of.
 */
fun benchMetrics(): dev.wsgrid.micrometer.WsgridMetrics =
    dev.wsgrid.micrometer.WsgridMetrics.create(io.micrometer.prometheusmetrics.PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT))

/**
 * The engine [server] runs on, `cio` or `netty`, so the runner can hold wsgrid to the bare echo on
 * the same engine. Read from the Ktor server it holds (its fields, and theirs one level down), or
 * else from the threads of this process (Ktor's Netty engine runs `eventLoopGroupProxy` threads);
 * `unknown` when neither tells.
 */
fun engineOf(server: WebSocketServer<*, *>): String {
    fun fieldsOf(o: Any): Sequence<Any> = generateSequence<Class<*>>(o.javaClass) { it.superclass }
        .takeWhile { it != Any::class.java }
        .flatMap { it.declaredFields.asSequence() }
        .filter { !java.lang.reflect.Modifier.isStatic(it.modifiers) && !it.type.isPrimitive }
        .mapNotNull { f -> runCatching { f.isAccessible = true; f.get(o) }.getOrNull() }
    val embedded = (fieldsOf(server) + fieldsOf(server).filter { it.javaClass.name.startsWith("dev.wsgrid.") }.flatMap { fieldsOf(it) })
        .filterIsInstance<EmbeddedServer<*, *>>()
        .firstOrNull()
    if (embedded != null) {
        val name = embedded.engine.javaClass.name.lowercase()
        if ("netty" in name) return "netty"
        if ("cio" in name) return "cio"
    }
    val threads = Thread.getAllStackTraces().keys.map { it.name }
    return if (threads.any { it.startsWith("eventLoopGroupProxy") }) "netty" else "unknown"
}
