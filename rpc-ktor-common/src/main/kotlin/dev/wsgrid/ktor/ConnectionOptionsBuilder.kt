package dev.wsgrid.ktor

import dev.wsgrid.rpc.CommunicatorOptions
import dev.wsgrid.rpc.WsgridDsl
import dev.wsgrid.rpc.internal.requirePositive
import java.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlin.time.toKotlinDuration
import kotlin.time.Duration as KDuration

/**
 * What the options builders of a server (`ServerOptions.Builder`) and of a connector
 * (`ConnectorOptions.Builder`) share: the settings of one WebSocket connection, whichever end it
 * is, each held and checked here once. Kotlin sets the properties in a block; Java chains the
 * setters, each of which returns the builder. Their meaning is documented on [ConnectionOptions].
 *
 * @param B the builder itself.
 */
@WsgridDsl
public abstract class ConnectionOptionsBuilder<B : ConnectionOptionsBuilder<B>> protected constructor(
    from: ConnectionOptions?,
    defaultHandshakeTimeout: KDuration,
) {
    /** [ConnectionOptions.communicator]. */
    @get:JvmSynthetic @set:JvmSynthetic
    public var communicator: CommunicatorOptions = from?.communicator ?: CommunicatorOptions.DEFAULT

    /** [ConnectionOptions.handshakeTimeout]. */
    @get:JvmSynthetic @set:JvmSynthetic
    public var handshakeTimeout: KDuration = from?.handshakeTimeout?.toKotlinDuration() ?: defaultHandshakeTimeout
        set(value) { field = requirePositive("handshakeTimeout", value) }

    /** [ConnectionOptions.maxFrameSize]. Default: 16 MiB. */
    @get:JvmSynthetic @set:JvmSynthetic
    public var maxFrameSize: Long = from?.maxFrameSize ?: (16L shl 20)
        set(value) { field = requirePositive("maxFrameSize", value) }

    /** [ConnectionOptions.sendTimeout]. Default: 30 s. */
    @get:JvmSynthetic @set:JvmSynthetic
    public var sendTimeout: KDuration = from?.sendTimeout?.toKotlinDuration() ?: 30.seconds
        set(value) { field = requirePositive("sendTimeout", value) }

    /** [ConnectionOptions.extensions]. Default: `true`. */
    @get:JvmSynthetic @set:JvmSynthetic
    public var extensions: Boolean = from?.extensions ?: true

    /** [ConnectionOptions.compressionThreshold]; `null` (the default) turns compression off. */
    @get:JvmSynthetic @set:JvmSynthetic
    public var compressionThreshold: Int? = from?.compressionThreshold
        set(value) {
            require(value == null || value >= 0) { "compressionThreshold must not be negative, was $value" }
            field = value
        }

    /** [ConnectionOptions.outgoingBuffer]. Default: 1 MiB. */
    @get:JvmSynthetic @set:JvmSynthetic
    public var outgoingBuffer: Long = from?.outgoingBuffer ?: (1L shl 20)
        set(value) { field = requirePositive("outgoingBuffer", value) }

    /** [ConnectionOptions.maxOutgoingBytes]. Default: 16 MiB. */
    @get:JvmSynthetic @set:JvmSynthetic
    public var maxOutgoingBytes: Long = from?.maxOutgoingBytes ?: (16L shl 20)
        set(value) { field = requirePositive("maxOutgoingBytes", value) }

    @Suppress("UNCHECKED_CAST")
    private fun self(): B = this as B

    /** Changes [communicator] with [block]: `communicator { callTimeout = 10.seconds }`. */
    @JvmSynthetic
    public fun communicator(block: CommunicatorOptions.Builder.() -> Unit) {
        communicator = communicator.newBuilder().apply(block).build()
    }

    /** Sets [communicator]. */
    public fun communicator(options: CommunicatorOptions): B = self().also { communicator = options }

    /** Sets [handshakeTimeout]. */
    public fun handshakeTimeout(timeout: Duration): B = self().also { handshakeTimeout = timeout.toKotlinDuration() }

    /** Sets [maxFrameSize]. */
    public fun maxFrameSize(bytes: Long): B = self().also { maxFrameSize = bytes }

    /** Sets how often to ping the other side; `null` sends no pings. */
    public abstract fun pingInterval(interval: Duration?): B

    /** Sets how long a ping may go unanswered before the connection is dropped. */
    public abstract fun pongTimeout(timeout: Duration): B

    /** Sets [sendTimeout]. */
    public fun sendTimeout(timeout: Duration): B = self().also { sendTimeout = timeout.toKotlinDuration() }

    /** Sets [extensions]. */
    public fun extensions(enabled: Boolean): B = self().also { extensions = enabled }

    /** Sets [compressionThreshold]; `null` turns compression off. */
    public fun compressionThreshold(bytes: Int?): B = self().also { compressionThreshold = bytes }

    /** Sets [outgoingBuffer]. */
    public fun outgoingBuffer(bytes: Long): B = self().also { outgoingBuffer = bytes }

    /** Sets [maxOutgoingBytes]. */
    public fun maxOutgoingBytes(bytes: Long): B = self().also { maxOutgoingBytes = bytes }

    /**
     * Checks what the options built from this builder need of each other; a subclass's `build()`
     * calls it first.
     *
     * @throws IllegalArgumentException when [maxOutgoingBytes] is below [outgoingBuffer].
     */
    protected fun checkShared() {
        require(maxOutgoingBytes >= outgoingBuffer) { "maxOutgoingBytes ($maxOutgoingBytes) must be at least outgoingBuffer ($outgoingBuffer)" }
    }
}
