package dev.wsgrid.examples

import java.io.File
import java.util.concurrent.TimeUnit

/** Debian's Chromium, where its `chromium` package installs it. */
val CHROMIUM = File("/usr/bin/chromium")

/**
 * Makes sure Debian's Chromium is installed: when it is absent and this process runs as root on
 * a machine with apt-get (the CI machine), installs the `chromium` package. Returns `null` when
 * Chromium is there, or why it cannot be installed (the browser test is then skipped with it).
 */
fun ensureChromium(log: (String) -> Unit = ::println): String? {
    if (CHROMIUM.canExecute()) return null
    val aptGet = File("/usr/bin/apt-get")
    if (!aptGet.canExecute()) return "$CHROMIUM is missing and this machine has no apt-get to install Debian's chromium package"
    if (System.getProperty("user.name") != "root") return "$CHROMIUM is missing; install it with `sudo apt-get install chromium` (the test installs it only when it runs as root)"
    for (command in listOf(listOf("apt-get", "update", "-q"), listOf("apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"))) {
        log("installing Chromium for the browser test: ${command.joinToString(" ")}")
        val process = ProcessBuilder(command).redirectErrorStream(true).apply { environment()["DEBIAN_FRONTEND"] = "noninteractive" }.start()
        val output = process.inputStream.bufferedReader().readText()
        if (!process.waitFor(20, TimeUnit.MINUTES) || process.exitValue() != 0) {
            process.destroyForcibly()
            return "`${command.joinToString(" ")}` failed: ${output.trim().lines().takeLast(3).joinToString(" | ")}"
        }
    }
    return if (CHROMIUM.canExecute()) null else "the chromium package installed, but $CHROMIUM is not there"
}
