package dev.wsgrid.micrometer.internal

import dev.wsgrid.ktor.client.ConnectorListener
import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.ktor.server.BroadcastResult
import dev.wsgrid.ktor.server.ClientRequest
import dev.wsgrid.ktor.server.HandshakeRejection
import dev.wsgrid.ktor.server.ServerListener
import dev.wsgrid.ktor.server.WebSocketAcceptor

/** A server's own events as meters: refused handshakes, the connection limit, rooms, broadcasts. */
internal class ServerMetrics(private val m: Meters) : ServerListener() {
    override fun onHandshakeRejected(request: ClientRequest, reason: HandshakeRejection, code: Int) {
        m.rejected(reason)
    }

    override fun onLimitExceeded(limit: String, request: ClientRequest) {
        m.limitExceeded(limit)
    }

    override fun onRoomEntered(room: String, acceptor: WebSocketAcceptor<*, *>, size: Int) {
        m.roomEntered(room)
    }

    override fun onRoomLeft(room: String, acceptor: WebSocketAcceptor<*, *>, size: Int) {
        m.roomLeft(room)
    }

    override fun onBroadcast(listener: String, result: BroadcastResult) {
        m.broadcast(listener, result.delivered.size, result.failed.size)
    }
}

/** A connector's reconnects as meters. */
internal class ConnectorMetrics(private val m: Meters) : ConnectorListener() {
    override fun onReconnected(connector: WebSocketConnector<*, *>, attempts: Int) {
        m.reconnect("success")
    }

    override fun onReconnectFailed(connector: WebSocketConnector<*, *>, attempt: Int, error: Throwable) {
        m.reconnect("failure")
    }

    override fun onReconnectGaveUp(connector: WebSocketConnector<*, *>, attempts: Int) {
        m.reconnect("gave_up")
    }
}
