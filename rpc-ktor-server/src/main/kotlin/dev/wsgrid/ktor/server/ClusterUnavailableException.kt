package dev.wsgrid.ktor.server

import dev.wsgrid.rpc.WsgridException

/**
 * An operation that spans the cluster (a claimed id, [WebSocketServer.locate], a broadcast's part
 * on other nodes, a call through a [RemoteConnection]) could not reach the cluster's backend. The
 * node's own connections go on; the backend is reconnected in the background.
 */
public class ClusterUnavailableException @JvmOverloads constructor(
    message: String,
    cause: Throwable? = null,
) : WsgridException(message, cause)
