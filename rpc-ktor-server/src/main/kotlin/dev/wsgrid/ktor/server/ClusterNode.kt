package dev.wsgrid.ktor.server

import dev.wsgrid.rpc.CloseCodes
import dev.wsgrid.rpc.Communicator
import dev.wsgrid.rpc.CommunicatorState
import dev.wsgrid.rpc.TransportFrame
import dev.wsgrid.rpc.internal.RecordedCall
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.future.await
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeoutOrNull
import org.slf4j.LoggerFactory
import java.time.Duration
import java.util.concurrent.CompletionStage
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicLong

/**
 * This server's part of a cluster (see [ClusterAdapter]): it sends the broadcasts of its rooms to
 * every node and merges their reports, replays the other nodes' broadcasts to its own members,
 * claims its connections' ids cluster-wide, and carries calls to connections held elsewhere
 * ([RemoteConnection], caller side) and from other nodes to its own ([ClusterRelay], owner side).
 *
 * Messages arrive on the link's thread, in order; nothing here blocks it. Owns one scope, for the
 * broadcasts it replays and the calls it relays, cancelled by [close].
 */
internal class ClusterNode(
    adapter: ClusterAdapter,
    private val registry: AcceptorRegistry<*, *>,
    val options: ServerOptions,
) : ClusterEvents {
    private val job = SupervisorJob()
    val scope = CoroutineScope(job + Dispatchers.Default + CoroutineName("wsgrid-cluster"))
    private val counter = AtomicLong()
    private val closed = AtomicBoolean()

    /** Broadcasts this node started, by request id, until merged. */
    private val broadcasts = ConcurrentHashMap<String, ClusterBroadcast>()

    /** Caller side: the open tunnels by id, and the remote connections by connection id. */
    private val tunnels = ConcurrentHashMap<String, TunnelTransport>()
    private val remotes = ConcurrentHashMap<String, RemoteConnection>()

    /** Owner side: relays of calls from other nodes to this node's connections, by tunnel id. */
    private val relays = ConcurrentHashMap<String, ClusterRelay>()

    /** Random ids of connections accepted while the backend was unreachable: claimed when it is back. */
    private val unclaimed: MutableSet<String> = ConcurrentHashMap.newKeySet()

    /** Set once [ClusterAdapter.join] returned; messages that come before are not this node's yet. */
    @Volatile
    private var joined: ClusterLink? = null

    val link: ClusterLink = adapter.join(this).also { joined = it }

    val nodeId: String get() = link.nodeId

    // ------------------------------------------------------------------ ids

    /**
     * Claims [id] cluster-wide. A random id ([chosen] `false`) is unique by construction: while
     * the backend is unreachable it is kept locally and claimed when the backend is back.
     */
    suspend fun claim(id: String, chosen: Boolean) {
        link.awaitJoined()
        if (!chosen && !link.available) {
            unclaimed.add(id)
            return
        }
        link.claim(id)
    }

    fun release(id: String) {
        unclaimed.remove(id)
        if (!closed.get()) link.release(id)
    }

    private fun claimUnclaimed() {
        if (unclaimed.isEmpty()) return
        scope.launch {
            for (id in unclaimed.toList()) {
                try {
                    if (registry.find(id) != null) link.claim(id)
                    unclaimed.remove(id)
                } catch (e: CancellationException) {
                    throw e
                } catch (e: dev.wsgrid.rpc.IdConflictException) {
                    unclaimed.remove(id)
                    onIdsTaken(listOf(id))
                } catch (e: Exception) {
                    return@launch // unreachable again: the next recovery tries
                }
            }
        }
    }

    override fun localIds(): Collection<String> = registry.ids()

    override fun onIdsTaken(ids: Collection<String>) {
        log.warn(
            "node {}: while the cluster's backend was unreachable, other nodes claimed the ids of {} of this node's connections ({}); locate finds those ids there",
            nodeId, ids.size, ids.take(10).joinToString(),
        )
    }

    // ------------------------------------------------------------------ locate

    /** The connection [id] on another node, or `null` when no live node holds it. */
    suspend fun locate(id: String): Communicator<*>? {
        remotes[id]?.let { if (it.state == CommunicatorState.OPEN) return it }
        link.awaitJoined()
        val owner = link.locate(id) ?: return null
        if (owner == nodeId) return null // released here, and not yet in Redis
        val tunnel = TunnelTransport(this, "$nodeId/${counter.incrementAndGet()}", owner, id)
        val remote = RemoteConnection(id, owner, tunnel, options.communicator, job) { remotes.remove(it.id, it) }
        val existing = remotes.putIfAbsent(id, remote)
        if (existing != null && existing.state == CommunicatorState.OPEN) {
            remote.close()
            return existing
        }
        if (existing != null) remotes[id] = remote
        return remote
    }

    fun tunnelStarted(tunnel: TunnelTransport) {
        tunnels[tunnel.tunnelId] = tunnel
    }

    fun tunnelEnded(tunnel: TunnelTransport) {
        tunnels.remove(tunnel.tunnelId, tunnel)
    }

    fun sendCallFrame(tunnel: TunnelTransport, frame: String): CompletionStage<*> =
        link.send(tunnel.owner, ClusterMessages.callFrame(tunnel.tunnelId, nodeId, tunnel.connectionId, frame))

    fun sendTunnelClose(tunnel: TunnelTransport, code: Int, reason: String) {
        quietly { link.send(tunnel.owner, ClusterMessages.close(tunnel.tunnelId, code, reason)) }
    }

    /** Sends [message] to [node], dropping it when the backend cannot take it (the other end times out or closes). */
    fun sendQuietly(node: String, message: String) {
        quietly { link.send(node, message) }
    }

    private inline fun quietly(send: () -> CompletionStage<*>) {
        try {
            send().whenComplete { _, e -> if (e != null) log.debug("node {}: a message was not sent: {}", nodeId, e.message) }
        } catch (e: Exception) {
            log.debug("node {}: a message was not sent: {}", nodeId, e.message)
        }
    }

    // ------------------------------------------------------------------ broadcasts

    /**
     * Sends [call] to the members of [room] (every connection when `null`) on every node, and
     * merges the reports; see [BroadcastResult.failedNodes].
     */
    suspend fun broadcast(room: String?, call: RecordedCall, timeout: Duration): BroadcastResult {
        link.awaitJoined()
        val started = System.nanoTime()
        val request = "$nodeId:${counter.incrementAndGet()}"
        val pending = ClusterBroadcast(link.peers, call.oneWay)
        broadcasts[request] = pending
        try {
            val unreachable = try {
                link.publish(ClusterMessages.broadcast(request, nodeId, room, timeout, call)).await()
                null
            } catch (e: CancellationException) {
                throw e
            } catch (e: Exception) {
                e as? ClusterUnavailableException ?: ClusterUnavailableException("cannot broadcast to the other nodes: ${e.message}", e)
            }
            if (unreachable != null) {
                for (node in pending.expected) pending.fail(node, unreachable)
                if (pending.claimLocal()) pending.local.complete(localBroadcast(room, call, timeout))
            } else {
                // this node's members get it when the backend hands it back, in the one order every node sees
                val echo = timeout.toMillis().coerceIn(1, ECHO_WAIT_MS)
                if (withTimeoutOrNull(echo) { pending.local.await() } == null && pending.claimLocal()) {
                    pending.local.complete(localBroadcast(room, call, timeout))
                }
            }
            val local = pending.local.await()
            if (!call.oneWay) {
                val left = timeout.toMillis() + NODE_GRACE_MS - (System.nanoTime() - started) / 1_000_000
                if (left > 0) withTimeoutOrNull(left) { pending.answered.await() }
            }
            return pending.result(local, timeout)
        } finally {
            broadcasts.remove(request)
        }
    }

    /** Sends [call] to this node's members of [room] (every connection when `null`). */
    private suspend fun localBroadcast(room: String?, call: RecordedCall, timeout: Duration): BroadcastResult {
        val members = registry.localMembers(room)
        if (members.isEmpty()) return BroadcastResult(emptyList(), emptyMap())
        return broadcastRecorded(members, call, timeout)
    }

    // ------------------------------------------------------------------ messages

    override fun onMessage(message: String) {
        if (joined == null || closed.get()) return
        try {
            val m = ClusterMessages.read(message) ?: return
            when (m.kind) {
                ClusterMessages.BROADCAST -> onBroadcast(m.header(ClusterMessages.BroadcastHeader.serializer()), m.body)
                ClusterMessages.REPORT -> {
                    val h = m.header(ClusterMessages.ReportHeader.serializer())
                    val pending = broadcasts[h.request] ?: return
                    val r = ClusterMessages.readReport(m.body)
                    pending.report(h.node, BroadcastResult(r.delivered, r.failed.mapValues { ClusterMessages.exception(it.value, h.node) }))
                }
                ClusterMessages.CALL_FRAME -> onCallFrame(m.header(ClusterMessages.FrameHeader.serializer()), m.body)
                ClusterMessages.RETURN_FRAME -> tunnels[m.header(ClusterMessages.FrameHeader.serializer()).tunnel]?.onFrame(m.body)
                ClusterMessages.CANCEL -> {
                    val h = m.header(ClusterMessages.CancelHeader.serializer())
                    relays[h.tunnel]?.cancel(h.uid)
                }
                ClusterMessages.CLOSE -> {
                    val h = m.header(ClusterMessages.CloseHeader.serializer())
                    tunnels[h.tunnel]?.end(h.code, h.reason, byPeer = true, cause = null)
                    relays.remove(h.tunnel)?.cancel()
                }
            }
        } catch (e: Exception) {
            log.warn("node {}: a message from the cluster could not be handled", nodeId, e)
        }
    }

    private fun onBroadcast(h: ClusterMessages.BroadcastHeader, body: String) {
        val recorded = RecordedCall.parse(body).call
        val call = RecordedCall(recorded.listener, recorded.arguments, h.oneWay)
        val timeout = Duration.ofMillis(h.timeoutMs)
        if (h.origin == nodeId) {
            val pending = broadcasts[h.request] ?: return
            if (!pending.claimLocal()) return
            scope.launch(start = CoroutineStart.UNDISPATCHED) {
                pending.local.complete(localBroadcast(h.room, call, timeout))
            }
            return
        }
        scope.launch(start = CoroutineStart.UNDISPATCHED) {
            val result = localBroadcast(h.room, call, timeout)
            if (!h.oneWay) sendQuietly(h.origin, ClusterMessages.report(h.request, nodeId, result))
        }
    }

    private fun onCallFrame(h: ClusterMessages.FrameHeader, frame: String) {
        val origin = h.origin ?: return
        val relay = relays[h.tunnel] ?: run {
            val acceptor = h.connection?.let { registry.find(it) }
            val st = acceptor?.state
            // ACCEPTING: the client has the accept frame and may be located already; its session opens next
            if (acceptor == null || (st != CommunicatorState.OPEN && st != CommunicatorState.ACCEPTING)) {
                sendQuietly(origin, ClusterMessages.close(h.tunnel, CloseCodes.GOING_AWAY, "the connection ${h.connection} is not on node $nodeId any more"))
                return
            }
            ClusterRelay(this, h.tunnel, origin, acceptor).also { relays[h.tunnel] = it }
        }
        relay.onFrame(frame)
    }

    fun relayEnded(relay: ClusterRelay) {
        relays.remove(relay.tunnelId, relay)
    }

    /** A connection of this node closed: the other nodes' tunnels to it close with its code and reason. */
    fun onLocalClosed(acceptor: WebSocketAcceptor<*, *>, closed: TransportFrame.Closed) {
        for (relay in relays.values) if (relay.acceptor === acceptor) relay.end(closed.code, closed.reason)
    }

    override fun onPeerLeft(node: String) {
        val gone = ClusterUnavailableException("node $node left the cluster")
        for (pending in broadcasts.values) pending.fail(node, gone)
        for (tunnel in tunnels.values) if (tunnel.owner == node) tunnel.end(CloseCodes.GOING_AWAY, "node $node left the cluster", byPeer = true, cause = gone)
        for (relay in relays.values) if (relay.origin == node) relay.cancel()
    }

    override fun onAvailabilityChanged(available: Boolean) {
        if (available) {
            claimUnclaimed()
            return
        }
        val down = ClusterUnavailableException("the cluster's backend is unreachable")
        for (pending in broadcasts.values) for (node in pending.expected) pending.fail(node, down)
        for (tunnel in tunnels.values) tunnel.end(CloseCodes.INTERNAL_ERROR, "the cluster's backend is unreachable", byPeer = false, cause = down)
        for (relay in relays.values) relay.cancel()
    }

    /** Leaves the cluster: tunnels close, relayed calls are cancelled, the link frees this node's ids. */
    suspend fun close() {
        if (!closed.compareAndSet(false, true)) return
        for (tunnel in tunnels.values) tunnel.end(CloseCodes.GOING_AWAY, "the server is closing", byPeer = false, cause = null)
        for (relay in relays.values) relay.cancel()
        try {
            link.close()
        } finally {
            scope.cancel("the server left the cluster")
        }
    }

    private companion object {
        val log = LoggerFactory.getLogger(ClusterNode::class.java)

        /** How long a broadcast waits for the backend to hand it back before delivering to this node's members itself. */
        const val ECHO_WAIT_MS = 2_000L

        /** How much longer than a broadcast's timeout a node's report may take to arrive. */
        const val NODE_GRACE_MS = 500L
    }
}
