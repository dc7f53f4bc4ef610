package dev.wsgrid.examples

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runInterruptible
import java.io.File
import java.util.concurrent.TimeUnit
import kotlin.concurrent.thread

/**
 * The demo's TGrid client on node: `demo-client.js` with tgrid 1.2.1, shipped in the jar under
 * `demo-node/` and unpacked beside it (`docs/examples/target/demo-node`), where `npm ci` installs
 * tgrid from the committed lockfile on the first run.
 */
class NodeClient(private val dir: File = defaultDir()) {
    /** Why the node client cannot run here, or `null` when it can (after [prepare]). */
    suspend fun prepare(out: (String) -> Unit): String? = runInterruptible(Dispatchers.IO) {
        if (!runs("node", "--version")) return@runInterruptible "node is not on the PATH"
        dir.mkdirs()
        var changed = false
        for (name in FILES) {
            val bytes = NodeClient::class.java.getResourceAsStream("/demo-node/$name")?.use { it.readBytes() }
                ?: return@runInterruptible "demo-node/$name is missing from the classpath"
            val target = File(dir, name)
            if (!target.isFile || !target.readBytes().contentEquals(bytes)) {
                target.writeBytes(bytes)
                changed = true
            }
        }
        if (changed || !File(dir, "node_modules/tgrid").isDirectory) {
            if (!runs("npm", "--version")) return@runInterruptible "npm is not on the PATH (it installs tgrid)"
            out("  installing tgrid 1.2.1 into $dir with `npm ci` (first run only) ...")
            val npm = ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
                .directory(dir).redirectErrorStream(true).start()
            val log = npm.inputStream.bufferedReader().readText()
            if (!npm.waitFor(5, TimeUnit.MINUTES) || npm.exitValue() != 0) {
                npm.destroyForcibly()
                return@runInterruptible "`npm ci` failed in $dir: ${log.trim().lines().lastOrNull() ?: "no output"}"
            }
        }
        null
    }

    /** Runs `node demo-client.js [base]`, copying its lines to [out]; returns its exit code. */
    suspend fun run(base: String, out: (String) -> Unit): Int = runInterruptible(Dispatchers.IO) {
        val process = ProcessBuilder("node", "demo-client.js", base).directory(dir).redirectErrorStream(true).start()
        // the demo ends by itself: a node client stuck for any reason is stopped after 2 minutes
        val watchdog = thread(isDaemon = true, name = "demo-node-watchdog") {
            try {
                if (!process.waitFor(2, TimeUnit.MINUTES)) {
                    out("  the node client did not end within 2 minutes: stopped ✗")
                    process.destroyForcibly()
                }
            } catch (e: InterruptedException) {
                // the client ended first
            }
        }
        try {
            process.inputStream.bufferedReader().forEachLine(out)
            process.waitFor()
            process.exitValue()
        } finally {
            watchdog.interrupt()
            process.destroyForcibly()
        }
    }

    private fun runs(vararg command: String): Boolean = try {
        val p = ProcessBuilder(*command).redirectErrorStream(true).start()
        p.inputStream.readBytes()
        p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0
    } catch (e: java.io.IOException) {
        false
    }

    companion object {
        private val FILES = listOf("package.json", "package-lock.json", "demo-client.js")

        /** `demo-node` beside the jar (or beside the classes folder when run from the build). */
        fun defaultDir(): File {
            val location = File(NodeClient::class.java.protectionDomain.codeSource.location.toURI())
            return File(location.absoluteFile.parentFile, "demo-node")
        }
    }
}
