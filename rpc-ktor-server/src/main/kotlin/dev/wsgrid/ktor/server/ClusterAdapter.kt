package dev.wsgrid.ktor.server

import dev.wsgrid.rpc.internal.InternalWsgridApi
import java.util.concurrent.CompletionStage

/**
 * How the nodes of a wsgrid cluster reach each other: set one as [ServerOptions.cluster] on every
 * server (or route) of the cluster, and rooms, broadcasts, connection ids and
 * [locate][WebSocketServer.locate] span all of them. Without one (the default) a server is a
 * single node, as always.
 *
 * wsgrid's adapter is `RedisClusterAdapter` (artifact `wsgrid-cluster-redis`):
 *
 * ```kotlin
 * val options = ServerOptions.builder().cluster(RedisClusterAdapter.create("redis://10.0.0.5:6379")).build()
 * ```
 *
 * An adapter is a description, immutable and shareable: each server that opens with it joins the
 * cluster as a node of its own, and leaves when it closes. Its members are wsgrid's own service
 * provider interface, public for the adapter modules only (see [InternalWsgridApi]).
 */
public interface ClusterAdapter {
    /**
     * Joins the cluster as a new node: from now on [events] hears what the other nodes send, until
     * the returned link is closed. Must not block: connecting happens in the background, and the
     * link reports itself unavailable until it is connected.
     */
    @InternalWsgridApi
    public fun join(events: ClusterEvents): ClusterLink
}

/**
 * One node's connection to the cluster, made by [ClusterAdapter.join]. Thread-safe. Operations
 * that need the backend fail at once with [ClusterUnavailableException] while it is unreachable;
 * none of them waits for it to come back.
 */
@InternalWsgridApi
public interface ClusterLink {
    /** This node's id, unique in the cluster (letters, digits, `.`, `_`, `-`). */
    public val nodeId: String

    /** The other nodes alive as last seen (their heartbeats); a snapshot. */
    public val peers: Set<String>

    /** Whether the backend is reachable now. */
    public val available: Boolean

    /**
     * Suspends until the link's first attempt to join has ended, joined or not (at once after):
     * what a node does before it ever reached the backend waits for that, instead of failing
     * because the node has only just started.
     */
    public suspend fun awaitJoined()

    /**
     * Claims the connection id [id] for this node, cluster-wide; the claim lasts while this node
     * lives (and answers heartbeats) or until [release].
     *
     * @throws dev.wsgrid.rpc.IdConflictException when another live node holds it.
     * @throws ClusterUnavailableException when the backend cannot be reached.
     */
    public suspend fun claim(id: String)

    /** Gives [id] back, in the background; only this node's own claim is removed. */
    public fun release(id: String)

    /**
     * The node holding the connection id [id], or `null` when no live node does.
     *
     * @throws ClusterUnavailableException when the backend cannot be reached.
     */
    public suspend fun locate(id: String): String?

    /**
     * Sends [message] to every node, this one included; every node receives the messages of
     * [publish] in one order. Returns at once; the stage completes once the backend took it.
     *
     * @throws ClusterUnavailableException at once when the backend is known to be unreachable.
     */
    public fun publish(message: String): CompletionStage<*>

    /** Sends [message] to [node] alone; see [publish]. */
    public fun send(node: String, message: String): CompletionStage<*>

    /** Leaves the cluster: frees this node's ids, tells the other nodes, disconnects. Idempotent. */
    public suspend fun close()
}

/** What a [ClusterLink] tells its node; implemented by the server. Called on the link's threads; must not block. */
@InternalWsgridApi
public interface ClusterEvents {
    /** A message [published][ClusterLink.publish] or [sent][ClusterLink.send] to this node, in order. */
    public fun onMessage(message: String)

    /** [node] left the cluster or stopped answering its heartbeats. */
    public fun onPeerLeft(node: String)

    /** The backend became unreachable (`false`) or reachable again (`true`). */
    public fun onAvailabilityChanged(available: Boolean)

    /** The ids of this node's connections, claimed again when the backend comes back (it may have lost them). */
    public fun localIds(): Collection<String>

    /** Ids of this node's connections that another node claimed while the backend was unreachable. */
    public fun onIdsTaken(ids: Collection<String>)
}
