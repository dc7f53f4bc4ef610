package dev.wsgrid.ktor.server

import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.rpc.RemoteException
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import dev.wsgrid.rpc.Handshake
import io.ktor.client.HttpClient
import io.ktor.client.engine.cio.CIO
import io.ktor.client.plugins.websocket.WebSockets
import io.ktor.client.plugins.websocket.webSocketSession
import io.ktor.websocket.Frame
import io.ktor.websocket.close
import io.ktor.websocket.readText
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.withTimeout

interface IAdmin {
    suspend fun secret(): String
}

/** A calculator that is also an admin console, and whose nested object is one too. */
class AdminCalculator : ICalculator, IAdmin {
    override suspend fun plus(x: Double, y: Double) = x + y
    override suspend fun divides(x: Double, y: Double) = x / y
    override suspend fun secret() = "the keys"
    override val scientific: IScientific = AdminScientific()
}

class AdminScientific : IScientific, IAdmin {
    override suspend fun sqrt(x: Double) = kotlin.math.sqrt(x)
    override suspend fun secret() = "the nested keys"
}

/** A client provider that the server may print to, and that also holds an admin console. */
class AdminPrinter : IPrinter, IAdmin {
    override suspend fun print(line: String) {}
    override suspend fun secret() = "the client's keys"
}

/**
 * Every way a user restricts what the remote side reaches, from the Kotlin API, over real
 * sockets: the remote side calls what was exposed and nothing else, whatever path set it.
 */
class ExposureSpec : FunSpec({
    suspend fun serve(handler: AcceptorHandler<Credentials, ICalculator>): WebSocketServer<Credentials, ICalculator> =
        WebSocketServer<Credentials, ICalculator>(Credentials::class.java).apply { open("127.0.0.1", 0, handler) }

    suspend fun client(server: WebSocketServer<*, *>) =
        WebSocketConnector<Credentials, Any>(Credentials("t")).apply { connect("ws://127.0.0.1:${server.port}/") }

    suspend fun shouldBeRefused(call: suspend () -> Any?) {
        val e = shouldThrow<RemoteException> { call() }
        e.name shouldBe "NoSuchMethodException"
    }

    test("accept(provider, interfaces) serves those interfaces only") {
        val server = serve { it.accept(AdminCalculator(), ICalculator::class.java) }
        val c = client(server)
        c.getDriver<ICalculator>().plus(1.0, 2.0) shouldBe 3.0
        shouldBeRefused { c.getDriver<IAdmin>().secret() }
        c.close()
        server.close()
    }

    test("without interfaces every service interface of the class is served (the control case)") {
        val server = serve { it.accept(AdminCalculator()) }
        val c = client(server)
        c.getDriver<IAdmin>().secret() shouldBe "the keys"
        c.close()
        server.close()
    }

    test("setProvider(provider, interfaces) then accept(provider) keeps the narrowed exposure") {
        val server = serve { a ->
            val p = AdminCalculator()
            a.setProvider(p, ICalculator::class.java)
            a.accept(p)
        }
        val c = client(server)
        c.getDriver<ICalculator>().plus(1.0, 2.0) shouldBe 3.0
        shouldBeRefused { c.getDriver<IAdmin>().secret() }
        c.close()
        server.close()
    }

    test("setting the same provider object again through the property cannot widen it") {
        val set = CompletableDeferred<WebSocketAcceptor<Credentials, ICalculator>>()
        val server = serve { a ->
            a.setProvider(AdminCalculator(), ICalculator::class.java)
            a.accept(a.provider)
            set.complete(a)
        }
        val c = client(server)
        val acceptor = withTimeout(10_000) { set.await() }
        acceptor.provider = acceptor.provider // after accepting, from anywhere
        shouldBeRefused { c.getDriver<IAdmin>().secret() }
        c.getDriver<ICalculator>().plus(2.0, 2.0) shouldBe 4.0
        c.close()
        server.close()
    }

    test("a nested object is reached only through the interface its getter declares") {
        val server = serve { it.accept(AdminCalculator(), ICalculator::class.java) }
        val c = client(server)
        c.getDriver<ICalculator>().scientific.sqrt(9.0) shouldBe 3.0
        val e = shouldThrow<RemoteException> { c.getDriver<INestedAdmin>().scientific.secret() }
        e.name shouldBe "NoSuchMethodException"
        e.remoteMessage shouldContain "scientific.secret"
        c.close()
        server.close()
    }

    test("a connector's provider set with interfaces serves those only to the server") {
        val called = CompletableDeferred<Pair<Unit, Throwable>>()
        val server = WebSocketServer<Credentials, Any>(Credentials::class.java)
        server.open("127.0.0.1", 0) { a ->
            a.accept(null)
            val printed = a.getDriver<IPrinter>().print("hello")
            val refused = runCatching { a.getDriver<IAdmin>().secret() }.exceptionOrNull()!!
            called.complete(printed to refused)
        }
        val c = WebSocketConnector<Credentials, Any>(Credentials("t"))
        c.setProvider(AdminPrinter(), IPrinter::class.java)
        c.connect("ws://127.0.0.1:${server.port}/")
        val (_, refused) = withTimeout(10_000) { called.await() }
        (refused as RemoteException).name shouldBe "NoSuchMethodException"
        c.close()
        server.close()
    }

    test("members of Object and of the implementation class are never reachable, whatever a frame names") {
        val server = serve { it.accept(AdminCalculator(), ICalculator::class.java) }
        val http = HttpClient(CIO) { install(WebSockets) }
        val session = http.webSocketSession("ws://127.0.0.1:${server.port}/")
        session.send(Frame.Text(Handshake.headerFrame("""{"token":"t"}""")))
        (session.incoming.receive() as Frame.Text).readText() shouldBe "1"
        val names = listOf("toString", "hashCode", "getClass", "wait", "notify", "secret", "getScientific", "scientific.getClass", "scientific.secret")
        for ((i, name) in names.withIndex()) {
            session.send(Frame.Text("""{"uid":${i + 1},"listener":"$name","parameters":[]}"""))
            val reply = withTimeout(10_000) { (session.incoming.receive() as Frame.Text).readText() }
            reply shouldContain "\"uid\":${i + 1},\"success\":false"
            reply shouldContain "NoSuchMethodException"
        }
        session.close()
        http.close()
        server.close()
    }
})

/** A driver that names members the provider does not expose. */
interface INestedAdmin {
    val scientific: IAdmin
}
