package dev.wsgrid.cluster.redis

import java.io.File
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.Socket
import java.nio.file.Files
import java.util.concurrent.TimeUnit

/** Debian's Redis, where its `redis-server` package installs it. */
val REDIS_SERVER = File("/usr/bin/redis-server")

/**
 * Makes sure Debian's `redis-server` is installed: when it is absent and this process runs as root
 * on a machine with apt-get (the CI machine), installs the package, as the chat page's test does
 * for Chromium. Throws, naming what to do, when it cannot: the cluster tests need a real Redis.
 */
fun ensureRedis(log: (String) -> Unit = ::println) {
    if (REDIS_SERVER.canExecute()) return
    val aptGet = File("/usr/bin/apt-get")
    check(aptGet.canExecute()) { "$REDIS_SERVER is missing and this machine has no apt-get to install Debian's redis-server package" }
    check(System.getProperty("user.name") == "root") { "$REDIS_SERVER is missing; install it with `sudo apt-get install redis-server` (the tests install it only when they run as root)" }
    for (command in listOf(listOf("apt-get", "update", "-q"), listOf("apt-get", "install", "-y", "-q", "--no-install-recommends", "redis-server"))) {
        log("installing Redis for the cluster tests: ${command.joinToString(" ")}")
        val process = ProcessBuilder(command).redirectErrorStream(true).apply { environment()["DEBIAN_FRONTEND"] = "noninteractive" }.start()
        val output = process.inputStream.bufferedReader().readText()
        if (!process.waitFor(20, TimeUnit.MINUTES) || process.exitValue() != 0) {
            process.destroyForcibly()
            error("`${command.joinToString(" ")}` failed: ${output.trim().lines().takeLast(3).joinToString(" | ")}")
        }
    }
    check(REDIS_SERVER.canExecute()) { "the redis-server package installed, but $REDIS_SERVER is not there" }
}

/**
 * A real `redis-server` on 127.0.0.1 and a free port, with no persistence (`--save "" --appendonly
 * no`): what a test stops and starts again loses everything, as a Redis restarted without disk
 * does. [stop] and [start] keep the port, so clients reconnect to the same address.
 */
class RedisServer : AutoCloseable {
    val port: Int = ServerSocket(0).use { it.localPort }
    val uri: String get() = "redis://127.0.0.1:$port"
    private val dir: File = Files.createTempDirectory("wsgrid-redis").toFile()
    private var process: Process? = null

    init {
        ensureRedis()
        start()
    }

    /** Starts the server and waits until it answers on its port. */
    fun start() {
        check(process?.isAlive != true) { "Redis on port $port is running already" }
        process = ProcessBuilder(
            REDIS_SERVER.path, "--port", port.toString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", dir.path, "--protected-mode", "no", "--loglevel", "warning",
        ).redirectErrorStream(true).redirectOutput(File(dir, "redis.log")).start()
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10)
        while (System.nanoTime() < deadline) {
            if (answers()) return
            check(process!!.isAlive) { "redis-server exited (${process!!.exitValue()}): ${File(dir, "redis.log").readText().takeLast(500)}" }
            Thread.sleep(20)
        }
        error("redis-server did not answer on port $port within 10 s")
    }

    private fun answers(): Boolean = try {
        Socket().use { s ->
            s.connect(InetSocketAddress("127.0.0.1", port), 200)
            s.soTimeout = 500
            s.getOutputStream().write("PING\r\n".toByteArray())
            s.getInputStream().read() == '+'.code
        }
    } catch (e: Exception) {
        false
    }

    /** Freezes the server (SIGSTOP): connections stay open and nothing answers, as a hung Redis. */
    fun pause() = signal("STOP")

    /** Thaws a [pause]d server (SIGCONT), with everything it held. */
    fun resume() = signal("CONT")

    private fun signal(name: String) {
        val pid = checkNotNull(process) { "Redis on port $port is not running" }.pid()
        check(ProcessBuilder("kill", "-$name", pid.toString()).start().waitFor() == 0) { "kill -$name $pid failed" }
    }

    /** Stops the server at once (SIGKILL): clients see the connection drop, and everything in it is lost. */
    fun stop() {
        process?.let {
            if (it.isAlive) signal("CONT")
            it.destroyForcibly()
            it.waitFor(10, TimeUnit.SECONDS)
        }
        process = null
    }

    override fun close() {
        stop()
        dir.deleteRecursively()
    }
}
