package dev.wsgrid.ktor.server

import dev.wsgrid.rpc.internal.requirePositive
import dev.wsgrid.rpc.internal.requirePositiveOrNull

import dev.wsgrid.rpc.CommunicatorOptions
import java.time.Duration

/** How a wsgrid server or route treats its clients. Immutable; build with [builder] or [newBuilder]. */
public class ServerOptions private constructor(b: Builder) {
    /** Codec, limits and timeouts of every acceptor. Default: [CommunicatorOptions.DEFAULT]. */
    public val communicator: CommunicatorOptions = b.communicator

    /** How long a client may take to send its header before it is closed with 1008. Default: 5 s. */
    public val handshakeTimeout: Duration = b.handshakeTimeout

    /** The largest frame accepted from a client; a larger one closes it with 1009. Default: 16 MiB. */
    public val maxFrameSize: Long = b.maxFrameSize

    /** How many clients may be connected at once; one more is closed with 1013. Default: 10,000. */
    public val maxConnections: Int = b.maxConnections

    /** How often to ping each client; `null` (the default, as in TGrid) sends no pings. */
    public val pingInterval: Duration? = b.pingInterval

    /** With [pingInterval], how long a ping may go unanswered before the client is dropped. Default: 15 s. */
    public val pongTimeout: Duration = b.pongTimeout

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
    public val sendTimeout: Duration = b.sendTimeout

    /**
     * Whether to agree to wsgrid's extensions (cancellation across the wire, streams) with clients
     * that offer them (the WebSocket subprotocol `wsgrid.v1`; a TGrid client never does). Such a
     * client is accepted with an extension accept frame, and its acceptor's
     * [protocol][dev.wsgrid.rpc.Communicator.protocol] is `WSGRID_V1`; every other client gets
     * plain TGrid. Default: `true`.
     */
    public val extensions: Boolean = b.extensions

    /**
     * For the standalone [WebSocketServer]: compress frames of at least this many bytes with
     * permessage-deflate when the client offers it; `null` (the default) agrees to no compression.
     * A [wsgrid] route follows the application's own WebSockets plugin instead.
     */
    public val compressionThreshold: Int? = b.compressionThreshold

    /** The outgoing queue's bounds of each connection, from [sendTimeout] and its defaults. */
    internal val outgoingLimits: dev.wsgrid.ktor.OutgoingLimits = dev.wsgrid.ktor.OutgoingLimits(sendTimeout = sendTimeout)

    /** A builder starting from these options. */
    public fun newBuilder(): Builder = Builder(this)

    /** Builds [ServerOptions]. */
    public class Builder internal constructor(from: ServerOptions?) {
        internal var communicator = from?.communicator ?: CommunicatorOptions.DEFAULT
        internal var handshakeTimeout: Duration = from?.handshakeTimeout ?: Duration.ofSeconds(5)
        internal var maxFrameSize: Long = from?.maxFrameSize ?: (16L shl 20)
        internal var maxConnections: Int = from?.maxConnections ?: 10_000
        internal var pingInterval: Duration? = from?.pingInterval
        internal var pongTimeout: Duration = from?.pongTimeout ?: Duration.ofSeconds(15)
        internal var frameBuffer: Int = from?.frameBuffer ?: 64
        internal var verifier: ClientVerifier? = from?.verifier
        internal var listener: ServerListener? = from?.listener
        internal var cluster: ClusterAdapter? = from?.cluster

        internal var sendTimeout: Duration = from?.sendTimeout ?: Duration.ofSeconds(30)
        internal var extensions: Boolean = from?.extensions ?: true
        internal var compressionThreshold: Int? = from?.compressionThreshold

        /** A builder with the defaults. */
        public constructor() : this(null)

        /** Sets [ServerOptions.sendTimeout]. */
        public fun sendTimeout(timeout: Duration): Builder = apply { sendTimeout = requirePositive("sendTimeout", timeout) }

        /** Sets [ServerOptions.communicator]. */
        public fun communicator(options: CommunicatorOptions): Builder = apply { communicator = options }

        /** Sets [ServerOptions.handshakeTimeout]. */
        public fun handshakeTimeout(timeout: Duration): Builder = apply { handshakeTimeout = requirePositive("handshakeTimeout", timeout) }

        /** Sets [ServerOptions.maxFrameSize]. */
        public fun maxFrameSize(bytes: Long): Builder = apply { maxFrameSize = requirePositive("maxFrameSize", bytes) }

        /** Sets [ServerOptions.maxConnections]. */
        public fun maxConnections(max: Int): Builder = apply { maxConnections = requirePositive("maxConnections", max) }

        /** Sets [ServerOptions.pingInterval]; `null` turns pings off. */
        public fun pingInterval(interval: Duration?): Builder = apply { pingInterval = requirePositiveOrNull("pingInterval", interval) }

        /** Sets [ServerOptions.pongTimeout]. */
        public fun pongTimeout(timeout: Duration): Builder = apply { pongTimeout = requirePositive("pongTimeout", timeout) }

        /** Sets [ServerOptions.frameBuffer]. */
        public fun frameBuffer(frames: Int): Builder = apply { frameBuffer = requirePositive("frameBuffer", frames) }

        /** Sets [ServerOptions.verifier]. */
        public fun verifier(verifier: ClientVerifier?): Builder = apply { this.verifier = verifier }

        /** Sets [ServerOptions.listener]. */
        public fun listener(listener: ServerListener?): Builder = apply { this.listener = listener }

        /** Sets [ServerOptions.cluster]; `null` makes a single node. */
        public fun cluster(cluster: ClusterAdapter?): Builder = apply { this.cluster = cluster }

        /** Sets [ServerOptions.extensions]. */
        public fun extensions(agree: Boolean): Builder = apply { extensions = agree }

        /** Sets [ServerOptions.compressionThreshold]; `null` turns compression off. */
        public fun compressionThreshold(bytes: Int?): Builder = apply {
            require(bytes == null || bytes >= 0) { "compressionThreshold must not be negative, was $bytes" }
            compressionThreshold = bytes
        }

        /** Builds the options. */
        public fun build(): ServerOptions = ServerOptions(this)
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
