package dev.wsgrid.examples

import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.ktor.server.WebSocketServer
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.runInterruptible
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TimeSource

/**
 * The demo's one server: TGrid's calculator at `/calculator` for clients whose header is
 * `{"token": "demo"}`, and a chat room at `/chat`, both on one port of 127.0.0.1.
 */
suspend fun startDemoServer(room: ChatRoom): WebSocketServer<JsonElement, Any> {
    val server = WebSocketServer<JsonElement, Any>()
    server.open("127.0.0.1", 0) { acceptor ->
        when (acceptor.path.substringBefore('?')) {
            "/calculator" -> {
                val token = ((acceptor.header as? JsonObject)?.get("token") as? JsonPrimitive)?.content
                if (token == "demo") acceptor.accept(Calculator()) else acceptor.reject("unknown token")
            }
            "/chat" -> {
                // the participant's own provider, which the server calls back for every message
                val service = ChatService(room, acceptor.getDriver<IChatPrinter>())
                acceptor.accept(service)
                acceptor.join()
                service.leave()
            }
            else -> acceptor.reject("nothing is served at ${acceptor.path}: try /calculator or /chat")
        }
    }
    return server
}

/** One JVM chat participant: its printer shows what the server calls it with. */
private class Screen(val name: String, private val out: (String) -> Unit) : IChatPrinter {
    val lines = mutableListOf<String>()
    val heardFromNode = CompletableDeferred<Unit>()

    override suspend fun print(name: String, message: String) {
        synchronized(lines) { lines.add("$name: $message") }
        out("  %-16s %s: %s".format("${this.name}'s screen", name, message))
        if (name == "node") heardFromNode.complete(Unit)
    }
}

/** One part of the demo and how it went. */
private class Part(val title: String, var outcome: String = "not run", var ok: Boolean = false, var skipped: Boolean = false)

/**
 * The demo: one wsgrid server, then a Java client of its calculator, a chat of three JVM clients
 * that the server calls back, and a TGrid client on node when node is here; prints what happens
 * and a summary. Returns the number of parts that went wrong (a skipped part is not one).
 */
suspend fun runDemo(out: (String) -> Unit, node: NodeClient? = NodeClient()): Int {
    val started = TimeSource.Monotonic.markNow()
    val parts = listOf(Part("Java client, calculator"), Part("chat, server calls clients back"), Part("TGrid client on node"))
    val (java, chat, tgrid) = parts
    out("wsgrid demo: one JVM server, then clients in Java, Kotlin and (if node is here) TGrid's own")
    out("")
    val room = ChatRoom()
    val server = startDemoServer(room)
    val base = "ws://127.0.0.1:${server.port}"
    out("server: listening on $base — /calculator (header {\"token\": \"demo\"}), /chat")
    val screens = listOf("alice", "bob", "carol").map { Screen(it, out) }
    val connectors = screens.map { WebSocketConnector<JsonElement?, IChatPrinter>(null, it) }
    try {
        out("")
        out("1. A Java client (JavaCalculatorClient.java, dev.wsgrid.java API) calls the calculator:")
        val javaFailed = runInterruptible(Dispatchers.IO) { JavaCalculatorClient.run("$base/calculator", out) }
        java.ok = javaFailed == 0
        java.outcome = if (java.ok) "6 calls answered, wrong token rejected, remote error caught" else "$javaFailed call(s) went wrong"

        out("")
        out("2. A chat: alice, bob and carol (Kotlin connectors) join /chat; for every message the server")
        out("   calls each participant's own printer back, so each screen line below is a server → client call:")
        val drivers = connectors.map { c ->
            c.connect("$base/chat")
            c.getDriver<IChatService>()
        }
        drivers.zip(screens).forEach { (d, s) -> check(d.setName(s.name)) { "the name ${s.name} was taken" } }
        out("  bob tries to take the name \"alice\": setName returns ${drivers[1].setName("alice")}")
        out("  alice says \"hi all\"")
        drivers[0].talk("hi all")
        out("  carol says \"hello alice\"")
        drivers[2].talk("hello alice")
        val everyoneHeard = screens.all { s -> synchronized(s.lines) { s.lines.toList() } == listOf("alice: hi all", "carol: hello alice") }
        chat.ok = everyoneHeard
        chat.outcome = if (everyoneHeard) "3 clients each heard both messages, in order" else "a client missed a message"

        out("")
        out("3. A TGrid 1.2.1 client on node (demo-client.js) uses the same server:")
        val reason = node?.prepare(out) ?: "node is not used".takeIf { node == null }
        if (reason != null) {
            out("  skipped: $reason")
            tgrid.skipped = true
            tgrid.outcome = "skipped: $reason"
        } else {
            // answer the node client once its message reached the JVM side
            val answering = coroutineScope {
                val code = async { node!!.run(base, out) }
                val heard = withTimeoutOrNull(60.seconds) { screens[0].heardFromNode.await() } != null
                if (heard) {
                    out("  alice answers \"welcome, node\"")
                    drivers[0].talk("welcome, node")
                }
                heard to code.await()
            }
            tgrid.ok = answering.first && answering.second == 0
            tgrid.outcome = if (tgrid.ok) "calculator calls, remote error and a chat with the JVM clients" else "went wrong (exit ${answering.second})"
        }
    } finally {
        connectors.forEach { runCatching { it.close() } }
        server.close()
    }
    val failed = parts.count { !it.ok && !it.skipped }
    out("")
    out("summary:")
    for (p in parts) out("  %-34s %s %s".format(p.title, if (p.skipped) "-" else if (p.ok) "✓" else "✗", p.outcome))
    out("server closed; the demo took %.1f s and ${if (failed == 0) "everything worked" else "$failed part(s) went wrong"}."
        .format(started.elapsedNow().inWholeMilliseconds / 1000.0))
    return failed
}
