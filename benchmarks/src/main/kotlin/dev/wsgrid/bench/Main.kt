package dev.wsgrid.bench

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import kotlinx.serialization.json.Json
import java.io.File
import java.nio.file.Path
import kotlin.system.exitProcess

private const val USAGE = """usage: java -jar wsgrid-benchmarks.jar <command> ...   (benchmarks/run.sh runs it for you)

  run [--runs N] [--quick] [--only id,id] [--scale N,N | --no-scale] [--connects N | --no-connect]
      [--engine cio|netty] [--out DIR] [--node DIR] [--rsocket-jar JAR]
        every system side by side, N runs each (default 3), interleaved; writes DIR/latest.{json,md,png}
        call systems: wsgrid-kotlin wsgrid-java tgrid tgrid-to-wsgrid wsgrid-to-tgrid ktor-echo ktor-echo-raw
                      ktor-echo-netty netty-echo rsocket-java
        connections and fan-out: scale (= scale-wsgrid scale-tgrid)
        sequential connect + close: connect (= connect-wsgrid-kotlin connect-wsgrid-java connect-tgrid)
        --engine: the engine of the bare echo wsgrid is held to (cio: ktor-echo-raw, netty: ktor-echo-netty);
                  default: the engine the wsgrid bench server reports
  report [--out DIR]
        redraws DIR/latest.md and latest.png from DIR/latest.json
  metrics-cost [CALLS] [ROUNDS]
        what wsgrid-micrometer costs per call, in one process over the in-memory transport (default 20000, 5)
  cluster [--members N] [--calls N] [--out DIR]
        the cluster group: a broadcast to N members (default 10,000) spread over 3 wsgrid nodes on one
        Redis, and a call to a connection on another node through locate, each beside one node's figure;
        writes DIR/cluster-latest.{json,md}; needs /usr/bin/redis-server (apt-get install redis-server)
  cluster-pubsub [--messages N]
        Redis alone: PUBLISH against SPUBLISH to three subscribers, and what subscribing a channel costs
  soak [--minutes M] [--out DIR]
        a mixed load against a wsgrid server for M minutes (default 10); writes DIR/soak-latest.{json,md}

  processes the runner starts (each server prints {"event":"listening","port":P} and exits when stdin closes):
  server-wsgrid | server-wsgrid-metrics | server-echo | server-echo-netty | server-netty-echo
  client-kotlin URL [SEQ PIPELINED INFLIGHT PAYLOAD WARMUP] | client-kotlin-metrics URL [...] | client-java URL [...] | client-echo URL [...]
  client-scale URL N,N,... [SYSTEM] | client-soak URL SECONDS
  client-connect URL N WARMUP | client-connect-java URL N WARMUP
"""

private val json = Json { encodeDefaults = true }

/** Entry point of `wsgrid-benchmarks.jar`: a program, so its main owns the thread it runs on. */
suspend fun main(args: Array<String>) {
    val rest = args.drop(1)
    when (args.firstOrNull()) {
        "server-wsgrid", "server-wsgrid-metrics" -> {
            // server-wsgrid [--redis URI]: a node of the cluster on that Redis
            val cluster = Options(rest).value("--redis")?.let { dev.wsgrid.cluster.redis.RedisClusterAdapter.create(it) }
            val server = startBenchServer(0, metrics = args[0] == "server-wsgrid-metrics", cluster = cluster)
            listening(server.port, engineOf(server))
            awaitStdinClosed()
            server.close()
        }
        "server-echo", "server-echo-netty" -> {
            val netty = args[0] == "server-echo-netty"
            val server = (if (netty) startNettyEchoServer(0) else startEchoServer(0)).start(wait = false)
            listening(server.engine.resolvedConnectors().first().port, if (netty) "netty" else "cio")
            awaitStdinClosed()
            server.stop(0, 1_000)
        }
        "server-netty-echo" -> {
            val server = NettyEchoServer.start(0)
            listening(server.port, "netty-${NettyEchoServer.transport}")
            awaitStdinClosed()
            server.close()
        }
        "client-kotlin" -> println(json.encodeToString(CallResult.serializer(), kotlinClient(rest[0], CallWorkload.parse(rest.drop(1)))))
        "client-kotlin-metrics" -> println(json.encodeToString(CallResult.serializer(), kotlinClient(rest[0], CallWorkload.parse(rest.drop(1)), metrics = true)))
        "client-java" -> println(json.encodeToString(CallResult.serializer(), JavaClient.run(rest[0], CallWorkload.parse(rest.drop(1)))))
        "client-echo" -> println(json.encodeToString(CallResult.serializer(), echoClient(rest[0], CallWorkload.parse(rest.drop(1)))))
        "client-scale" -> println(json.encodeToString(ScaleResult.serializer(), scaleClient(rest[0], rest[1].split(',').map { it.trim().toInt() }, rest.getOrElse(2) { "wsgrid" })))
        "client-connect" -> println(json.encodeToString(ConnectResult.serializer(), connectClient(rest[0], rest[1].toInt(), rest[2].toInt())))
        "client-connect-java" -> println(json.encodeToString(ConnectResult.serializer(), JavaClient.connects(rest[0], rest[1].toInt(), rest[2].toInt())))
        "metrics-cost" -> println(metricsCost(rest.getOrElse(0) { "20000" }.toInt(), rest.getOrElse(1) { "5" }.toInt()))
        "client-soak" -> println(json.encodeToString(SoakResult.serializer(), soakClient(rest[0], rest[1].toInt())))
        "run" -> runAll(Options(rest))
        "cluster" -> clusterBench(Options(rest))
        "cluster-pubsub" -> pubSubBench(Options(rest))
        "soak" -> soak(Options(rest))
        "report" -> {
            // redraws the table and chart of an earlier run from its latest.json
            val out = File(Options(rest).value("--out") ?: "benchmarks/results")
            val results = Json.decodeFromString(Results.serializer(), File(out, "latest.json").readText())
            File(out, "latest.md").writeText(markdown(results))
            writeChart(results, File(out, "latest.png"))
        }
        null, "-h", "--help", "help" -> print(USAGE)
        else -> {
            System.err.println("unknown command: ${args[0]}\n\n$USAGE")
            exitProcess(2)
        }
    }
    exitProcess(0)
}

private fun listening(port: Int, engine: String) {
    println("""{"event":"listening","port":$port,"engine":"$engine"}""")
    System.out.flush()
}

private suspend fun awaitStdinClosed() = withContext(Dispatchers.IO) {
    while (System.`in`.read() >= 0) Unit
}

internal class Options(args: List<String>) {
    private val values = HashMap<String, String>()
    private val flags = HashSet<String>()

    init {
        var i = 0
        while (i < args.size) {
            val a = args[i]
            require(a.startsWith("--")) { "unexpected argument: $a\n\n$USAGE" }
            if (a in setOf("--quick", "--no-scale", "--no-connect")) flags += a else {
                require(i + 1 < args.size) { "$a needs a value" }
                values[a] = args[++i]
            }
            i++
        }
    }

    fun flag(name: String) = name in flags
    fun value(name: String): String? = values[name]
}

private fun launcher(o: Options, out: File): Launcher {
    val jar = Path.of(Runner::class.java.protectionDomain.codeSource.location.toURI())
    val logs = File(out, "logs").apply { mkdirs() }
    val node = Path.of(o.value("--node") ?: "benchmarks/node").toAbsolutePath()
    // BENCH_JVM_OPTS adds options to every JVM started (a flight recording, say)
    val extra = System.getenv("BENCH_JVM_OPTS")?.split(' ')?.filter { it.isNotBlank() }.orEmpty()
    // the rsocket-java peer's own jar (benchmarks/rsocket), beside this one by default
    val rsocket = o.value("--rsocket-jar")?.let { Path.of(it) }
        ?: jar.parent.resolve("../rsocket/target/wsgrid-benchmarks-rsocket.jar").normalize()
    return Launcher(jar, node, logs, listOf("-XX:+UseG1GC", "-Xss512k") + extra, rsocket.toAbsolutePath())
}

private fun runAll(o: Options) {
    val out = File(o.value("--out") ?: "benchmarks/results")
    val quick = o.flag("--quick")
    val work = if (quick) CallWorkload(2_000, 20_000, 256, 1_000, 2) else CallWorkload()
    val scale = when {
        o.flag("--no-scale") -> emptyList()
        o.value("--scale") != null -> o.value("--scale")!!.split(',').map { it.trim().toInt() }
        quick -> listOf(100, 1_000)
        else -> listOf(1_000, 10_000)
    }
    val connects = when {
        o.flag("--no-connect") -> null
        o.value("--connects") != null -> o.value("--connects")!!.toInt().let { ConnectWorkload(it, maxOf(1, it / 10)) }
        quick -> ConnectWorkload(200, 50)
        else -> ConnectWorkload()
    }
    val runs = o.value("--runs")?.toInt() ?: if (quick) 1 else 3
    val only = o.value("--only")?.split(',')?.map { it.trim() }?.toSet()
    val engine = o.value("--engine")?.also { require(it == "cio" || it == "netty") { "--engine takes cio or netty, not $it" } }
    val results = Runner(launcher(o, out), out, runs, work, scale, only, connects, engine).run()
    print(markdown(results))
    System.err.println("wrote ${File(out, "latest.json")}, latest.md and latest.png")
}

private fun soak(o: Options) {
    val out = File(o.value("--out") ?: "benchmarks/results")
    val minutes = o.value("--minutes")?.toDouble() ?: 10.0
    val launcher = launcher(o, out)
    val result = launcher.startServer(launcher.jvm("server-wsgrid"), "soak").use { server ->
        val r = launcher.runClient(launcher.jvm("client-soak", "ws://127.0.0.1:${server.port}", "${(minutes * 60).toInt()}"), "soak", timeoutMinutes = minutes.toLong() + 10)
        Json.decodeFromJsonElement(SoakResult.serializer(), r)
    }
    out.mkdirs()
    File(out, "soak-latest.json").writeText(Json { prettyPrint = true; encodeDefaults = true }.encodeToString(SoakResult.serializer(), result) + "\n")
    val md = soakMarkdown(result)
    File(out, "soak-latest.md").writeText(md)
    print(md)
    if (!result.flat) {
        System.err.println("the soak was not flat: see ${File(out, "soak-latest.md")}")
        exitProcess(1)
    }
}

private fun soakMarkdown(r: SoakResult): String = buildString {
    val m = machine()
    appendLine("# Soak")
    appendLine()
    appendLine("${r.seconds / 60.0} minutes of mixed load against one wsgrid server process (`benchmarks/run.sh soak --minutes ${r.seconds / 60.0}`), on ${m["cpu"]}, ${m["cores"]} cores, ${m["java"]}.")
    appendLine()
    appendLine("- calls that succeeded: ${r.callsOk}")
    appendLine("- errors by kind (the load makes remote errors and call timeouts on purpose; churned connections leave calls in flight): ${r.errorsByKind}")
    appendLine("- connections churned: ${r.connectionsChurned}; broadcasts: ${r.broadcasts} (deliveries ${r.deliveries})")
    appendLine("- bad clients (a header, a bad frame, then a good call), by what they got: ${r.badClientsClosedBy}")
    appendLine("- at the end, idle: server pending calls ${r.finalServer.pendingCalls}, running calls ${r.finalServer.runningCalls}, connections ${r.finalServer.connections}; client pending calls ${r.finalClientPendingCalls}")
    appendLine("- server heap after collection, last third vs first third: ${r.heapGrowthPercent}%; server thread count spread: ${r.threadSpread}")
    appendLine("- verdict: ${if (r.flat) "flat" else "**not flat**"}")
    appendLine()
    appendLine("| s | calls ok | server heap MB | server threads | server connections | client heap MB | client threads |")
    appendLine("|---:|---:|---:|---:|---:|---:|---:|")
    for (s in r.samples) {
        appendLine("| ${s.atSeconds} | ${s.callsOk} | ${"%.1f".format(s.serverHeapBytes / 1048576.0)} | ${s.serverThreads} | ${s.serverConnections} | ${"%.1f".format(s.clientHeapBytes / 1048576.0)} | ${s.clientThreads} |")
    }
}
