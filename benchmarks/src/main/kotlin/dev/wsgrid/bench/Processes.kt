package dev.wsgrid.bench

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.int
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import java.io.File
import java.nio.file.Path
import java.util.concurrent.TimeUnit

/**
 * How to start the benchmark's processes: this jar on the same JVM, the rsocket-java peer's own jar
 * (Netty 4.1, so never on this jar's classpath) on the same JVM with the same options, and node
 * with the TGrid package.
 */
class Launcher(
    private val jar: Path,
    private val nodeDir: Path,
    private val logDir: File,
    private val jvmOptions: List<String>,
    private val rsocketJar: Path,
) {
    private val java = Path.of(System.getProperty("java.home"), "bin", "java").toString()

    fun jvm(vararg args: String): List<String> = listOf(java) + jvmOptions + listOf("-jar", jar.toString()) + args
    fun node(script: String, vararg args: String): List<String> = listOf("node", nodeDir.resolve(script).toString()) + args

    /** node with [options] before the script (`--expose-gc`, say). */
    fun node(options: List<String>, script: String, vararg args: String): List<String> =
        listOf("node") + options + listOf(nodeDir.resolve(script).toString()) + args

    fun rsocket(vararg args: String): List<String> {
        check(rsocketJar.toFile().isFile) { "no rsocket-java peer at $rsocketJar: build it with mvn -pl benchmarks/rsocket -am package (benchmarks/run.sh does)" }
        return listOf(java) + jvmOptions + listOf("-jar", rsocketJar.toString()) + args
    }

    /** The versions of the rsocket-java stack, from its jar; empty when it is not built. */
    fun rsocketVersions(): Map<String, String> = runCatching {
        val p = ProcessBuilder(rsocket("versions")).redirectError(ProcessBuilder.Redirect.DISCARD).start()
        val out = p.inputStream.bufferedReader().readText()
        p.waitFor(30, TimeUnit.SECONDS)
        Json.parseToJsonElement(out.trim()).jsonObject.mapValues { it.value.jsonPrimitive.content }
    }.getOrDefault(emptyMap())

    /** Starts a server process and waits for its `{"event":"listening","port":P}` line. */
    fun startServer(command: List<String>, log: String): Server {
        val process = ProcessBuilder(command)
            .redirectError(File(logDir, "$log.server.err"))
            .start()
        val reader = process.inputStream.bufferedReader()
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60)
        while (System.nanoTime() < deadline) {
            val line = reader.readLine() ?: break
            val json = runCatching { Json.parseToJsonElement(line).jsonObject }.getOrNull() ?: continue
            if (json["event"]?.jsonPrimitive?.content == "listening") {
                return Server(process, json["port"]!!.jsonPrimitive.int, json["engine"]?.jsonPrimitive?.content)
            }
        }
        process.destroyForcibly()
        error("the server ${command.joinToString(" ")} did not start; see ${File(logDir, "$log.server.err")}")
    }

    /** Runs a client to its end and returns its last stdout line as JSON. */
    fun runClient(command: List<String>, log: String, timeoutMinutes: Long = 20, serverPid: Long? = null): JsonObject {
        val out = File(logDir, "$log.client.out")
        val err = File(logDir, "$log.client.err")
        val builder = ProcessBuilder(command).redirectOutput(out).redirectError(err)
        serverPid?.let { builder.environment()["BENCH_SERVER_PID"] = it.toString() }
        val process = builder.start()
        if (!process.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
            process.destroyForcibly()
            error("the client ${command.joinToString(" ")} ran past $timeoutMinutes minutes; see $err")
        }
        val last = out.readLines().lastOrNull { it.isNotBlank() }
        check(process.exitValue() == 0 && last != null) { "the client ${command.joinToString(" ")} failed (exit ${process.exitValue()}); see $err" }
        return Json.parseToJsonElement(last).jsonObject
    }
}

/**
 * A running server process; [close] closes its stdin (every server here exits on that) and waits.
 * [engine] is what the server said it runs on (`cio`, `netty`, `node`, ...), when it said.
 */
class Server(private val process: Process, val port: Int, val engine: String?) : AutoCloseable {
    val pid: Long get() = process.pid()

    override fun close() {
        runCatching { process.outputStream.close() }
        if (!process.waitFor(15, TimeUnit.SECONDS)) process.destroyForcibly().waitFor()
    }
}
