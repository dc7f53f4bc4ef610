package dev.wsgrid.bench

import io.ktor.client.HttpClient
import io.ktor.client.plugins.websocket.webSocketSession
import io.ktor.server.application.Application
import io.ktor.server.application.install
import io.ktor.server.netty.Netty
import io.ktor.server.cio.CIO
import io.ktor.server.engine.EmbeddedServer
import io.ktor.server.engine.embeddedServer
import io.ktor.server.routing.routing
import io.ktor.server.websocket.WebSockets
import io.ktor.server.websocket.webSocket
import io.ktor.websocket.WebSocketSession
import io.ktor.server.websocket.webSocketRaw
import io.ktor.client.plugins.websocket.cio.webSocketRawSession
import io.ktor.websocket.Frame
import io.ktor.websocket.close
import io.ktor.websocket.readText
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Semaphore
import kotlinx.serialization.json.Json
import io.ktor.client.engine.cio.CIO as ClientCIO
import io.ktor.client.plugins.websocket.WebSockets as ClientWebSockets

/**
 * The transport's ceiling: a Ktor CIO WebSocket server that echoes every text frame, with Ktor's
 * defaults, as ../shared/bench/ktor-echo measures it.
 */
fun startEchoServer(port: Int): EmbeddedServer<*, *> = embeddedServer(CIO, host = "127.0.0.1", port = port) { echoRoutes() }

/**
 * The same echo on Ktor's Netty engine (Netty 4.2 as ktor-server-netty brings it): the ceiling
 * of an RPC layer on that engine. Only `/raw` is measured (`ktor-echo-netty`); `/echo` is there too.
 */
fun startNettyEchoServer(port: Int): EmbeddedServer<*, *> = embeddedServer(Netty, host = "127.0.0.1", port = port) { echoRoutes() }

/** `/echo` on Ktor's default sessions and `/raw` on raw sessions, for either engine. */
private fun Application.echoRoutes() {
    install(WebSockets)
    routing {
        webSocket("/echo") {
            for (frame in incoming) {
                if (frame is Frame.Text) send(Frame.Text(frame.readText()))
            }
        }
        // the same echo on a raw session: no ping/pong/close coroutine between the socket and the handler
        webSocketRaw("/raw") {
            for (frame in incoming) {
                when (frame) {
                    is Frame.Text -> outgoing.send(Frame.Text(frame.readText()))
                    is Frame.Ping -> outgoing.send(Frame.Pong(frame.data))
                    is Frame.Close -> {
                        outgoing.send(Frame.Close())
                        return@webSocketRaw
                    }
                    else -> Unit
                }
            }
        }
    }
}

/** The text of the invoke frame wsgrid sends for `plus(i, 1)`: the echo carries the same bytes. */
private fun plusFrame(i: Int) =
    """{"uid":${i + 1},"listener":"plus","parameters":[{"type":"number","value":$i.0},{"type":"number","value":1.0}]}"""

/** `client-echo URL`: the call workloads as echoed frames, no RPC. */
suspend fun echoClient(url: String, work: CallWorkload): CallResult {
    val client = HttpClient(ClientCIO) { install(ClientWebSockets) }
    val raw = url.endsWith("/raw")
    val session = if (raw) {
        val u = java.net.URI(url)
        client.webSocketRawSession(host = u.host, port = u.port, path = u.path)
    } else {
        client.webSocketSession(url)
    }
    val payloadFrame = """{"uid":1,"listener":"echo","parameters":[{"type":"object","value":""" +
        Json.encodeToString(Payload.serializer(), Payload.sample(7)) + "}]}"
    try {
        suspend fun roundTrip(text: String) {
            session.outgoing.send(Frame.Text(text))
            val back = session.incoming.receive() as Frame.Text
            check(back.readText().length == text.length) { "the echo changed the frame" }
        }
        repeat(work.warmupRounds) {
            sequential(work.sequential / 10) { roundTrip(plusFrame(it)) }
            echoPipelined(session, work.pipelined / 10, work.inflight)
            sequential(work.payload / 10) { roundTrip(payloadFrame) }
        }
        val (seq, cost) = costOf(work.sequential) { sequential(work.sequential) { roundTrip(plusFrame(it)) } }
        val pipe = echoPipelined(session, work.pipelined, work.inflight)
        val pay = sequential(work.payload) { roundTrip(payloadFrame) }
        return CallResult(if (raw) "ktor-echo-raw" else "ktor-echo", seq, pipe, pay, cost)
    } finally {
        session.close()
        client.close()
    }
}

/** [total] frames with at most [inflight] not yet echoed; the echo keeps order, so latencies pair up by index. */
private suspend fun echoPipelined(session: WebSocketSession, total: Int, inflight: Int): Figures {
    val lat = Latencies(total)
    val started = LongArray(total)
    val window = Semaphore(inflight)
    val t0 = System.nanoTime()
    coroutineScope {
        launch {
            for (i in 0 until total) {
                session.incoming.receive()
                lat.record(i, System.nanoTime() - started[i])
                window.release()
            }
        }
        for (i in 0 until total) {
            window.acquire()
            started[i] = System.nanoTime()
            session.outgoing.send(Frame.Text(plusFrame(i)))
        }
    }
    return lat.figures(System.nanoTime() - t0)
}
