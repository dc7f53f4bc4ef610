package dev.wsgrid.java.internal

import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.ktor.server.AcceptorHandler
import dev.wsgrid.ktor.server.BroadcastResult
import dev.wsgrid.ktor.server.Room
import dev.wsgrid.ktor.server.ClientRequest
import dev.wsgrid.ktor.server.ClientVerifier
import dev.wsgrid.ktor.server.WebSocketAcceptor
import dev.wsgrid.ktor.server.WebSocketServer
import dev.wsgrid.rpc.Communicator
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.future.await
import kotlinx.coroutines.future.future
import kotlinx.coroutines.runInterruptible
import java.time.Duration
import java.time.Instant
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage
import java.util.concurrent.Executor
import java.util.function.Consumer
import java.util.function.Function
import java.util.function.ToIntFunction

/**
 * Not API. Runs the suspending operations of wsgrid's Kotlin classes as `CompletableFuture`s for
 * the Java facade, with kotlinx.coroutines' own future bridge.
 *
 * Each facade object owns one bridge; every coroutine it starts is one lifecycle operation
 * (connect, accept, close, join) and ends with it. Operations start undispatched, so what they
 * do first (sending a header, a close frame) happens before the future is returned.
 */
internal class Bridge(name: String) {
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default + CoroutineName(name))

    private fun <T> start(block: suspend CoroutineScope.() -> T): CompletableFuture<T> =
        scope.future(start = CoroutineStart.UNDISPATCHED, block = block)

    /** [WebSocketConnector.connect]. */
    public fun connect(connector: WebSocketConnector<*, *>, url: String): CompletableFuture<Void?> = start {
        connector.connect(url)
        null
    }

    /** [WebSocketConnector.close]. */
    public fun close(connector: WebSocketConnector<*, *>, code: Int, reason: String): CompletableFuture<Void?> = start {
        connector.close(code, reason)
        null
    }

    /** [WebSocketAcceptor.accept], exposing the provider through [interfaces] when some are given. */
    public fun <P : Any> accept(acceptor: WebSocketAcceptor<*, P>, provider: P?, interfaces: Array<out Class<*>>): CompletableFuture<Void?> = start {
        acceptor.accept(provider, *interfaces)
        null
    }

    /** [WebSocketAcceptor.reject]. */
    public fun reject(acceptor: WebSocketAcceptor<*, *>, code: Int, reason: String): CompletableFuture<Void?> = start {
        acceptor.reject(code, reason)
        null
    }

    /** [WebSocketAcceptor.changeId]. */
    public fun changeId(acceptor: WebSocketAcceptor<*, *>, id: String): CompletableFuture<Void?> = start {
        acceptor.changeId(id)
        null
    }

    /** [WebSocketAcceptor.close]. */
    public fun close(acceptor: WebSocketAcceptor<*, *>, code: Int, reason: String): CompletableFuture<Void?> = start {
        acceptor.close(code, reason)
        null
    }

    /** [Communicator.join]. */
    public fun join(communicator: Communicator<*>): CompletableFuture<Void?> = start {
        communicator.join()
        null
    }

    /** [Communicator.join] with a timeout. */
    public fun join(communicator: Communicator<*>, timeout: Duration): CompletableFuture<Boolean> = start { communicator.join(timeout) }

    /** [Communicator.join] with a deadline. */
    public fun join(communicator: Communicator<*>, deadline: Instant): CompletableFuture<Boolean> = start { communicator.join(deadline) }

    /** [WebSocketServer.open]. */
    public fun <H, P : Any> open(server: WebSocketServer<H, P>, host: String, port: Int, handler: AcceptorHandler<H, P>): CompletableFuture<Void?> = start {
        server.open(host, port, handler)
        null
    }

    /** [AcceptorRegistry.broadcast] or [Room.broadcast], with a Java function returning each member's future. */
    public fun <T : Any> broadcast(
        room: Room?,
        server: WebSocketServer<*, *>,
        type: Class<T>,
        timeout: Duration,
        call: Function<T, out CompletionStage<*>?>,
    ): CompletableFuture<BroadcastResult> = start {
        val each: suspend (T) -> Unit = { driver -> call.apply(driver)?.await() }
        if (room != null) room.broadcast(type, timeout, each) else server.broadcast(type, timeout, each)
    }

    /** [WebSocketServer.locate]. */
    public fun locate(server: WebSocketServer<*, *>, id: String): CompletableFuture<Communicator<*>?> = start { server.locate(id) }

    /** [WebSocketServer.close]. */
    public fun close(server: WebSocketServer<*, *>): CompletableFuture<Void?> = start {
        server.close()
        null
    }

    /** Defaults and factories. */
    public companion object {
        /**
         * A server handler that runs a Java handler on [executor] (it may block) and then waits for
         * the accept or reject it started.
         */
        @JvmStatic
        public fun <H, P : Any> handler(executor: Executor?, handler: Consumer<WebSocketAcceptor<H, P>>): AcceptorHandler<H, P> {
            val dispatcher = executor?.asCoroutineDispatcher() ?: Dispatchers.IO
            return AcceptorHandler { acceptor -> runInterruptible(dispatcher) { handler.accept(acceptor) } }
        }

        /** A pre-upgrade check from a Java function answering 0 to allow, or an HTTP status to refuse. */
        @JvmStatic
        public fun verifier(executor: Executor?, check: ToIntFunction<ClientRequest>): ClientVerifier {
            val dispatcher = executor?.asCoroutineDispatcher() ?: Dispatchers.IO
            return ClientVerifier { request ->
                val status = runInterruptible(dispatcher) { check.applyAsInt(request) }
                if (status == 0) null else status
            }
        }
    }
}
