package dev.wsgrid.micrometer.internal

import dev.wsgrid.ktor.client.ConnectorListener
import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.ktor.server.BroadcastResult
import dev.wsgrid.ktor.server.ClientRequest
import dev.wsgrid.ktor.server.HandshakeRejection
import dev.wsgrid.ktor.server.ServerListener
import dev.wsgrid.ktor.server.WebSocketAcceptor
import dev.wsgrid.rpc.CallOutcome
import dev.wsgrid.rpc.Communicator
import dev.wsgrid.rpc.EventListener
import dev.wsgrid.rpc.ObservedCall

/** Two listeners where the options hold one: the one already set first, then the binding's. */
internal object Composites {
    fun contains(current: Any?, wanted: Any): Boolean = when (current) {
        wanted -> true
        is BothFactories -> contains(current.a, wanted) || contains(current.b, wanted)
        is BothServers -> contains(current.a, wanted) || contains(current.b, wanted)
        is BothConnectors -> contains(current.a, wanted) || contains(current.b, wanted)
        else -> false
    }

    fun factory(a: EventListener.Factory, b: EventListener.Factory): EventListener.Factory = BothFactories(a, b)

    fun server(a: ServerListener, b: ServerListener): ServerListener = BothServers(a, b)

    fun connector(a: ConnectorListener, b: ConnectorListener): ConnectorListener = BothConnectors(a, b)

    private class BothFactories(val a: EventListener.Factory, val b: EventListener.Factory) : EventListener.Factory {
        override fun create(communicator: Communicator<*>): EventListener {
            val x = a.create(communicator)
            val y = b.create(communicator)
            return if (x === EventListener.NONE) y else if (y === EventListener.NONE) x else Both(x, y)
        }
    }

    private class Both(val a: EventListener, val b: EventListener) : EventListener() {
        override fun connectionOpened(communicator: Communicator<*>) { a.connectionOpened(communicator); b.connectionOpened(communicator) }
        override fun connectionClosed(communicator: Communicator<*>, code: Int, byPeer: Boolean) { a.connectionClosed(communicator, code, byPeer); b.connectionClosed(communicator, code, byPeer) }
        override fun callStarted(call: ObservedCall) { a.callStarted(call); b.callStarted(call) }
        override fun callFinished(call: ObservedCall, outcome: CallOutcome, durationNanos: Long) { a.callFinished(call, outcome, durationNanos); b.callFinished(call, outcome, durationNanos) }
        override fun serveStarted(call: ObservedCall) { a.serveStarted(call); b.serveStarted(call) }
        override fun serveFinished(call: ObservedCall, outcome: CallOutcome, durationNanos: Long) { a.serveFinished(call, outcome, durationNanos); b.serveFinished(call, outcome, durationNanos) }
        override fun frameReceived(communicator: Communicator<*>, binary: Boolean, bytes: Int) { a.frameReceived(communicator, binary, bytes); b.frameReceived(communicator, binary, bytes) }
        override fun frameSent(communicator: Communicator<*>, binary: Boolean, bytes: Int) { a.frameSent(communicator, binary, bytes); b.frameSent(communicator, binary, bytes) }
        override fun limitExceeded(communicator: Communicator<*>, limit: String) { a.limitExceeded(communicator, limit); b.limitExceeded(communicator, limit) }
    }

    private class BothServers(val a: ServerListener, val b: ServerListener) : ServerListener() {
        override fun onListening(host: String, port: Int) { a.onListening(host, port); b.onListening(host, port) }
        override fun onConnection(acceptor: WebSocketAcceptor<*, *>) { a.onConnection(acceptor); b.onConnection(acceptor) }
        override fun onDisconnection(acceptor: WebSocketAcceptor<*, *>, code: Int, reason: String) { a.onDisconnection(acceptor, code, reason); b.onDisconnection(acceptor, code, reason) }
        override fun onError(error: Throwable, acceptor: WebSocketAcceptor<*, *>?) { a.onError(error, acceptor); b.onError(error, acceptor) }
        override fun onHandshakeRejected(request: ClientRequest, reason: HandshakeRejection, code: Int) { a.onHandshakeRejected(request, reason, code); b.onHandshakeRejected(request, reason, code) }
        override fun onLimitExceeded(limit: String, request: ClientRequest) { a.onLimitExceeded(limit, request); b.onLimitExceeded(limit, request) }
        override fun onRoomEntered(room: String, acceptor: WebSocketAcceptor<*, *>, size: Int) { a.onRoomEntered(room, acceptor, size); b.onRoomEntered(room, acceptor, size) }
        override fun onRoomLeft(room: String, acceptor: WebSocketAcceptor<*, *>, size: Int) { a.onRoomLeft(room, acceptor, size); b.onRoomLeft(room, acceptor, size) }
        override fun onBroadcast(listener: String, result: BroadcastResult) { a.onBroadcast(listener, result); b.onBroadcast(listener, result) }
    }

    private class BothConnectors(val a: ConnectorListener, val b: ConnectorListener) : ConnectorListener() {
        override fun onReconnecting(connector: WebSocketConnector<*, *>, code: Int) { a.onReconnecting(connector, code); b.onReconnecting(connector, code) }
        override fun onReconnected(connector: WebSocketConnector<*, *>, attempts: Int) { a.onReconnected(connector, attempts); b.onReconnected(connector, attempts) }
        override fun onReconnectFailed(connector: WebSocketConnector<*, *>, attempt: Int, error: Throwable) { a.onReconnectFailed(connector, attempt, error); b.onReconnectFailed(connector, attempt, error) }
        override fun onReconnectGaveUp(connector: WebSocketConnector<*, *>, attempts: Int) { a.onReconnectGaveUp(connector, attempts); b.onReconnectGaveUp(connector, attempts) }
    }
}
