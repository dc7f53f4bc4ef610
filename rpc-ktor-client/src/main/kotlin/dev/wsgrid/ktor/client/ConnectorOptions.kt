package dev.wsgrid.ktor.client

import dev.wsgrid.rpc.internal.requirePositive
import dev.wsgrid.rpc.internal.requirePositiveOrNull

import dev.wsgrid.ktor.ConnectionOptions
import dev.wsgrid.ktor.ConnectionOptionsBuilder
import dev.wsgrid.rpc.CommunicatorOptions
import dev.wsgrid.rpc.WsgridDsl
import io.ktor.client.HttpClient
import java.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlin.time.toJavaDuration
import kotlin.time.toKotlinDuration
import kotlin.time.Duration as KDuration
import javax.net.ssl.X509TrustManager

/**
 * How a [WebSocketConnector] connects. Immutable; build with [builder] or [newBuilder], or from
 * Kotlin:
 *
 * ```kotlin
 * val options = ConnectorOptions {
 *     handshakeTimeout = 5.seconds
 *     headers["Authorization"] = "Bearer $token"
 *     reconnect = ReconnectPolicy.DEFAULT
 * }
 * ```
 */
public class ConnectorOptions private constructor(b: Builder) : ConnectionOptions {
    /** Codec, limits and timeouts of the communicator. Default: [CommunicatorOptions.DEFAULT]. */
    override val communicator: CommunicatorOptions = b.communicator

    /** How long to wait for the server to accept the header. Default: 10 s. */
    override val handshakeTimeout: Duration = b.handshakeTimeout.toJavaDuration()

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
    override val pingInterval: Duration? = b.pingInterval?.toJavaDuration() ?: if (b.reconnect != null && !b.pingSet) Duration.ofSeconds(5) else null

    /** With [pingInterval], how long a ping may go unanswered before the connection is dropped. Default: 15 s (10 s when reconnecting). */
    override val pongTimeout: Duration = b.pongTimeout?.toJavaDuration() ?: if (b.reconnect != null) Duration.ofSeconds(10) else Duration.ofSeconds(15)

    /** The largest frame accepted from the server, in bytes. Default: 16 MiB. */
    override val maxFrameSize: Long = b.maxFrameSize

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
    override val sendTimeout: Duration = b.sendTimeout.toJavaDuration()

    /**
     * Whether to offer wsgrid's extensions (the WebSocket subprotocol `wsgrid.v1`): cancellation
     * across the wire, streams. A wsgrid server agrees, and the connection's
     * [protocol][dev.wsgrid.rpc.Communicator.protocol] is then `WSGRID_V1`; a TGrid server does
     * not, and it stays `TGRID`. Default: `true`; `false` connects exactly as a TGrid client does.
     */
    override val extensions: Boolean = b.extensions

    /**
     * Compresses frames with permessage-deflate when the server agrees, but only those of at least
     * this many bytes; `null` (the default) does not offer compression.
     */
    override val compressionThreshold: Int? = b.compressionThreshold

    /**
     * The Ktor engine of the connector's own client (ignored with [httpClient]). Default:
     * [ClientEngine.JAVA]; a connector with [compressionThreshold] set uses [ClientEngine.CIO].
     */
    public val engine: ClientEngine = if (b.compressionThreshold != null) ClientEngine.CIO else b.engine

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

    /** Told of reconnects; `null` (the default) for none. */
    public val listener: ConnectorListener? = b.listener

    /** A builder starting from these options. */
    public fun newBuilder(): Builder = Builder(this)

    /**
     * Builds [ConnectorOptions]. From Kotlin, set its properties in a block
     * (`ConnectorOptions { handshakeTimeout = 5.seconds }`); from Java, chain its setters
     * (`ConnectorOptions.builder().handshakeTimeout(Duration.ofSeconds(5)).build()`). Each value is
     * checked as it is set.
     */
    @WsgridDsl
    public class Builder internal constructor(from: ConnectorOptions?) : ConnectionOptionsBuilder<Builder>(from, 10.seconds) {
        /** The extra HTTP headers of the upgrade request ([ConnectorOptions.headers]); add to it. */
        @get:JvmSynthetic
        public val headers: MutableMap<String, String> = LinkedHashMap(from?.headers ?: emptyMap())

        /** [ConnectorOptions.pingInterval]; `null` turns pings off. */
        @get:JvmSynthetic @set:JvmSynthetic
        public var pingInterval: KDuration? = from?.pingInterval?.toKotlinDuration()
            set(value) {
                field = requirePositiveOrNull("pingInterval", value)
                pingSet = true
            }
        internal var pingSet: Boolean = from != null

        /** [ConnectorOptions.pongTimeout]; `null` leaves it to its default. */
        @get:JvmSynthetic @set:JvmSynthetic
        public var pongTimeout: KDuration? = from?.pongTimeout?.toKotlinDuration()
            set(value) { field = requirePositiveOrNull("pongTimeout", value) }

        /** [ConnectorOptions.reconnect]; `null` turns reconnecting off. */
        @get:JvmSynthetic @set:JvmSynthetic
        public var reconnect: ReconnectPolicy? = from?.reconnect

        /** [ConnectorOptions.httpClient]. */
        @get:JvmSynthetic @set:JvmSynthetic
        public var httpClient: HttpClient? = from?.httpClient

        /** [ConnectorOptions.trustManager]. */
        @get:JvmSynthetic @set:JvmSynthetic
        public var trustManager: X509TrustManager? = from?.trustManager

        /** [ConnectorOptions.engine]. */
        @get:JvmSynthetic @set:JvmSynthetic
        public var engine: ClientEngine = from?.engine ?: ClientEngine.JAVA

        internal var listener: ConnectorListener? = from?.listener

        /** A builder with the defaults. */
        public constructor() : this(null)

        /** Adds an HTTP header to the upgrade request. */
        public fun header(name: String, value: String): Builder = apply { headers[name] = value }

        override fun pingInterval(interval: Duration?): Builder = apply { pingInterval = interval?.toKotlinDuration() }

        /** Sets [reconnect]; `null` turns reconnecting off. */
        public fun reconnect(policy: ReconnectPolicy?): Builder = apply { reconnect = policy }

        override fun pongTimeout(timeout: Duration): Builder = apply { pongTimeout = timeout.toKotlinDuration() }

        /** Sets [httpClient]. */
        public fun httpClient(client: HttpClient?): Builder = apply { httpClient = client }

        /** Sets [trustManager]. */
        public fun trustManager(manager: X509TrustManager?): Builder = apply { trustManager = manager }

        /** Sets [engine]. */
        public fun engine(engine: ClientEngine): Builder = apply { this.engine = engine }

        /** Sets [ConnectorOptions.listener]. */
        public fun listener(listener: ConnectorListener?): Builder = apply { this.listener = listener }

        /**
         * Builds the options.
         *
         * @throws IllegalArgumentException when [maxOutgoingBytes] is below [outgoingBuffer].
         */
        public fun build(): ConnectorOptions {
            checkShared()
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

/** Builds [ConnectorOptions] from the defaults and what [block] sets: `ConnectorOptions { pingInterval = 20.seconds }`. */
@JvmSynthetic
public inline fun ConnectorOptions(block: ConnectorOptions.Builder.() -> Unit): ConnectorOptions = ConnectorOptions.Builder().apply(block).build()
