package dev.wsgrid.ktor.server

import dev.wsgrid.rpc.CallTimeoutException
import kotlinx.coroutines.CompletableDeferred
import java.time.Duration
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicBoolean

/**
 * One broadcast this node started on the cluster, until its reports are in: this node's own part
 * (delivered when the backend hands the broadcast back, so every node sees broadcasts in one
 * order) and the report of each node [expected] to answer.
 */
internal class ClusterBroadcast(
    /** The other nodes alive when the broadcast started. */
    val expected: Set<String>,
    val oneWay: Boolean,
) {
    private val localClaimed = AtomicBoolean()

    /** This node's members' report. */
    val local = CompletableDeferred<BroadcastResult>()

    /** Reports by node; a node that failed is in [failedNodes] instead. */
    private val reports = ConcurrentHashMap<String, BroadcastResult>()
    private val nodeFailures = ConcurrentHashMap<String, Throwable>()

    /** Completed once every expected node answered or failed (at once for a notification). */
    val answered = CompletableDeferred<Unit>().also { if (oneWay || expected.isEmpty()) it.complete(Unit) }

    /** Takes the right to deliver to this node's members, once: the echo and the fallback race for it. */
    fun claimLocal(): Boolean = localClaimed.compareAndSet(false, true)

    fun report(node: String, result: BroadcastResult) {
        if (nodeFailures.containsKey(node)) return
        reports[node] = result
        check()
    }

    /** [node] will not answer (it left, or the backend is gone). */
    fun fail(node: String, error: Throwable) {
        if (node !in expected || reports.containsKey(node)) return
        nodeFailures.putIfAbsent(node, error)
        check()
    }

    private fun check() {
        if (expected.all { reports.containsKey(it) || nodeFailures.containsKey(it) }) answered.complete(Unit)
    }

    /** The merged report: this node's part, each report, and the nodes that did not answer within [timeout]. */
    fun result(local: BroadcastResult, timeout: Duration): BroadcastResult {
        val delivered = ArrayList<String>(local.delivered)
        val failed = LinkedHashMap(local.failed)
        val failedNodes = LinkedHashMap<String, Throwable>()
        for ((_, r) in reports) {
            delivered += r.delivered
            failed += r.failed
        }
        if (!oneWay) {
            for (node in expected) {
                if (reports.containsKey(node)) continue
                failedNodes[node] = nodeFailures[node] ?: CallTimeoutException("broadcast on node $node", timeout)
            }
        } else {
            failedNodes += nodeFailures
        }
        return BroadcastResult(delivered, failed, failedNodes)
    }
}
