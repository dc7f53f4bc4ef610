package dev.wsgrid.ktor.server

/**
 * What one broadcast did, member by member: every member is tried at once, so a slow or dead
 * one delays nobody else and only shows up in [failed].
 *
 * @property delivered the ids of the members whose call succeeded.
 * @property failed the ids of the members whose call failed, with why (a `CallTimeoutException`
 *   for a member that did not answer within the broadcast's timeout, a `ConnectionClosedException`,
 *   a `RemoteException`, ...).
 * @property failedNodes on a cluster, the nodes whose report did not arrive, with why (a
 *   `CallTimeoutException` for a node that did not answer in time, a [ClusterUnavailableException]
 *   when the cluster's backend could not be reached or the node left); their members are in
 *   neither list. Always empty on a single node, and for notifications (which nobody answers)
 *   unless the backend could not be reached.
 */
public class BroadcastResult @JvmOverloads constructor(
    public val delivered: List<String>,
    public val failed: Map<String, Throwable>,
    public val failedNodes: Map<String, Throwable> = emptyMap(),
) {
    /** Whether every member got the call (and, on a cluster, every node answered). */
    public val allDelivered: Boolean get() = failed.isEmpty() && failedNodes.isEmpty()

    override fun toString(): String =
        "BroadcastResult(delivered=${delivered.size}, failed=${failed.keys}" + (if (failedNodes.isEmpty()) "" else ", failedNodes=${failedNodes.keys}") + ")"
}
