package dev.wsgrid.ktor.client

import dev.wsgrid.rpc.internal.requirePositive
import dev.wsgrid.rpc.internal.requirePositiveOrNull

import dev.wsgrid.rpc.CommunicatorOptions
import io.ktor.client.HttpClient
import java.time.Duration
import javax.net.ssl.X509TrustManager

/**
 * How a [WebSocketConnector] connects. Immutable; build with [builder] or [newBuilder].
 */
public class ConnectorOptions private constructor(b: Builder) {
    /** Codec, limits and timeouts of the communicator. Default: [CommunicatorOptions.DEFAULT]. */
    public val communicator: CommunicatorOptions = b.communicator

    /** How long to wait for the server to accept the header. Default: 10 s. */
    public val handshakeTimeout: Duration = b.handshakeTimeout

    /** Extra HTTP headers of the upgrade request (an `Authorization`, a cookie). Default: none. */
    public val headers: Map<String, String> = b.headers.toMap()

    /**
     * How to reconnect after losing the connection; `null` (the default, as in TGrid) does not.
     */
    public val reconnect: ReconnectPolicy? = b.reconnect

    /**
     * How often to ping the server; `null` sends no pings. Default: none, as in TGrid, except for
     * reconnecting connectors, which ping every 5 s so that an outage is noticed even when idle.
     */
    public val pingInterval: Duration? = b.pingInterval ?: if (b.reconnect != null && !b.pingSet) Duration.ofSeconds(5) else null

    /** With [pingInterval], how long a ping may go unanswered before the connection is dropped. Default: 15 s (10 s when reconnecting). */
    public val pongTimeout: Duration = b.pongTimeout ?: if (b.reconnect != null) Duration.ofSeconds(10) else Duration.ofSeconds(15)

    /** The largest frame accepted from the server, in bytes. Default: 16 MiB. */
    public val maxFrameSize: Long = b.maxFrameSize

    /**
     * A Ktor client to connect with, shared with other connectors and owned by the caller (it
     * must have the WebSockets plugin installed). Default: `null`, and each connection makes a
     * CIO client of its own and closes it when the connection ends.
     *
     * A shared CIO client keeps at most `endpoint.maxConnectionsPerRoute` (100 by default)
     * connections to one host open at once: raise it for more connectors to one server.
     */
    public val httpClient: HttpClient? = b.httpClient

    /** For `wss://` with the connector's own client: whom to trust. Default: the JVM's trust store. */
    public val trustManager: X509TrustManager? = b.trustManager

    /**
     * How long a frame may wait for room in a connection's outgoing buffer before the peer, which
     * is not reading, is closed with 1008. Default: 30 s.
     */
    public val sendTimeout: Duration = b.sendTimeout

    /**
     * Whether to offer wsgrid's extensions (the WebSocket subprotocol `wsgrid.v1`): cancellation
     * across the wire, streams. A wsgrid server agrees, and the connection's
     * [protocol][dev.wsgrid.rpc.Communicator.protocol] is then `WSGRID_V1`; a TGrid server does
     * not, and it stays `TGRID`. Default: `true`; `false` connects exactly as a TGrid client does.
     */
    public val extensions: Boolean = b.extensions

    /**
     * Compresses frames with permessage-deflate when the server agrees, but only those of at least
     * this many bytes; `null` (the default) does not offer compression.
     */
    public val compressionThreshold: Int? = b.compressionThreshold

    /**
     * The Ktor engine of the connector's own client (ignored with [httpClient]). Default:
     * [ClientEngine.JAVA]; a connector with [compressionThreshold] set uses [ClientEngine.CIO].
     */
    public val engine: ClientEngine = if (b.compressionThreshold != null) ClientEngine.CIO else b.engine

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

    /** Told of reconnects; `null` (the default) for none. */
    public val listener: ConnectorListener? = b.listener

    /** A builder starting from these options. */
    public fun newBuilder(): Builder = Builder(this)

    /** Builds [ConnectorOptions]. */
    public class Builder internal constructor(from: ConnectorOptions?) {
        internal var communicator = from?.communicator ?: CommunicatorOptions.DEFAULT
        internal var handshakeTimeout: Duration = from?.handshakeTimeout ?: Duration.ofSeconds(10)
        internal val headers = LinkedHashMap(from?.headers ?: emptyMap())
        internal var pingInterval: Duration? = from?.pingInterval
        internal var pingSet: Boolean = from != null
        internal var pongTimeout: Duration? = from?.pongTimeout
        internal var reconnect: ReconnectPolicy? = from?.reconnect
        internal var maxFrameSize: Long = from?.maxFrameSize ?: (16L shl 20)
        internal var httpClient: HttpClient? = from?.httpClient
        internal var trustManager: X509TrustManager? = from?.trustManager

        internal var sendTimeout: Duration = from?.sendTimeout ?: Duration.ofSeconds(30)
        internal var outgoingBuffer: Long = from?.outgoingBuffer ?: (1L shl 20)
        internal var maxOutgoingBytes: Long = from?.maxOutgoingBytes ?: (16L shl 20)

        /** Sets [ConnectorOptions.outgoingBuffer]. */
        public fun outgoingBuffer(bytes: Long): Builder = apply { outgoingBuffer = requirePositive("outgoingBuffer", bytes) }

        /** Sets [ConnectorOptions.maxOutgoingBytes]. */
        public fun maxOutgoingBytes(bytes: Long): Builder = apply { maxOutgoingBytes = requirePositive("maxOutgoingBytes", bytes) }
        internal var extensions: Boolean = from?.extensions ?: true
        internal var compressionThreshold: Int? = from?.compressionThreshold
        internal var engine: ClientEngine = from?.engine ?: ClientEngine.JAVA

        /** Sets [ConnectorOptions.engine]. */
        public fun engine(engine: ClientEngine): Builder = apply { this.engine = engine }

        internal var listener: ConnectorListener? = from?.listener

        /** A builder with the defaults. */
        public constructor() : this(null)

        /** Sets [ConnectorOptions.sendTimeout]. */
        public fun sendTimeout(timeout: Duration): Builder = apply { sendTimeout = requirePositive("sendTimeout", timeout) }

        /** Sets [ConnectorOptions.communicator]. */
        public fun communicator(options: CommunicatorOptions): Builder = apply { communicator = options }

        /** Sets [ConnectorOptions.handshakeTimeout]. */
        public fun handshakeTimeout(timeout: Duration): Builder = apply { handshakeTimeout = requirePositive("handshakeTimeout", timeout) }

        /** Adds an HTTP header to the upgrade request. */
        public fun header(name: String, value: String): Builder = apply { headers[name] = value }

        /** Sets [ConnectorOptions.pingInterval]; `null` turns pings off. */
        public fun pingInterval(interval: Duration?): Builder = apply {
            pingInterval = requirePositiveOrNull("pingInterval", interval)
            pingSet = true
        }

        /** Sets [ConnectorOptions.reconnect]; `null` turns reconnecting off. */
        public fun reconnect(policy: ReconnectPolicy?): Builder = apply { reconnect = policy }

        /** Sets [ConnectorOptions.pongTimeout]. */
        public fun pongTimeout(timeout: Duration): Builder = apply { pongTimeout = requirePositive("pongTimeout", timeout) }

        /** Sets [ConnectorOptions.maxFrameSize]. */
        public fun maxFrameSize(bytes: Long): Builder = apply { maxFrameSize = requirePositive("maxFrameSize", bytes) }

        /** Sets [ConnectorOptions.httpClient]. */
        public fun httpClient(client: HttpClient?): Builder = apply { httpClient = client }

        /** Sets [ConnectorOptions.trustManager]. */
        public fun trustManager(manager: X509TrustManager?): Builder = apply { trustManager = manager }

        /** Sets [ConnectorOptions.extensions]. */
        public fun extensions(offer: Boolean): Builder = apply { extensions = offer }

        /**
         * Sets [ConnectorOptions.compressionThreshold]; `null` turns compression off. Applies to the
         * connector's own Ktor client: a shared [httpClient] needs `WebSocketDeflateExtension` itself.
         */
        public fun compressionThreshold(bytes: Int?): Builder = apply {
            require(bytes == null || bytes >= 0) { "compressionThreshold must not be negative, was $bytes" }
            compressionThreshold = bytes
        }

        /** Sets [ConnectorOptions.listener]. */
        public fun listener(listener: ConnectorListener?): Builder = apply { this.listener = listener }

        /** Builds the options. */
        public fun build(): ConnectorOptions {
            require(maxOutgoingBytes >= outgoingBuffer) { "maxOutgoingBytes ($maxOutgoingBytes) must be at least outgoingBuffer ($outgoingBuffer)" }
            return ConnectorOptions(this)
        }
    }

    /** Defaults and factories. */
    public companion object {
        /** The defaults. */
        @JvmField
        public val DEFAULT: ConnectorOptions = Builder().build()

        /** A builder with the defaults. */
        @JvmStatic
        public fun builder(): Builder = Builder()
    }
}
