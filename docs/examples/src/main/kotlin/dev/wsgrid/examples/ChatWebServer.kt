package dev.wsgrid.examples

import dev.wsgrid.ktor.server.wsgridAnyHeader
import io.ktor.http.ContentType
import io.ktor.http.HttpStatusCode
import io.ktor.server.application.install
import io.ktor.server.cio.CIO
import io.ktor.server.engine.EmbeddedServer
import io.ktor.server.engine.embeddedServer
import io.ktor.server.response.respondBytes
import io.ktor.server.response.respondText
import io.ktor.server.routing.get
import io.ktor.server.routing.routing
import io.ktor.server.websocket.WebSockets

/**
 * `chat-server`: a Ktor application that serves the chat room over wsgrid at `/chat` and, at `/`,
 * a page that joins it from a browser with TGrid's own browser build (`/tgrid.js`, bundled from
 * the npm package by the build). wsgrid is one route among the application's others.
 */
class ChatWebServer private constructor(private val server: EmbeddedServer<*, *>, val port: Int) {
    /** Stops the server: every participant is disconnected. */
    suspend fun close() {
        server.stopSuspend(gracePeriodMillis = 100, timeoutMillis = 2_000)
    }

    companion object {
        /** Starts the server on [host]:[port] (0 picks a free port) around [room]. */
        suspend fun start(host: String, port: Int, room: ChatRoom = ChatRoom()): ChatWebServer {
            val server = embeddedServer(CIO, port = port, host = host) {
                install(WebSockets)
                routing {
                    get("/") { call.respondBytes(resource("web/chat.html"), ContentType.Text.Html.withParameter("charset", "utf-8")) }
                    get("/tgrid.js") {
                        val script = ChatWebServer::class.java.getResource("/web/tgrid.js")
                        if (script == null) {
                            call.respondText("tgrid.js was not built: build the examples with node and npm on the PATH", status = HttpStatusCode.NotFound)
                        } else {
                            call.respondBytes(script.readBytes(), ContentType.Application.JavaScript)
                        }
                    }
                    wsgridAnyHeader<IChatService>("/chat") { acceptor ->
                        val service = ChatService(room, acceptor.getDriver<IChatPrinter>())
                        acceptor.accept(service)
                        acceptor.join()
                        service.leave()
                    }
                }
            }
            server.startSuspend(wait = false)
            return ChatWebServer(server, server.engine.resolvedConnectors().first().port)
        }

        private fun resource(path: String): ByteArray =
            checkNotNull(ChatWebServer::class.java.getResource("/$path")) { "$path is missing from the classpath" }.readBytes()
    }
}
