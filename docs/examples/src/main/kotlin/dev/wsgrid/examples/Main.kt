package dev.wsgrid.examples

import kotlinx.coroutines.runBlocking
import kotlin.system.exitProcess

private const val USAGE = """usage: java -jar wsgrid-examples.jar <command>

commands:
  demo          serve TGrid's calculator on a WebSocket, call it from a client, and print what happens
"""

/** Entry point of `wsgrid-examples.jar`. A program's main may block its own thread until done. */
fun main(args: Array<String>) {
    when (args.firstOrNull()) {
        "demo" -> {
            val failed = runBlocking { calculatorDemo(::println) }
            exitProcess(if (failed == 0) 0 else 1)
        }
        null, "-h", "--help", "help" -> print(USAGE)
        else -> {
            System.err.println("unknown command: ${args[0]}\n")
            System.err.print(USAGE)
            exitProcess(2)
        }
    }
}
