package dev.wsgrid.cluster.redis

import dev.wsgrid.cluster.redis.internal.RedisLink
import dev.wsgrid.ktor.server.ClusterAdapter
import dev.wsgrid.ktor.server.ClusterEvents
import dev.wsgrid.ktor.server.ClusterLink
import dev.wsgrid.rpc.internal.InternalWsgridApi
import io.lettuce.core.RedisURI
import java.time.Duration

/**
 * Many wsgrid servers, one set of rooms: the [ClusterAdapter] on Redis. Every server opened with
 * the same adapter (same Redis, same [prefix]) is a node of one cluster: connection ids are unique
 * across the nodes, `server.locate(id)` reaches a client on any node, and room broadcasts reach
 * the members on every node, merged into one report.
 *
 * ```kotlin
 * val cluster = RedisClusterAdapter.create("redis://10.0.0.5:6379")
 * val server = WebSocketServer<Credentials, IChat>(Credentials::class.java, ServerOptions.builder().cluster(cluster).build())
 * ```
 *
 * From Java: `ServerConfig.builder().cluster(RedisClusterAdapter.builder("redis://10.0.0.5:6379").prefix("chat").build())`.
 *
 * ## What travels through Redis
 * - A broadcast: one `PUBLISH` to the cluster's broadcast channel, whoever its members are; every
 *   node (the broadcasting one too) delivers it to its own members when Redis hands it over, so
 *   every node sees broadcasts in one order; each node answers with one report (not for
 *   notifications). Entering and leaving rooms costs nothing in Redis: rooms stay each node's own.
 * - An id: claimed in a hash (one Lua script per accept or [changeId][dev.wsgrid.ktor.server.WebSocketAcceptor.changeId]),
 *   valid while its node's heartbeat lives, released when the connection closes.
 * - A call through `locate`: its frame to the owning node's channel, its return back to the caller's.
 * - Membership: each node refreshes its heartbeat (a sorted set scored by expiry, in Redis time)
 *   every [heartbeatInterval]; a node silent for [nodeTimeout] is dead, named in broadcast
 *   reports, and its ids are free.
 *
 * Delivery is Redis pub/sub's: at most once. A node that loses Redis goes on serving its own
 * clients and broadcasting to its own members; what crosses nodes fails at once with
 * `ClusterUnavailableException` (never waits), Lettuce reconnects and resubscribes by itself, and
 * the outage is logged once. Works with a standalone Redis (or Sentinel, through a
 * `redis-sentinel://` URI); not with Redis Cluster.
 *
 * ## Why Lettuce's async API
 * Every operation here is a `RedisFuture` (a `CompletionStage`) awaited with kotlinx.coroutines'
 * own `await()`, and pub/sub messages come through a listener on Lettuce's event loop, which suits
 * wsgrid's push transports. Lettuce's coroutine API is marked experimental, runs every command
 * through Project Reactor (a `Mono` per command, more allocation on the hot path of a call
 * relayed between nodes) and needs kotlinx-coroutines-reactive on the classpath; its pub/sub is
 * reactive streams, not push. The async API is stable and does the same with less.
 *
 * ## Why one channel for broadcasts, not a channel per room or sharded pub/sub
 * A channel per room makes each node subscribe when a room gets its first local member: a Redis
 * round trip on entering, and a broadcast sent meanwhile misses that member. One channel that
 * every node hears has neither, and gives all broadcasts one order. Sharded pub/sub (`SPUBLISH`,
 * Redis 7) only spreads channels over the shards of a Redis Cluster; on one Redis it measured the
 * same as `PUBLISH` (169 against 170 µs at p50 to three subscribers, `benchmarks/run.sh
 * cluster-pubsub`), so it would only have raised the required Redis version.
 */
public class RedisClusterAdapter private constructor(b: Builder) : ClusterAdapter {
    /** The Redis to meet at (`redis://host:port`, `rediss://`, `redis-sentinel://`). */
    public val uri: RedisURI = b.uri

    /** What every key and channel of this cluster starts with: clusters with other prefixes share the Redis without meeting. Default `wsgrid`. */
    public val prefix: String = b.prefix

    /** How often each node refreshes its heartbeat. Default: 1 s. */
    public val heartbeatInterval: Duration = b.heartbeatInterval

    /** How long a node may miss its heartbeats before it counts as dead and its ids are free. Default: 5 s. */
    public val nodeTimeout: Duration = b.nodeTimeout

    /** How long one Redis command may take before it fails (Redis hung, not gone). Default: 2 s. */
    public val commandTimeout: Duration = b.commandTimeout

    /** The longest wait between two reconnect attempts (they start at 50 ms and double). Default: 2 s. */
    public val maxReconnectDelay: Duration = b.maxReconnectDelay

    @InternalWsgridApi
    override fun join(events: ClusterEvents): ClusterLink = RedisLink(this, events).also { it.start() }

    override fun toString(): String = "RedisClusterAdapter(${uri.host}:${uri.port}, prefix=$prefix)"

    /** A builder starting from this adapter's settings. */
    public fun newBuilder(): Builder = Builder(this)

    /** Builds a [RedisClusterAdapter]. */
    public class Builder internal constructor(internal var uri: RedisURI) {
        internal var prefix: String = "wsgrid"
        internal var heartbeatInterval: Duration = Duration.ofSeconds(1)
        internal var nodeTimeout: Duration = Duration.ofSeconds(5)
        internal var commandTimeout: Duration = Duration.ofSeconds(2)
        internal var maxReconnectDelay: Duration = Duration.ofSeconds(2)

        internal constructor(from: RedisClusterAdapter) : this(from.uri) {
            prefix = from.prefix
            heartbeatInterval = from.heartbeatInterval
            nodeTimeout = from.nodeTimeout
            commandTimeout = from.commandTimeout
            maxReconnectDelay = from.maxReconnectDelay
        }

        /** Sets [RedisClusterAdapter.prefix]: letters, digits, `.`, `_`, `-`, `:`. */
        public fun prefix(prefix: String): Builder = apply {
            require(prefix.isNotEmpty() && prefix.all { it.isLetterOrDigit() || it in "._-:" }) {
                "the prefix must be letters, digits, '.', '_', '-' or ':', was \"$prefix\""
            }
            this.prefix = prefix
        }

        /** Sets [RedisClusterAdapter.heartbeatInterval]. */
        public fun heartbeatInterval(interval: Duration): Builder = apply { heartbeatInterval = positive("heartbeatInterval", interval) }

        /** Sets [RedisClusterAdapter.nodeTimeout]; at least twice the heartbeat interval. */
        public fun nodeTimeout(timeout: Duration): Builder = apply { nodeTimeout = positive("nodeTimeout", timeout) }

        /** Sets [RedisClusterAdapter.commandTimeout]. */
        public fun commandTimeout(timeout: Duration): Builder = apply { commandTimeout = positive("commandTimeout", timeout) }

        /** Sets [RedisClusterAdapter.maxReconnectDelay]. */
        public fun maxReconnectDelay(delay: Duration): Builder = apply { maxReconnectDelay = positive("maxReconnectDelay", delay) }

        /**
         * Builds the adapter.
         *
         * @throws IllegalArgumentException when the node timeout is less than twice the heartbeat interval.
         */
        public fun build(): RedisClusterAdapter {
            require(nodeTimeout >= heartbeatInterval.multipliedBy(2)) {
                "nodeTimeout ($nodeTimeout) must be at least twice heartbeatInterval ($heartbeatInterval): a node would count as dead between two heartbeats"
            }
            return RedisClusterAdapter(this)
        }

        private fun positive(name: String, d: Duration): Duration {
            require(!d.isNegative && !d.isZero) { "$name must be positive, was $d" }
            return d
        }
    }

    /** Factories. */
    public companion object {
        /** The adapter for the Redis at [uri] (`redis://host:port`), with the defaults. */
        @JvmStatic
        public fun create(uri: String): RedisClusterAdapter = builder(uri).build()

        /**
         * A builder for the Redis at [uri].
         *
         * @throws IllegalArgumentException when [uri] is not a Redis URI, naming it.
         */
        @JvmStatic
        public fun builder(uri: String): Builder = Builder(parse(uri))

        /** A builder for the Redis at [uri]. */
        @JvmStatic
        public fun builder(uri: RedisURI): Builder = Builder(uri)

        private fun parse(uri: String): RedisURI = try {
            RedisURI.create(uri)
        } catch (e: Exception) {
            throw IllegalArgumentException("not a Redis URI: \"$uri\" (expected redis://host:port): ${e.message}", e)
        }
    }
}
