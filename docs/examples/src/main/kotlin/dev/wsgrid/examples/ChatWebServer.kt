package dev.wsgrid.examples

import dev.wsgrid.ktor.server.AcceptorRegistry
import dev.wsgrid.ktor.server.ClusterAdapter
import dev.wsgrid.ktor.server.ServerOptions
import dev.wsgrid.ktor.server.wsgridAnyHeader
import dev.wsgrid.micrometer.WsgridMetrics
import io.micrometer.prometheusmetrics.PrometheusConfig
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry
import kotlinx.coroutines.sync.Mutex
import kotlinx.serialization.json.JsonElement
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
 * the npm package by the build), and at `/metrics` wsgrid's meters for Prometheus to scrape
 * (wsgrid-micrometer on a Prometheus registry). wsgrid is one route among the application's others.
 *
 * With a [cluster] (`chat-server --redis redis://HOST:PORT`), every chat server on that Redis
 * serves one chat: a name is taken once for all of them, and everyone hears every message,
 * whichever server they joined (see [RoomChatService]).
 */
class ChatWebServer private constructor(
    private val server: EmbeddedServer<*, *>,
    val port: Int,
    /** The chat's clients on this server. */
    val clients: AcceptorRegistry<JsonElement, IChatService>,
) {
    /** Stops the server: every participant is disconnected. */
    suspend fun close() {
        server.stopSuspend(gracePeriodMillis = 100, timeoutMillis = 2_000)
    }

    companion object {
        /** Starts the server on [host]:[port] (0 picks a free port), a node of [cluster] when there is one. */
        suspend fun start(host: String, port: Int, cluster: ClusterAdapter? = null): ChatWebServer {
            val prometheus = PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
            val metrics = WsgridMetrics.builder(prometheus).percentileHistogram(true).build()
            lateinit var clients: AcceptorRegistry<JsonElement, IChatService>
            val order = Mutex()
            val options = metrics.bind(ServerOptions.builder().cluster(cluster).build())
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
                    get("/metrics") { call.respondText(prometheus.scrape(), ContentType.parse(PROMETHEUS_TEXT)) }
                    clients = wsgridAnyHeader<IChatService>("/chat", options) { acceptor ->
                        acceptor.accept(RoomChatService(acceptor, { clients }, order))
                    }
                }
            }
            server.startSuspend(wait = false)
            return ChatWebServer(server, server.engine.resolvedConnectors().first().port, clients)
        }

        /** The Prometheus text exposition format the scrape is written in. */
        private const val PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"

        private fun resource(path: String): ByteArray =
            checkNotNull(ChatWebServer::class.java.getResource("/$path")) { "$path is missing from the classpath" }.readBytes()
    }
}
