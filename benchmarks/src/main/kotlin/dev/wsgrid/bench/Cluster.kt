package dev.wsgrid.bench

import dev.wsgrid.ktor.client.ConnectorOptions
import dev.wsgrid.ktor.client.WebSocketConnector
import io.lettuce.core.RedisClient
import io.lettuce.core.codec.StringCodec
import io.lettuce.core.pubsub.RedisPubSubAdapter
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.future.await
import kotlinx.coroutines.sync.Semaphore
import kotlinx.coroutines.sync.withPermit
import kotlinx.coroutines.withTimeout
import kotlinx.serialization.Serializable
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.int
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import java.io.File
import java.net.ServerSocket
import java.nio.file.Files
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger

@Serializable
data class ClusterResult(
    val members: Int,
    val nodes: Int,
    /** Broadcast of one notification until the last member has it, ms: the median of the runs after two warm-ups. */
    val fanoutClusterMs: Double,
    val fanoutClusterRunsMs: List<Double>,
    val fanoutSingleMs: Double,
    val fanoutSingleRunsMs: List<Double>,
    /** A call through the server to a member on the same node, and on another node (locate), µs. */
    val localCallP50Us: Double,
    val localCallP99Us: Double,
    val remoteCallP50Us: Double,
    val remoteCallP99Us: Double,
    val calls: Int,
    val loadAverage: Double,
)

/** A `redis-server` of this run on a free port, no persistence; stopped by [close]. */
private class RedisProcess : AutoCloseable {
    val port = ServerSocket(0).use { it.localPort }
    private val dir = Files.createTempDirectory("wsgrid-bench-redis").toFile()
    private val process: Process

    init {
        val binary = File("/usr/bin/redis-server")
        check(binary.canExecute()) { "the cluster benchmarks need Debian's redis-server: apt-get install redis-server" }
        process = ProcessBuilder(binary.path, "--port", "$port", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.path)
            .redirectErrorStream(true).redirectOutput(File(dir, "redis.log")).start()
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10)
        while (runCatching { java.net.Socket("127.0.0.1", port).close() }.isFailure) {
            check(System.nanoTime() < deadline && process.isAlive) { "redis-server did not start: ${File(dir, "redis.log").readText()}" }
            Thread.sleep(20)
        }
    }

    val uri get() = "redis://127.0.0.1:$port"

    override fun close() {
        process.destroy()
        process.waitFor(5, TimeUnit.SECONDS)
        dir.deleteRecursively()
    }
}

/** A `server-wsgrid` process of this jar, optionally a node of the cluster at [redis]. */
private class NodeProcess(redis: String?) : AutoCloseable {
    private val process: Process
    val port: Int

    init {
        val jar = File(NodeProcess::class.java.protectionDomain.codeSource.location.toURI()).path
        val java = File(System.getProperty("java.home"), "bin/java").path
        val command = listOf(java, "-Xmx2g", "-jar", jar, "server-wsgrid") + (redis?.let { listOf("--redis", it) } ?: emptyList())
        process = ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start()
        val reader = process.inputStream.bufferedReader()
        var found: Int? = null
        while (found == null) {
            val line = reader.readLine() ?: error("server-wsgrid ended before listening")
            found = runCatching { Json.parseToJsonElement(line).jsonObject["port"]!!.jsonPrimitive.int }.getOrNull()
        }
        port = found
    }

    val url get() = "ws://127.0.0.1:$port/"

    override fun close() {
        process.outputStream.close()
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly()
    }
}

/** A fan-out member that also answers `twice`. */
private class FanMember(private val counter: FanCounter) : BenchMember {
    override suspend fun deliver(seq: Int) = counter.arrived(seq)
    override suspend fun twice(x: Double): Double = 2 * x
}

private class FanCounter {
    @Volatile var seq = -1
    @Volatile var expected = 0
    private val count = AtomicInteger()
    @Volatile var done = CompletableDeferred<Unit>()

    fun start(seq: Int, expected: Int) {
        count.set(0)
        done = CompletableDeferred()
        this.expected = expected
        this.seq = seq
    }

    fun arrived(seq: Int) {
        if (seq == this.seq && count.incrementAndGet() == expected) done.complete(Unit)
    }
}

private fun median(values: List<Double>): Double = values.sorted()[values.size / 2]
private fun percentile(sorted: List<Double>, p: Double): Double = sorted[((sorted.size - 1) * p).toInt()]

/** Opens [n] members spread over [urls] (round robin), each in the room `fan`. */
private suspend fun openMembers(urls: List<String>, n: Int, counter: FanCounter, options: ConnectorOptions): List<WebSocketConnector<Nothing?, BenchMember>> {
    val gate = Semaphore(32)
    return coroutineScope {
        (0 until n).map { i ->
            async {
                gate.withPermit {
                    val m = WebSocketConnector<Nothing?, BenchMember>(null, FanMember(counter), options)
                    // a loaded machine times a handshake out now and then: three tries
                    var attempt = 0
                    while (true) {
                        try {
                            m.connect(urls[i % urls.size])
                            break
                        } catch (e: dev.wsgrid.rpc.ConnectException) {
                            if (++attempt == 3) throw e
                            kotlinx.coroutines.delay(500L * attempt)
                        }
                    }
                    m.getDriver<BenchService>().join("fan")
                    m
                }
            }
        }.awaitAll()
    }
}

private suspend fun closeAll(members: List<WebSocketConnector<*, *>>) {
    val gate = Semaphore(256)
    coroutineScope { members.map { m -> async { gate.withPermit { runCatching { m.close() } } } }.awaitAll() }
}

/** Times [runs] broadcasts from [control] to every member, until the last has each; the runs in ms. */
private suspend fun fanout(control: BenchService, counter: FanCounter, members: Int, runs: Int, first: Int): List<Double> = (0 until runs).map { r ->
    val seq = first + r
    counter.start(seq, members)
    val t0 = System.nanoTime()
    control.broadcast("fan", seq)
    withTimeout(60_000) { counter.done.await() }
    (System.nanoTime() - t0) / 1e6
}

/** Sequential calls through [via] to the member [id]: their round trips in µs, sorted. */
private suspend fun calls(via: BenchService, id: String, n: Int): List<Double> {
    repeat(n / 5) { via.callMember(id, 1.0) } // warm-up
    return List(n) {
        val t0 = System.nanoTime()
        check(via.callMember(id, it.toDouble()) == 2.0 * it)
        (System.nanoTime() - t0) / 1e3
    }.sorted()
}

/** The fan-out runs (ms) of `client-scale URL N` against one node, run as a process of its own. */
private fun singleNodeFanout(url: String, n: Int): List<Double> {
    val jar = File(NodeProcess::class.java.protectionDomain.codeSource.location.toURI()).path
    val java = File(System.getProperty("java.home"), "bin/java").path
    val p = ProcessBuilder(java, "-jar", jar, "client-scale", url, n.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start()
    val out = p.inputStream.bufferedReader().readText()
    check(p.waitFor() == 0) { "client-scale failed" }
    val json = out.lines().last { it.trim().startsWith("{") }
    return Json.decodeFromString(ScaleResult.serializer(), json).steps.single().fanoutMs
}

private fun loadAverage(): Double = runCatching { File("/proc/loadavg").readText().split(' ')[0].toDouble() }.getOrDefault(-1.0)

/**
 * `cluster`: three wsgrid nodes (separate JVMs) on one Redis and one single node beside them; N
 * members spread over the three nodes; a broadcast from one node until the last member has it,
 * against the same N members on the single node; and a call through a node to a member on another
 * node (locate) against one on the same node.
 */
internal suspend fun clusterBench(o: Options) {
    val n = o.value("--members")?.toInt() ?: 10_000
    val callCount = o.value("--calls")?.toInt() ?: 5_000
    val out = File(o.value("--out") ?: "benchmarks/results")
    // a client of its own for each phase: the closed connections of one must not count against the next
    fun client() = scaleHttpClient(n)
    val http = client()
    val clusterHttp = http
    val clusterOptions = ConnectorOptions.builder().httpClient(clusterHttp).build()
    RedisProcess().use { redis ->
        val nodes = List(3) { NodeProcess(redis.uri) }
        val single = NodeProcess(null)
        try {
            val counter = FanCounter()
            val control = WebSocketConnector<Nothing?, Any>(null, null, clusterOptions).apply { connect(nodes[0].url) }.getDriver<BenchService>()
            System.err.println("cluster: opening $n members over 3 nodes")
            val members = openMembers(nodes.map { it.url }, n, counter, clusterOptions)
            val clusterRuns = fanout(control, counter, n, 7, 1)
            System.err.println("cluster: fan-out over 3 nodes, ms: $clusterRuns")
            closeAll(members)

            // a call through node 0 to a member on another node, and to one on node 0 itself
            val far = WebSocketConnector<Nothing?, BenchMember>(null, FanMember(counter), clusterOptions).apply { connect(nodes[1].url) }
            check(far.getDriver<BenchService>().rename("far"))
            val near = WebSocketConnector<Nothing?, BenchMember>(null, FanMember(counter), clusterOptions).apply { connect(nodes[0].url) }
            check(near.getDriver<BenchService>().rename("near"))
            val local = calls(control, "near", callCount)
            val remote = calls(control, "far", callCount)
            System.err.println("cluster: call p50 local ${percentile(local, 0.5)} µs, across nodes ${percentile(remote, 0.5)} µs")
            far.close()
            near.close()
            clusterHttp.close()

            // the single node's figure: the scale workload's own client, in a process of its own (this one
            // may hold 20,000 descriptors, and its closed sockets linger)
            System.err.println("cluster: $n members on one node (client-scale)")
            val singleRuns = singleNodeFanout(single.url, n)
            System.err.println("cluster: fan-out on one node, ms: $singleRuns")

            val result = ClusterResult(
                members = n, nodes = 3,
                fanoutClusterMs = median(clusterRuns.drop(2)), fanoutClusterRunsMs = clusterRuns,
                fanoutSingleMs = median(singleRuns.drop(2)), fanoutSingleRunsMs = singleRuns,
                localCallP50Us = percentile(local, 0.5), localCallP99Us = percentile(local, 0.99),
                remoteCallP50Us = percentile(remote, 0.5), remoteCallP99Us = percentile(remote, 0.99),
                calls = callCount, loadAverage = loadAverage(),
            )
            out.mkdirs()
            File(out, "cluster-latest.json").writeText(Json { prettyPrint = true }.encodeToString(ClusterResult.serializer(), result))
            val md = clusterMarkdown(result)
            File(out, "cluster-latest.md").writeText(md)
            println(md)
        } finally {
            nodes.forEach { it.close() }
            single.close()
            http.close()
        }
    }
}

private fun clusterMarkdown(r: ClusterResult): String {
    fun f(v: Double) = "%.1f".format(v)
    val added = r.remoteCallP50Us - r.localCallP50Us
    return """
        |# wsgrid on a cluster: ${r.nodes} nodes on one Redis
        |
        || workload | one node | ${r.nodes} nodes on Redis | target |
        ||---|---|---|---|
        || broadcast of a notification to ${"%,d".format(r.members)} members, until the last has it (median, ms) | ${f(r.fanoutSingleMs)} | ${f(r.fanoutClusterMs)} | < 200 ms: ${if (r.fanoutClusterMs < 200) "met" else "missed"} |
        || a call through a node to a member, p50 (µs) | ${f(r.localCallP50Us)} (same node) | ${f(r.remoteCallP50Us)} (another node, via locate) | adds < 1 ms: ${if (added < 1000) "met" else "missed"} (+${f(added)} µs) |
        || the same call, p99 (µs) | ${f(r.localCallP99Us)} | ${f(r.remoteCallP99Us)} | |
        |
        |Runs (ms), cluster: ${r.fanoutClusterRunsMs.joinToString { f(it) }}; one node: ${r.fanoutSingleRunsMs.joinToString { f(it) }} (the first two warm up).
        |${r.calls} sequential calls each. Every node, the single node and the clients are separate JVMs on one machine
        |(load average ${r.loadAverage} when it ended), with Redis beside them on 127.0.0.1.
        |""".trimMargin()
}

/**
 * `cluster-pubsub`: Redis alone. The latency from `PUBLISH` (or `SPUBLISH`) to three subscribers
 * until all three have the message, and the round trip of subscribing and unsubscribing one
 * channel, which a channel per room would pay when a room gets its first member on a node.
 */
internal suspend fun pubSubBench(o: Options) {
    val messages = o.value("--messages")?.toInt() ?: 5_000
    RedisProcess().use { redis ->
        val client = RedisClient.create(redis.uri)
        try {
            val publisher = client.connectAsync(StringCodec.UTF8, io.lettuce.core.RedisURI.create(redis.uri)).await()
            val subscribers = List(3) { client.connectPubSubAsync(StringCodec.UTF8, io.lettuce.core.RedisURI.create(redis.uri)).await() }
            val received = AtomicInteger()
            val done = java.util.concurrent.atomic.AtomicReference(CompletableDeferred<Unit>())
            for (s in subscribers) {
                s.addListener(object : RedisPubSubAdapter<String, String>() {
                    override fun message(channel: String, message: String) {
                        if (received.incrementAndGet() == 3) done.get().complete(Unit)
                    }

                    override fun smessage(shardChannel: String, message: String) {
                        if (received.incrementAndGet() == 3) done.get().complete(Unit)
                    }
                })
                s.async().subscribe("bench").await()
                s.async().ssubscribe("bench-sharded").await()
            }
            val payload = "x".repeat(200)
            suspend fun measure(sharded: Boolean): List<Double> {
                val lat = ArrayList<Double>(messages)
                repeat(messages / 5 + messages) { i ->
                    received.set(0)
                    val d = CompletableDeferred<Unit>()
                    done.set(d)
                    val t0 = System.nanoTime()
                    if (sharded) publisher.async().spublish("bench-sharded", payload) else publisher.async().publish("bench", payload)
                    withTimeout(10_000) { d.await() }
                    if (i >= messages / 5) lat += (System.nanoTime() - t0) / 1e3
                }
                return lat.sorted()
            }
            val plain = measure(false)
            val sharded = measure(true)
            val sub = subscribers[0].async()
            val subscribe = List(messages / 5 + messages) { i ->
                val t0 = System.nanoTime()
                sub.subscribe("room-$i").await()
                sub.unsubscribe("room-$i").await()
                (System.nanoTime() - t0) / 1e3
            }.drop(messages / 5).sorted()
            fun row(name: String, v: List<Double>) = "| $name | %.1f | %.1f |".format(percentile(v, 0.5), percentile(v, 0.99))
            println(
                listOf(
                    "| Redis alone, $messages messages of 200 bytes to 3 subscribers | p50 µs | p99 µs |",
                    "|---|---|---|",
                    row("PUBLISH, until all 3 have it", plain),
                    row("SPUBLISH (sharded), until all 3 have it", sharded),
                    row("SUBSCRIBE + UNSUBSCRIBE of one channel (what a channel per room costs on entering)", subscribe),
                    "",
                    "load average ${loadAverage()}",
                ).joinToString("\n"),
            )
        } finally {
            client.shutdown()
        }
    }
}

