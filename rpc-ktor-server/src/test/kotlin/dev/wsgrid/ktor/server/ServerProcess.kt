package dev.wsgrid.ktor.server

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import java.io.BufferedReader
import java.io.File
import java.io.InputStreamReader
import java.util.concurrent.TimeUnit

/**
 * A wsgrid calculator server in a JVM of its own (this test classpath), so a test can limit its
 * open files, read its threads from /proc, or kill it: `ServerMain ENGINE MAX_CONNECTIONS`.
 */
class ServerProcess private constructor(private val process: Process, val port: Int) : AutoCloseable {
    val pid: Long get() = process.pid()

    /** The server process's live threads, from /proc. */
    fun threads(): Int = File("/proc/$pid/status").readLines().first { it.startsWith("Threads:") }.substringAfter(':').trim().toInt()

    val alive: Boolean get() = process.isAlive

    override fun close() {
        process.destroy()
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly()
    }

    companion object {
        /** Starts the server on [engine]; with [openFiles], under `ulimit -n` of that many. */
        suspend fun start(engine: ServerEngine, maxConnections: Int = 10_000, openFiles: Int? = null): ServerProcess = withContext(Dispatchers.IO) {
            val java = File(System.getProperty("java.home"), "bin/java").path
            // idle pool threads end after 2 s instead of 60, so a test can see that none is held
            val command = listOf(java, "-Xmx256m", "-Dkotlinx.coroutines.scheduler.keep.alive.sec=2", "-cp", System.getProperty("java.class.path"), ServerMain::class.java.name, engine.name, maxConnections.toString())
            val line = if (openFiles == null) command else listOf("bash", "-c", "ulimit -n $openFiles && exec \"$@\"", "server") + command
            val process = ProcessBuilder(line).redirectErrorStream(true).start()
            val out = BufferedReader(InputStreamReader(process.inputStream))
            var port = -1
            val seen = StringBuilder()
            while (port < 0) {
                val l = out.readLine() ?: error("the server process ended before it listened:\n$seen")
                seen.appendLine(l)
                if (l.startsWith("LISTENING ")) port = l.removePrefix("LISTENING ").trim().toInt()
            }
            // keep draining its output, so it never blocks on a full pipe
            Thread { runCatching { while (out.readLine() != null) { /* drained */ } } }.apply { isDaemon = true }.start()
            ServerProcess(process, port)
        }
    }
}

/** The main of a [ServerProcess]. */
object ServerMain {
    @JvmStatic
    fun main(args: Array<String>) {
        kotlinx.coroutines.runBlocking {
            val server = WebSocketServer<kotlinx.serialization.json.JsonElement, ICalculator>(
                options = ServerOptions.builder().engine(ServerEngine.valueOf(args[0])).maxConnections(args[1].toInt()).build(),
            )
            server.open("127.0.0.1", 0) { it.accept(Calculator()) }
            println("LISTENING ${server.port}")
            System.out.flush()
            kotlinx.coroutines.awaitCancellation()
        }
    }
}
