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

    /** The outgoing queue's bounds of each connection. */
    internal val outgoingLimits: dev.wsgrid.ktor.OutgoingLimits get() = dev.wsgrid.ktor.OutgoingLimits(outgoingBuffer, maxOutgoingBytes, sendTimeout)

    /** The engine the standalone [WebSocketServer] runs on. Default: [ServerEngine.NETTY]. */
    public val engine: ServerEngine = b.engine

    /**
     * How long a socket of the standalone server on Netty may take from its accept to a complete
     * WebSocket upgrade (TLS and HTTP request included) before it is closed. Default: 5 s.
     */
    public val upgradeTimeout: Duration = b.upgradeTimeout

    /**
     * Bytes a connection may have waiting to be sent before it stops reading its peer's frames and
     * senders that can wait do so (a peer reading slower than it is written to). Default: 1 MiB.
     */
    public val outgoingBuffer: Long = b.outgoingBuffer

    /**
     * Bytes a connection may have waiting to be sent at most: a peer that lets more pile up (it
     * does not read) is dropped with 1008 at once, as one that stays above [outgoingBuffer] for
     * [sendTimeout] is. One frame bigger than this still goes when nothing else waits. Default: 16 MiB.
     */
    public val maxOutgoingBytes: Long = b.maxOutgoingBytes

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

        internal var sendTimeout: Duration = from?.sendTimeout ?: Duration.ofSeconds(30)
        internal var outgoingBuffer: Long = from?.outgoingBuffer ?: (1L shl 20)
        internal var maxOutgoingBytes: Long = from?.maxOutgoingBytes ?: (16L shl 20)

        /** Sets [ServerOptions.outgoingBuffer]. */
        public fun outgoingBuffer(bytes: Long): Builder = apply { outgoingBuffer = requirePositive("outgoingBuffer", bytes) }

        /** Sets [ServerOptions.maxOutgoingBytes]. */
        public fun maxOutgoingBytes(bytes: Long): Builder = apply { maxOutgoingBytes = requirePositive("maxOutgoingBytes", bytes) }
        internal var extensions: Boolean = from?.extensions ?: true
        internal var compressionThreshold: Int? = from?.compressionThreshold
        internal var engine: ServerEngine = from?.engine ?: ServerEngine.NETTY
        internal var upgradeTimeout: Duration = from?.upgradeTimeout ?: Duration.ofSeconds(5)

        /** Sets [ServerOptions.engine]. */
        public fun engine(engine: ServerEngine): Builder = apply { this.engine = engine }

        /** Sets [ServerOptions.upgradeTimeout]. */
        public fun upgradeTimeout(timeout: Duration): Builder = apply { upgradeTimeout = requirePositive("upgradeTimeout", timeout) }

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

        /** Sets [ServerOptions.extensions]. */
        public fun extensions(agree: Boolean): Builder = apply { extensions = agree }

        /** Sets [ServerOptions.compressionThreshold]; `null` turns compression off. */
        public fun compressionThreshold(bytes: Int?): Builder = apply {
            require(bytes == null || bytes >= 0) { "compressionThreshold must not be negative, was $bytes" }
            compressionThreshold = bytes
        }

        /** Builds the options. */
        public fun build(): ServerOptions {
            require(maxOutgoingBytes >= outgoingBuffer) { "maxOutgoingBytes ($maxOutgoingBytes) must be at least outgoingBuffer ($outgoingBuffer)" }
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
