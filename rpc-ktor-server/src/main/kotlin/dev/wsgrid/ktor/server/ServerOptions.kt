package dev.wsgrid.ktor.server

import dev.wsgrid.rpc.internal.requirePositive
import dev.wsgrid.rpc.internal.requirePositiveOrNull

import dev.wsgrid.ktor.ConnectionOptions
import dev.wsgrid.ktor.ConnectionOptionsBuilder
import dev.wsgrid.rpc.CommunicatorOptions
import dev.wsgrid.rpc.WsgridDsl
import java.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlin.time.toJavaDuration
import kotlin.time.toKotlinDuration
import kotlin.time.Duration as KDuration

/**
 * How a wsgrid server or route treats its clients. Immutable; build with [builder] or
 * [newBuilder], or from Kotlin:
 *
 * ```kotlin
 * val options = ServerOptions {
 *     handshakeTimeout = 3.seconds
 *     maxConnections = 1_000
 *     communicator { callTimeout = 10.seconds }
 * }
 * ```
 */
public class ServerOptions private constructor(b: Builder) : ConnectionOptions {
    /** Codec, limits and timeouts of every acceptor. Default: [CommunicatorOptions.DEFAULT]. */
    override val communicator: CommunicatorOptions = b.communicator

    /** How long a client may take to send its header before it is closed with 1008. Default: 5 s. */
    override val handshakeTimeout: Duration = b.handshakeTimeout.toJavaDuration()

    /** The largest frame accepted from a client; a larger one closes it with 1009. Default: 16 MiB. */
    override val maxFrameSize: Long = b.maxFrameSize

    /** How many clients may be connected at once; one more is closed with 1013. Default: 10,000. */
    public val maxConnections: Int = b.maxConnections

    /** How often to ping each client; `null` (the default, as in TGrid) sends no pings. */
    override val pingInterval: Duration? = b.pingInterval?.toJavaDuration()

    /** With [pingInterval], how long a ping may go unanswered before the client is dropped. Default: 15 s. */
    override val pongTimeout: Duration = b.pongTimeout.toJavaDuration()

    /** Frames buffered per connection and direction by the standalone server's Ktor sessions. Default: 64. */
    public val frameBuffer: Int = b.frameBuffer

    /** Checks each client before its upgrade; `null` (the default) lets every client upgrade. */
    public val verifier: ClientVerifier? = b.verifier

    /** Told of listening, connections, disconnections and errors; `null` (the default) for none. */
    public val listener: ServerListener? = b.listener

    /**
     * The cluster this server is a node of: rooms, broadcasts, connection ids and
     * [locate][WebSocketServer.locate] then span every server opened with the same cluster (see
     * [ClusterAdapter]); `null` (the default) is a single node.
     */
    public val cluster: ClusterAdapter? = b.cluster

    /**
     * How long a frame may wait for room in a connection's outgoing buffer before the peer, which
     * is not reading, is closed with 1008. Default: 30 s.
     */
    override val sendTimeout: Duration = b.sendTimeout.toJavaDuration()

    /**
     * Whether to agree to wsgrid's extensions (cancellation across the wire, streams) with clients
     * that offer them (the WebSocket subprotocol `wsgrid.v1`; a TGrid client never does). Such a
     * client is accepted with an extension accept frame, and its acceptor's
     * [protocol][dev.wsgrid.rpc.Communicator.protocol] is `WSGRID_V1`; every other client gets
     * plain TGrid. Default: `true`.
     */
    override val extensions: Boolean = b.extensions

    /**
     * For the standalone [WebSocketServer]: compress frames of at least this many bytes with
     * permessage-deflate when the client offers it; `null` (the default) agrees to no compression.
     * A [wsgrid] route follows the application's own WebSockets plugin instead.
     */
    override val compressionThreshold: Int? = b.compressionThreshold

    /** The outgoing queue's bounds of each connection. */
    internal val outgoingLimits: dev.wsgrid.ktor.OutgoingLimits get() = dev.wsgrid.ktor.OutgoingLimits(outgoingBuffer, maxOutgoingBytes, sendTimeout)

    /** The engine the standalone [WebSocketServer] runs on. Default: [ServerEngine.NETTY]. */
    public val engine: ServerEngine = b.engine

    /**
     * How long a socket of the standalone server on Netty may take from its accept to a complete
     * WebSocket upgrade (TLS and HTTP request included) before it is closed. Default: 5 s.
     */
    public val upgradeTimeout: Duration = b.upgradeTimeout.toJavaDuration()

    /**
     * Bytes a connection may have waiting to be sent before it stops reading its peer's frames and
     * senders that can wait do so (a peer reading slower than it is written to). Default: 1 MiB.
     */
    override val outgoingBuffer: Long = b.outgoingBuffer

    /**
     * Bytes a connection may have waiting to be sent at most: a peer that lets more pile up (it
     * does not read) is dropped with 1008 at once, as one that stays above [outgoingBuffer] for
     * [sendTimeout] is. One frame bigger than this still goes when nothing else waits. Default: 16 MiB.
     */
    override val maxOutgoingBytes: Long = b.maxOutgoingBytes

    /** A builder starting from these options. */
    public fun newBuilder(): Builder = Builder(this)

    /**
     * Builds [ServerOptions]. From Kotlin, set its properties in a block
     * (`ServerOptions { handshakeTimeout = 3.seconds }`); from Java, chain its setters
     * (`ServerOptions.builder().handshakeTimeout(Duration.ofSeconds(3)).build()`). Each value is
     * checked as it is set.
     */
    @WsgridDsl
    public class Builder internal constructor(from: ServerOptions?) : ConnectionOptionsBuilder<Builder>(from, 5.seconds) {
        /** [ServerOptions.maxConnections]. */
        @get:JvmSynthetic @set:JvmSynthetic
        public var maxConnections: Int = from?.maxConnections ?: 10_000
            set(value) { field = requirePositive("maxConnections", value) }

        /** [ServerOptions.cluster]. */
        @get:JvmSynthetic @set:JvmSynthetic
        public var cluster: ClusterAdapter? = from?.cluster

        /** [ServerOptions.pingInterval]; `null` turns pings off. */
        @get:JvmSynthetic @set:JvmSynthetic
        public var pingInterval: KDuration? = from?.pingInterval?.toKotlinDuration()
            set(value) { field = requirePositiveOrNull("pingInterval", value) }

        /** [ServerOptions.pongTimeout]. */
        @get:JvmSynthetic @set:JvmSynthetic
        public var pongTimeout: KDuration = from?.pongTimeout?.toKotlinDuration() ?: 15.seconds
            set(value) { field = requirePositive("pongTimeout", value) }

        /** [ServerOptions.frameBuffer]. */
        @get:JvmSynthetic @set:JvmSynthetic
        public var frameBuffer: Int = from?.frameBuffer ?: 64
            set(value) { field = requirePositive("frameBuffer", value) }

        /** [ServerOptions.verifier]. */
        @get:JvmSynthetic @set:JvmSynthetic
        public var verifier: ClientVerifier? = from?.verifier

        /** [ServerOptions.listener]. */
        @get:JvmSynthetic @set:JvmSynthetic
        public var listener: ServerListener? = from?.listener

        /** [ServerOptions.engine]. */
        @get:JvmSynthetic @set:JvmSynthetic
        public var engine: ServerEngine = from?.engine ?: ServerEngine.NETTY

        /** [ServerOptions.upgradeTimeout]. */
        @get:JvmSynthetic @set:JvmSynthetic
        public var upgradeTimeout: KDuration = from?.upgradeTimeout?.toKotlinDuration() ?: 5.seconds
            set(value) { field = requirePositive("upgradeTimeout", value) }

        /** A builder with the defaults. */
        public constructor() : this(null)

        /** Sets [maxConnections]. */
        public fun maxConnections(max: Int): Builder = apply { maxConnections = max }

        override fun pingInterval(interval: Duration?): Builder = apply { pingInterval = interval?.toKotlinDuration() }

        override fun pongTimeout(timeout: Duration): Builder = apply { pongTimeout = timeout.toKotlinDuration() }

        /** Sets [frameBuffer]. */
        public fun frameBuffer(frames: Int): Builder = apply { frameBuffer = frames }

        /** Sets [verifier]. */
        public fun verifier(verifier: ClientVerifier?): Builder = apply { this.verifier = verifier }

        /** Sets [listener]. */
        public fun listener(listener: ServerListener?): Builder = apply { this.listener = listener }

        /** Sets [engine]. */
        public fun engine(engine: ServerEngine): Builder = apply { this.engine = engine }

        /** Sets [cluster]; `null` makes a single node. */
        public fun cluster(cluster: ClusterAdapter?): Builder = apply { this.cluster = cluster }

        /** Sets [upgradeTimeout]. */
        public fun upgradeTimeout(timeout: Duration): Builder = apply { upgradeTimeout = timeout.toKotlinDuration() }

        /**
         * Builds the options.
         *
         * @throws IllegalArgumentException when [maxOutgoingBytes] is below [outgoingBuffer].
         */
        public fun build(): ServerOptions {
            checkShared()
            return ServerOptions(this)
        }
    }

    /** Defaults and factories. */
    public companion object {
        /** The defaults. */
        @JvmField
        public val DEFAULT: ServerOptions = Builder().build()

        /** A builder with the defaults. */
        @JvmStatic
        public fun builder(): Builder = Builder()
    }
}

/** Builds [ServerOptions] from the defaults and what [block] sets: `ServerOptions { maxConnections = 1_000 }`. */
@JvmSynthetic
public inline fun ServerOptions(block: ServerOptions.Builder.() -> Unit): ServerOptions = ServerOptions.Builder().apply(block).build()
