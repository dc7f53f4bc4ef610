package dev.wsgrid.rpc

/**
 * One call as an [EventListener] sees it, on either side: made only when a listener observes
 * (never with [EventListener.NONE]), handed to the start and the end of the call.
 *
 * It carries no arguments, results or connection ids: only the [listener] path, the [side], the
 * trace context the wire carries, and the listener's own state ([attachment], [scope]).
 *
 * ## Threads
 * The start and the end of a call may run on different threads; wsgrid orders them (the end
 * happens after the start), so what the start hook writes here the end hook reads. Nothing else
 * should write it.
 */
public class ObservedCall internal constructor(
    /** The communicator whose connection carries the call. */
    public val communicator: Communicator<*>,
    /**
     * The function path of the call, `plus` or `scientific.sqrt`: a declared member path of the
     * driver's interface on this side's calls, of the provider's resolved function on served ones,
     * or [UNKNOWN] for a served call that named no function.
     */
    public val listener: String,
    /** Whether this side made the call or serves it. */
    public val side: CallSide,
    /** Whether no return is awaited (a notification). */
    public val oneWay: Boolean,
    traceParent: String?,
) {
    /** When the call started, by [System.nanoTime]. */
    public val startNanos: Long = System.nanoTime()

    /**
     * The call's W3C `traceparent`. On a served call, what the caller sent (only a wsgrid peer
     * sends one, in the call frame's `wsgrid.trace` key), or `null`. On this side's call, `null`
     * until [EventListener.callStarted] sets it; it then travels with the call when the
     * connection speaks [WireProtocol.WSGRID_V1], and never to a TGrid peer.
     */
    public var traceParent: String? = traceParent

    /** The listener's own state for this call (a timer sample, a span); wsgrid never reads it. */
    public var attachment: Any? = null

    /**
     * On a served call, set by [EventListener.serveStarted]: opened around every stretch of the
     * provider's work on a thread (each resumption of a suspending provider, the whole of a
     * blocking one) and closed after it, so that a span or a context is current while the provider
     * runs. `null` (the default) opens nothing.
     */
    public var scope: CallScope? = null

    override fun toString(): String = "ObservedCall($listener, ${side.tag})"

    /** Constants. */
    public companion object {
        /** The [listener] of a served call that named no function of the provider. */
        public const val UNKNOWN: String = "unknown"
    }
}

/** Which side of a call an [ObservedCall] is. */
public enum class CallSide(
    /** The value of a `side` tag: `called` or `served`. */
    public val tag: String,
) {
    /** This side called the remote side's provider through a driver. */
    CALLED("called"),

    /** The remote side called this side's provider. */
    SERVED("served"),
}

/** How a call ended, as an [EventListener] is told. */
public enum class CallOutcome(
    /** The value of an `outcome` tag: `success`, `remote_error`, ... */
    public val tag: String,
) {
    /** It returned a value (or a notification was queued). */
    SUCCESS("success"),

    /**
     * It failed with an error the callee sent: [RemoteException] on this side's calls; on served
     * calls, the provider threw (or the call named no function) and the caller got the error.
     */
    REMOTE_ERROR("remote_error"),

    /** This side's call outlived its timeout ([CallTimeoutException]). */
    TIMEOUT("timeout"),

    /** The caller gave it up: its coroutine or future was cancelled (across the wire, on a served call). */
    CANCELLED("cancelled"),

    /** The connection closed before it ended ([ConnectionClosedException]). */
    CLOSED("closed"),

    /** It failed on this side for another reason: an argument that did not encode, a return that did not decode. */
    ERROR("error"),
}

/**
 * Makes something current on a thread while a served call's provider runs there; see
 * [ObservedCall.scope]. [open] and the returned handle's `close` run on the same thread.
 */
public fun interface CallScope {
    /** Makes it current on this thread; closing the result restores what was current before. */
    public fun open(): AutoCloseable
}
