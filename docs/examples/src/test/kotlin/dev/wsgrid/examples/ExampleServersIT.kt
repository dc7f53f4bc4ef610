package dev.wsgrid.examples

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldMatch
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonPrimitive
import java.io.File
import java.util.concurrent.TimeUnit

/** The packaged example servers, run as a user runs them, with real TGrid clients. */
class ExampleServersIT : FunSpec({
    val jar = File("target/wsgrid-examples.jar").absoluteFile
    val java = File(System.getProperty("java.home"), "bin/java").path

    beforeSpec {
        requireNode()
        check(jar.isFile) { "$jar is missing: it is built by `mvn package`" }
    }

    /** Starts `java -jar wsgrid-examples.jar args`, returns it with the URL of its one `listening on` line. */
    fun start(vararg args: String): Pair<Process, String> {
        val process = ProcessBuilder(listOf(java, "-jar", jar.path) + args).redirectError(ProcessBuilder.Redirect.INHERIT).start()
        val line = process.inputStream.bufferedReader().readLine() ?: error("the server printed nothing (exit ${process.waitFor()})")
        line shouldMatch Regex("listening on ws://127\\.0\\.0\\.1:\\d+")
        return process to line.removePrefix("listening on ")
    }

    fun stop(process: Process): Int {
        process.destroy() // SIGTERM
        check(process.waitFor(10, TimeUnit.SECONDS)) { "the server did not stop within 10 s of SIGTERM" }
        return process.exitValue()
    }

    test("calculator-server with a token serves TGrid's calculator to a TGrid client, and rejects a wrong token") {
        val (server, url) = start("calculator-server", "--port", "0", "--token", "t1")
        try {
            NodePeer("tgrid-client.js", "calculator", "$url/calc", "t1").use { node ->
                val r = node.expect("results")
                r.number("plus") shouldBe 3.0
                r.number("mean") shouldBe 2.5
                r["concurrentOk"] shouldBe JsonPrimitive(true)
                node.expect("closed")
            }
            NodePeer("tgrid-client.js", "calculator", "$url/", "t2").use { node ->
                node.expect("rejected")["status"]!!.jsonPrimitive.content shouldBe "1008"
            }
        } finally {
            stop(server) shouldNotBe -1
        }
    }

    test("chat-server serves TGrid's chat scenario at /chat") {
        val (server, url) = start("chat-server", "--host", "127.0.0.1")
        try {
            NodePeer("tgrid-client.js", "chat", "$url/chat").use { node ->
                val r = node.expect("results")
                r["alice"]!!.jsonArray.map { it.jsonPrimitive.content } shouldBe listOf("alice: hi bob", "bob: hi alice", "alice: bye")
                r["bob"] shouldBe r["alice"]
            }
        } finally {
            stop(server)
        }
    }

    test("bad options print the usage and exit non-zero") {
        for (args in listOf(listOf("calculator-server", "--port", "x"), listOf("chat-server", "--token", "t"), listOf("nonsense"))) {
            val p = ProcessBuilder(listOf(java, "-jar", jar.path) + args).start()
            val err = p.errorStream.bufferedReader().readText()
            p.waitFor(30, TimeUnit.SECONDS) shouldBe true
            p.exitValue() shouldBe 2
            err shouldContain "usage: java -jar wsgrid-examples.jar <command> [options]"
        }
    }
})
