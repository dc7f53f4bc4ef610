package dev.wsgrid.ktor.client

/**
 * Hooks on a connector's reconnects, for logging and metering. Override what you need; every
 * method does nothing by default. They run inline on the connector's reconnect coroutine: keep
 * them short and never block.
 *
 * What happens on each connection (its calls, frames and limits) is told to the
 * [EventListener][dev.wsgrid.rpc.EventListener] of [ConnectorOptions.communicator] instead.
 */
public abstract class ConnectorListener {
    /** [connector] lost its connection (closed with [code]) and starts reconnecting. */
    public open fun onReconnecting(connector: WebSocketConnector<*, *>, code: Int) {}

    /** [connector] is connected again, after [attempts] attempts. */
    public open fun onReconnected(connector: WebSocketConnector<*, *>, attempts: Int) {}

    /** Reconnect attempt [attempt] of [connector] failed with [error]; another follows unless it gives up. */
    public open fun onReconnectFailed(connector: WebSocketConnector<*, *>, attempt: Int, error: Throwable) {}

    /**
     * [connector] stopped reconnecting after [attempts] attempts (its policy's `maxAttempts`, or a
     * server that rejected it for good) and is closed.
     */
    public open fun onReconnectGaveUp(connector: WebSocketConnector<*, *>, attempts: Int) {}
}
