package dev.wsgrid.cluster.redis.internal

import dev.wsgrid.cluster.redis.RedisClusterAdapter
import dev.wsgrid.ktor.server.ClusterEvents
import dev.wsgrid.ktor.server.ClusterLink
import dev.wsgrid.ktor.server.ClusterUnavailableException
import dev.wsgrid.rpc.IdConflictException
import io.lettuce.core.ClientOptions
import io.lettuce.core.RedisChannelHandler
import io.lettuce.core.RedisClient
import io.lettuce.core.RedisConnectionStateListener
import io.lettuce.core.ScriptOutputType
import io.lettuce.core.SocketOptions
import io.lettuce.core.TimeoutOptions
import io.lettuce.core.api.StatefulRedisConnection
import io.lettuce.core.codec.StringCodec
import io.lettuce.core.pubsub.RedisPubSubAdapter
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection
import io.lettuce.core.resource.ClientResources
import io.lettuce.core.resource.Delay
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.delay
import kotlinx.coroutines.future.await
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeoutOrNull
import org.slf4j.LoggerFactory
import java.security.SecureRandom
import java.time.Duration
import java.util.concurrent.CompletionStage
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean

/**
 * One node's link to the cluster through Redis (see [RedisClusterAdapter] for what travels how):
 * two Lettuce connections, one for commands and one subscribed to the cluster's broadcast channel,
 * its members channel and this node's own channel, plus the heartbeat.
 *
 * Owns one scope (connecting, the heartbeat), cancelled by [close]. Pub/sub messages are handed to
 * [events] on Lettuce's event loop, in order.
 *
 * ## Availability
 * [available] is false as soon as either connection drops (Lettuce's connection event) or a
 * heartbeat fails, and true again once both connections are up and a heartbeat went through
 * (which claims this node's ids again when Redis had lost them). Every operation checks it first
 * and fails at once while Redis is away, and Lettuce times out a hung command after the command
 * timeout, so nothing waits for Redis to come back.
 *
 * ## Reconnecting
 * The link reconnects itself rather than through Lettuce's watchdog: when a connection drops it
 * closes both, connects them again with a backoff (50 ms doubling up to the maximum), subscribes
 * again and re-registers the node. So an outage is logged once when it starts and once when it
 * ends, not once per attempt as the watchdog does.
 */
internal class RedisLink(private val config: RedisClusterAdapter, private val events: ClusterEvents) : ClusterLink {
    override val nodeId: String = newNodeId()

    private val prefix = config.prefix
    private val nodesKey = "$prefix:nodes"
    private val idsKey = "$prefix:ids"
    private val nodeIdsPrefix = "$prefix:node-ids:"
    private val myIdsKey = nodeIdsPrefix + nodeId
    private val broadcastChannel = "$prefix:broadcast"
    private val membersChannel = "$prefix:members"
    private fun inbox(node: String) = "$prefix:node:$node"

    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default + CoroutineName("wsgrid-redis $nodeId"))
    private val resources: ClientResources = ClientResources.builder()
        .ioThreadPoolSize(2)
        .computationThreadPoolSize(1)
        .reconnectDelay(Delay.exponential(Duration.ofMillis(50), config.maxReconnectDelay, 2, TimeUnit.MILLISECONDS))
        .build()
    private val client: RedisClient = RedisClient.create(resources, config.uri).apply {
        options = ClientOptions.builder()
            .autoReconnect(false)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .timeoutOptions(TimeoutOptions.enabled(config.commandTimeout))
            .socketOptions(SocketOptions.builder().connectTimeout(config.commandTimeout).build())
            .requestQueueSize(REQUEST_QUEUE)
            .build()
    }

    @Volatile
    private var commands: StatefulRedisConnection<String, String>? = null

    @Volatile
    private var pubsub: StatefulRedisPubSubConnection<String, String>? = null

    @Volatile
    override var available: Boolean = false
        private set

    /** Whether an outage was logged and not yet its end: logged once each way. */
    private val outageLogged = AtomicBoolean()
    private val closed = AtomicBoolean()

    /** Completed once the first attempt to connect and register has ended, either way. */
    private val firstAttempt = CompletableDeferred<Unit>()

    override suspend fun awaitJoined() {
        firstAttempt.await()
    }

    /** Wakes the heartbeat loop at once when a connection dropped. */
    private val dropped = Channel<Unit>(Channel.CONFLATED)

    @Volatile
    override var peers: Set<String> = emptySet()
        private set

    private val where = "${config.uri.host}:${config.uri.port}"

    fun start() {
        scope.launch { run() }
    }

    private suspend fun run() {
        while (true) {
            connect()
            while (commands?.isOpen == true && pubsub?.isOpen == true) {
                val ok = heartbeat()
                firstAttempt.complete(Unit)
                withTimeoutOrNull(if (ok) config.heartbeatInterval.toMillis() else RETRY_MS) { dropped.receive() }
            }
            lost(null)
        }
    }

    /** Connects both connections (closing what is left of the last ones), retrying until Redis answers. */
    private suspend fun connect() {
        var backoff = 50L
        val old = listOfNotNull(commands, pubsub)
        commands = null
        pubsub = null
        for (c in old) runCatching { c.closeAsync().await() }
        while (true) {
            try {
                val c = client.connectAsync(StringCodec.UTF8, config.uri).await()
                val p = try {
                    client.connectPubSubAsync(StringCodec.UTF8, config.uri).await()
                } catch (e: Exception) {
                    c.closeAsync()
                    throw e
                }
                p.addListener(object : RedisPubSubAdapter<String, String>() {
                    override fun message(channel: String, message: String) = onMessage(channel, message)
                })
                val states = object : RedisConnectionStateListener {
                    override fun onRedisDisconnected(connection: RedisChannelHandler<*, *>) {
                        lost(null)
                        dropped.trySend(Unit)
                    }
                }
                c.addListener(states)
                p.addListener(states)
                p.async().subscribe(broadcastChannel, membersChannel, inbox(nodeId)).await()
                commands = c
                pubsub = p
                return
            } catch (e: CancellationException) {
                throw e
            } catch (e: Exception) {
                lost(e)
                firstAttempt.complete(Unit)
                delay(backoff)
                backoff = (backoff * 2).coerceAtMost(config.maxReconnectDelay.toMillis())
            }
        }
    }

    /** Redis went away (or was never reached): fail fast from now on; logged once per outage. */
    private fun lost(cause: Throwable?) {
        if (closed.get()) return
        val was = available
        available = false
        if (outageLogged.compareAndSet(false, true)) {
            log.warn(
                "node {}: Redis at {} is unreachable{}; this node serves its own clients, and what crosses nodes fails until Redis is back",
                nodeId, where, cause?.message?.let { " ($it)" } ?: "",
            )
        }
        if (was) events.onAvailabilityChanged(false)
    }

    /** Refreshes this node's heartbeat and learns the live nodes; answers whether Redis answered. */
    @Suppress("UNCHECKED_CAST")
    private suspend fun heartbeat(): Boolean {
        val c = commands ?: return false
        return try {
            val reply = c.async().eval<List<Any?>>(
                Scripts.HEARTBEAT, ScriptOutputType.MULTI, arrayOf(nodesKey, idsKey),
                nodeId, config.nodeTimeout.toMillis().toString(), nodeIdsPrefix,
            ).await()
            val registered = reply[0].toString() == "1"
            val live = reply.drop(1).mapTo(HashSet()) { it.toString() }
            live.remove(nodeId)
            if (registered) reclaim(c)
            releaseLeftovers(c)
            updatePeers(live)
            if (!available && !closed.get()) {
                available = true
                if (outageLogged.compareAndSet(true, false)) log.info("node {}: Redis at {} is back", nodeId, where)
                if (registered) c.async().publish(membersChannel, "join $nodeId")
                events.onAvailabilityChanged(true)
            }
            true
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            lost(e)
            false
        }
    }

    /** This node's ids again, after Redis lost them (restarted, or this node's heartbeat had lapsed). */
    private suspend fun reclaim(c: StatefulRedisConnection<String, String>) {
        val ids = events.localIds()
        if (ids.isEmpty()) return
        val taken = claimAll(c, ids)
        if (taken.isNotEmpty()) events.onIdsTaken(taken.keys)
    }

    @Suppress("UNCHECKED_CAST")
    private suspend fun claimAll(c: StatefulRedisConnection<String, String>, ids: Collection<String>): Map<String, String> {
        val args = ArrayList<String>(ids.size + 1)
        args += nodeId
        args += ids
        val reply = c.async().eval<List<Any?>>(Scripts.CLAIM, ScriptOutputType.MULTI, arrayOf(nodesKey, idsKey, myIdsKey), *args.toTypedArray()).await()
        val taken = LinkedHashMap<String, String>()
        for (i in reply.indices step 2) taken[reply[i].toString()] = reply[i + 1].toString()
        return taken
    }

    /** Nodes that said they leave, by when: a heartbeat's list read just before they left must not bring them back. */
    private val departed = java.util.concurrent.ConcurrentHashMap<String, Long>()

    private fun updatePeers(live: Set<String>) {
        val now = System.nanoTime()
        departed.values.removeIf { now - it > config.nodeTimeout.toNanos() * 2 }
        val before = peers
        peers = live - departed.keys
        for (node in before) if (node !in peers) events.onPeerLeft(node)
    }

    private fun onMessage(channel: String, message: String) {
        if (channel == membersChannel) {
            val (what, node) = message.split(' ', limit = 2).let { it[0] to it.getOrElse(1) { "" } }
            if (node == nodeId || node.isEmpty()) return
            when (what) {
                "join" -> peers = peers + node
                "leave" -> {
                    departed[node] = System.nanoTime()
                    if (node in peers) {
                        peers = peers - node
                        events.onPeerLeft(node)
                    }
                }
            }
            return
        }
        events.onMessage(message)
    }

    private fun unavailable(what: String): ClusterUnavailableException =
        ClusterUnavailableException("cannot $what: Redis at $where is unreachable from node $nodeId")

    private fun connection(what: String): StatefulRedisConnection<String, String> {
        val c = commands
        if (!available || c == null) throw unavailable(what)
        return c
    }

    private suspend fun <T> redis(what: String, op: suspend (StatefulRedisConnection<String, String>) -> T): T {
        val c = connection(what)
        return try {
            op(c)
        } catch (e: CancellationException) {
            throw e
        } catch (e: IdConflictException) {
            throw e
        } catch (e: Exception) {
            throw ClusterUnavailableException("cannot $what: Redis at $where failed: ${e.message}", e)
        }
    }

    override suspend fun claim(id: String) {
        val holder = redis("claim the id '$id'") { claimAll(it, listOf(id))[id] } ?: return
        throw IdConflictException(id, "the id '$id' is taken by a connection on node $holder")
    }

    override fun release(id: String) {
        val c = commands
        if (!available || c == null) {
            unreleased.add(id)
            return
        }
        c.async().eval<Long>(Scripts.RELEASE, ScriptOutputType.INTEGER, arrayOf(idsKey, myIdsKey), nodeId, id).whenComplete { _, e ->
            if (e != null) unreleased.add(id)
        }
    }

    /** Ids released while Redis was unreachable: released there once it is back (unless claimed again since). */
    private val unreleased: MutableSet<String> = java.util.concurrent.ConcurrentHashMap.newKeySet()

    private suspend fun releaseLeftovers(c: StatefulRedisConnection<String, String>) {
        if (unreleased.isEmpty()) return
        val open = events.localIds().toHashSet()
        for (id in unreleased.toList()) {
            unreleased.remove(id)
            if (id !in open) c.async().eval<Long>(Scripts.RELEASE, ScriptOutputType.INTEGER, arrayOf(idsKey, myIdsKey), nodeId, id).await()
        }
    }

    override suspend fun locate(id: String): String? =
        redis("locate the connection '$id'") { it.async().eval<String?>(Scripts.LOCATE, ScriptOutputType.VALUE, arrayOf(nodesKey, idsKey), id).await() }

    override fun publish(message: String): CompletionStage<*> = connection("broadcast to the other nodes").async().publish(broadcastChannel, message)

    override fun send(node: String, message: String): CompletionStage<*> = connection("reach node $node").async().publish(inbox(node), message)

    override suspend fun close() {
        if (!closed.compareAndSet(false, true)) return
        firstAttempt.complete(Unit)
        val c = commands
        try {
            if (available && c != null) {
                withTimeoutOrNull(config.commandTimeout.toMillis()) {
                    c.async().eval<Long>(Scripts.LEAVE, ScriptOutputType.INTEGER, arrayOf(nodesKey, idsKey, myIdsKey), nodeId).await()
                    c.async().publish(membersChannel, "leave $nodeId").await()
                }
            }
        } catch (e: Exception) {
            log.debug("node {}: left without telling Redis: {}", nodeId, e.message)
        } finally {
            available = false
            scope.coroutineContext[kotlinx.coroutines.Job]?.cancelAndJoin()
            runCatching { pubsub?.closeAsync()?.await() }
            runCatching { commands?.closeAsync()?.await() }
            runCatching { client.shutdownAsync(0, 2, TimeUnit.SECONDS).await() }
            runCatching { resources.shutdown(0, 2, TimeUnit.SECONDS).await() }
        }
    }

    private companion object {
        val log = LoggerFactory.getLogger(RedisLink::class.java)

        /** Commands one connection may have waiting for Redis; more are rejected, never queued without bound. */
        const val REQUEST_QUEUE = 65_536

        /** How soon the heartbeat tries again while Redis is away. */
        const val RETRY_MS = 200L

        private val random = SecureRandom()

        fun newNodeId(): String {
            val alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
            return "n" + String(CharArray(9) { alphabet[random.nextInt(alphabet.length)] })
        }
    }
}
