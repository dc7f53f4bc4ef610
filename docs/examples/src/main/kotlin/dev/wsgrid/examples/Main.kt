package dev.wsgrid.examples

import dev.wsgrid.cluster.redis.RedisClusterAdapter
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.runBlocking
import kotlin.system.exitProcess

private const val USAGE = """usage: java -jar wsgrid-examples.jar <command> [options]

commands:
  demo                                          start a wsgrid server, call it from a Java client, a chat of
                                                Kotlin clients and (with node) a TGrid client; print a summary
  calculator-server [--host H] [--port P] [--token T]
                                                serve TGrid's calculator at every path; with --token, only
                                                clients whose header is {"token": T} are accepted
  chat-server [--host H] [--port P] [--redis URI]
                                                serve a chat room as in TGrid's chat test at /chat, and at /
                                                a web page that joins it with TGrid's browser build; with
                                                --redis, every chat server on that Redis shares one chat

options:
  --host H      the address to listen on (default 127.0.0.1)
  --port P      the port to listen on; 0 (the default) picks a free one
  --token T     the token clients must send in their header
  --redis URI   the Redis the chat servers meet at (redis://HOST:PORT)
"""

/** Entry point of `wsgrid-examples.jar`. A program's main may block its own thread until done. */
fun main(args: Array<String>) {
    when (args.firstOrNull()) {
        "demo" -> {
            val failed = runBlocking { runDemo(::println) }
            exitProcess(if (failed == 0) 0 else 1)
        }
        "calculator-server" -> {
            val o = parseOptions(args.drop(1), setOf("--host", "--port", "--token")) ?: usageError()
            serve(o.host) {
                val server = startCalculatorServer(o.host, o.port, o.values["--token"])
                Running(server.port, emptyList()) { server.close() }
            }
        }
        "chat-server" -> {
            val o = parseOptions(args.drop(1), setOf("--host", "--port", "--redis")) ?: usageError()
            serve(o.host) {
                val cluster = o.values["--redis"]?.let { RedisClusterAdapter.create(it) }
                val server = ChatWebServer.start(o.host, o.port, cluster)
                val shared = cluster?.let { " (one chat with every chat server on Redis ${it.uri.host}:${it.uri.port})" } ?: ""
                Running(server.port, listOf("chat at ws://${o.host}:${server.port}/chat$shared; its web page at http://${o.host}:${server.port}/")) { server.close() }
            }
        }
        null, "-h", "--help", "help" -> print(USAGE)
        else -> usageError("unknown command: ${args[0]}")
    }
}

/** A started example server: its port, what to tell the user, and how to stop it. */
private class Running(val port: Int, val notes: List<String>, val close: suspend () -> Unit)

/** Starts a server, prints `listening on ws://H:P`, and closes it cleanly on SIGTERM or Ctrl-C. */
private fun serve(host: String, start: suspend () -> Running) = runBlocking {
    val server = try {
        start()
    } catch (e: Exception) {
        System.err.println("cannot start: ${e.message}")
        exitProcess(1)
    }
    val stopped = CompletableDeferred<Unit>()
    Runtime.getRuntime().addShutdownHook(
        Thread {
            runBlocking { server.close() }
            stopped.complete(Unit)
        },
    )
    println("listening on ws://$host:${server.port}")
    server.notes.forEach(::println)
    System.out.flush()
    stopped.await()
}

internal class Options(val host: String, val port: Int, val values: Map<String, String>)

/** `--name value` pairs out of [allowed]; `null` when anything is off. */
internal fun parseOptions(args: List<String>, allowed: Set<String>): Options? {
    val values = HashMap<String, String>()
    var i = 0
    while (i < args.size) {
        val name = args[i]
        if (name !in allowed || i + 1 >= args.size || name in values) return null
        values[name] = args[i + 1]
        i += 2
    }
    val port = (values["--port"] ?: "0").toIntOrNull()?.takeIf { it in 0..65535 } ?: return null
    val host = values["--host"] ?: "127.0.0.1"
    if (host.isBlank()) return null
    return Options(host, port, values)
}

private fun usageError(message: String = "invalid options"): Nothing {
    System.err.println("$message\n")
    System.err.print(USAGE)
    exitProcess(2)
}
