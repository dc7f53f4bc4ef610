package dev.wsgrid.examples

import dev.wsgrid.ktor.client.WebSocketConnector
import io.kotest.core.spec.style.FunSpec
import io.kotest.core.test.Enabled
import io.kotest.matchers.collections.shouldContainInOrder
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.withTimeout
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonPrimitive
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse

/** The chat page, driven in Debian's headless Chromium, talks with a JVM chat client through the chat server. */
class ChatPageSpec : FunSpec({
    val chromiumMissing by lazy { ensureChromium() }

    lateinit var server: ChatWebServer
    beforeSpec {
        requireNode()
        server = ChatWebServer.start("127.0.0.1", 0)
    }
    afterSpec { server.close() }

    test("the server serves the page and TGrid's browser build made by the build") {
        val http = HttpClient.newHttpClient()
        fun get(path: String) = http.send(HttpRequest.newBuilder(URI("http://127.0.0.1:${server.port}$path")).build(), HttpResponse.BodyHandlers.ofString())
        val page = get("/")
        page.statusCode() shouldBe 200
        page.headers().firstValue("content-type").get().startsWith("text/html") shouldBe true
        (page.body().contains("<script src=\"tgrid.js\">")) shouldBe true
        val script = get("/tgrid.js")
        script.statusCode() shouldBe 200
        (script.body().contains("WebSocketConnector")) shouldBe true
    }

    test("a message typed in the page reaches a JVM client, and the JVM client's answer appears in the page")
        .config(enabledOrReasonIf = { chromiumMissing?.let { Enabled.disabled("no Chromium: $it") } ?: Enabled.enabled }) {
            val fromBrowser = CompletableDeferred<String>()
            val printer = object : IChatPrinter {
                override suspend fun print(name: String, message: String) {
                    if (name == "browser") fromBrowser.complete(message)
                }
            }
            val jvm = WebSocketConnector<JsonElement?, IChatPrinter>(null, printer)
            jvm.connect("ws://127.0.0.1:${server.port}/chat")
            val chat = jvm.getDriver<IChatService>()
            chat.setName("jvm") shouldBe true
            try {
                NodePeer(
                    "browser-chat.js", "http://127.0.0.1:${server.port}/", CHROMIUM.path,
                    "browser", "hello from the browser", "jvm: hello, browser",
                ).use { browser ->
                    suspend fun event(name: String): JsonObject {
                        // console lines from the page are reported, not judged
                        var e = browser.next(120_000)
                        while (e["event"]?.jsonPrimitive?.content == "console") e = browser.next(120_000)
                        check(e["event"]?.jsonPrimitive?.content == name) { "expected $name from the browser, got $e" }
                        return e
                    }
                    event("joined")
                    withTimeout(60_000) { fromBrowser.await() } shouldBe "hello from the browser"
                    chat.talk("hello, browser")
                    val lines = event("received")["lines"]!!.jsonArray.map { it.jsonPrimitive.content }
                    lines shouldContainInOrder listOf("browser: hello from the browser", "jvm: hello, browser")
                    browser.exitCode() shouldBe 0
                }
            } finally {
                jvm.close()
            }
        }
})
