package dev.wsgrid.examples

import dev.wsgrid.ktor.client.WebSocketConnector
import io.kotest.assertions.nondeterministic.eventually
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldStartWith
import kotlinx.serialization.json.JsonElement
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import kotlin.time.Duration.Companion.seconds

/** The chat server's /metrics: what a chat did, in Prometheus's text format. */
class ChatMetricsSpec : FunSpec({
    lateinit var server: ChatWebServer
    beforeSpec { server = ChatWebServer.start("127.0.0.1", 0) }
    afterSpec { server.close() }

    fun scrape(): HttpResponse<String> =
        HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI("http://127.0.0.1:${server.port}/metrics")).build(), HttpResponse.BodyHandlers.ofString())

    fun sample(text: String, name: String, vararg labels: String): Double? = text.lines()
        .firstOrNull { line -> line.startsWith("$name{") && labels.all { it in line } }
        ?.substringAfterLast(' ')?.toDouble()

    test("a chat's calls, connections and frames are at /metrics") {
        val printer = object : IChatPrinter {
            override suspend fun print(name: String, message: String) {}
        }
        val client = WebSocketConnector<JsonElement?, IChatPrinter>(null, printer)
        client.connect("ws://127.0.0.1:${server.port}/chat")
        val chat = client.getDriver<IChatService>()
        chat.setName("ops") shouldBe true
        chat.talk("hello")
        val response = scrape()
        response.statusCode() shouldBe 200
        response.headers().firstValue("content-type").get() shouldStartWith "text/plain"
        eventually(5.seconds) {
            val text = scrape().body()
            sample(text, "wsgrid_calls_seconds_count", "listener=\"talk\"", "side=\"served\"", "outcome=\"success\"") shouldBe 1.0
            // the server called the participant's printer back
            sample(text, "wsgrid_calls_seconds_count", "listener=\"print\"", "side=\"called\"", "outcome=\"success\"") shouldBe 1.0
            sample(text, "wsgrid_connections", "path=\"/chat\"", "role=\"acceptor\"") shouldBe 1.0
            // in: the calls setName and talk, and the return of print
            sample(text, "wsgrid_frames_total", "direction=\"in\"", "type=\"text\"") shouldBe 3.0
        }
        client.close()
    }
})
