package dev.wsgrid.examples

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import java.io.File
import java.util.concurrent.TimeUnit
import kotlin.concurrent.thread

/** The folder of the node peers; `npm ci` installs tgrid 1.2.1 there during the build. */
val NODE_DIR: File = File("src/test/node").absoluteFile

/** Fails, never skips, when the machine cannot run the real TGrid peers. */
fun requireNode() {
    val version = try {
        ProcessBuilder("node", "--version").redirectErrorStream(true).start().let { p ->
            p.inputStream.bufferedReader().readText().trim().also { p.waitFor(10, TimeUnit.SECONDS) }
        }
    } catch (e: Exception) {
        throw AssertionError("node is not installed: the TGrid interop tests need Node 20 and npm on the PATH (${e.message})")
    }
    check(File(NODE_DIR, "node_modules/tgrid").isDirectory) {
        "tgrid is not installed in $NODE_DIR: the build runs `npm ci` there (node $version); run `mvn verify`, or `npm ci` in that folder"
    }
}

/** A node process running one of the peer scripts; its stdout lines are JSON events. */
class NodePeer(script: String, vararg args: String) : AutoCloseable {
    private val process: Process = ProcessBuilder(listOf("node", script) + args)
        .directory(NODE_DIR)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start()
    private val lines = Channel<String>(Channel.UNLIMITED)

    init {
        thread(isDaemon = true, name = "node-peer-$script") {
            process.inputStream.bufferedReader().forEachLine { lines.trySend(it) }
            lines.close()
        }
    }

    /** The next event, within [timeoutMs]. */
    suspend fun next(timeoutMs: Long = 15_000): JsonObject = withTimeout(timeoutMs) {
        val line = lines.receiveCatching().getOrNull() ?: throw AssertionError("the node peer ended (exit ${process.waitFor()}) before its next event")
        Json.parseToJsonElement(line).jsonObject
    }

    /** The next event named [event]; fails on any other one. */
    suspend fun expect(event: String, timeoutMs: Long = 15_000): JsonObject {
        val e = next(timeoutMs)
        check(e["event"]?.jsonPrimitive?.content == event) { "expected the event $event from the node peer, got $e" }
        return e
    }

    /** Sends a command line to the peer's stdin. */
    suspend fun command(line: String): Unit = withContext(Dispatchers.IO) {
        process.outputStream.write((line + "\n").toByteArray())
        process.outputStream.flush()
    }

    /** Waits for the peer to exit; returns its exit code. */
    suspend fun exitCode(timeoutMs: Long = 15_000): Int = withContext(Dispatchers.IO) {
        check(process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) { "the node peer did not exit within $timeoutMs ms" }
        process.exitValue()
    }

    /** Kills the process at once (SIGKILL): no close frame, no goodbye. */
    fun kill() {
        process.destroyForcibly()
        process.waitFor(10, TimeUnit.SECONDS)
    }

    override fun close() {
        process.destroy()
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly()
    }
}
