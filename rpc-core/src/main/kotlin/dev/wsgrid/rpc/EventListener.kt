package dev.wsgrid.rpc

/**
 * Hooks on what a communicator does, for metrics, traces and logs: its connection opening and
 * closing, this side's calls and the remote side's calls it serves, the frames and bytes it
 * moves, and the limits it hits. Modelled on OkHttp's `EventListener`: override only what you
 * need; every method does nothing by default.
 *
 * Set one with [CommunicatorOptions.Builder.eventListener], or a [Factory] that makes one per
 * connection with [CommunicatorOptions.Builder.eventListenerFactory] (so the listener can keep
 * what it learned of its connection, such as a server path, in fields).
 *
 * ```kotlin
 * val options = CommunicatorOptions.builder()
 *     .eventListener(object : EventListener() {
 *         override fun callFinished(call: ObservedCall, outcome: CallOutcome, durationNanos: Long) {
 *             println("${call.listener} ${outcome.tag} in ${durationNanos / 1000} µs")
 *         }
 *     })
 *     .build()
 * ```
 *
 * ## Cost
 * With [NONE] (the default) nothing is measured and nothing is allocated for it: no
 * [ObservedCall], no clock read, no frame sizes counted.
 *
 * ## Threads
 * Hooks run inline, on the connection's thread or the caller's: keep them short and never block.
 * A hook that throws is logged and skipped; the call goes on.
 *
 * ## What is never passed
 * Argument values, results and peer-chosen names: a call's [ObservedCall.listener] is a path of
 * the service interface's declared members (or [ObservedCall.UNKNOWN] when a served call named
 * none), so tags built from it stay bounded.
 *
 * Unlike [InvokeListener], which hands over the JSON of every call and return, nothing here
 * builds a JSON tree.
 */
public abstract class EventListener {
    /** A connection of [communicator] opened (its state became OPEN); its frames follow. */
    public open fun connectionOpened(communicator: Communicator<*>) {}

    /**
     * The connection of [communicator] closed with [code], by the remote side when [byPeer];
     * after its pending calls failed. Nothing of this connection follows.
     */
    public open fun connectionClosed(communicator: Communicator<*>, code: Int, byPeer: Boolean) {}

    /**
     * A call of this side starts, before its frame is built: set [ObservedCall.traceParent] here
     * to send the caller's trace context to a wsgrid peer.
     */
    public open fun callStarted(call: ObservedCall) {}

    /** A call of this side ended with [outcome], [durationNanos] after [callStarted]. */
    public open fun callFinished(call: ObservedCall, outcome: CallOutcome, durationNanos: Long) {}

    /**
     * A call of the remote side arrived and is about to run (or failed to resolve: then its
     * listener is [ObservedCall.UNKNOWN] and [serveFinished] follows at once). Set
     * [ObservedCall.scope] here to make something current while the provider runs.
     */
    public open fun serveStarted(call: ObservedCall) {}

    /** A call of the remote side ended with [outcome] (its return queued), [durationNanos] after it arrived. */
    public open fun serveFinished(call: ObservedCall, outcome: CallOutcome, durationNanos: Long) {}

    /** A frame of [bytes] bytes (UTF-8 for a text frame) arrived on the connection of [communicator]. */
    public open fun frameReceived(communicator: Communicator<*>, binary: Boolean, bytes: Int) {}

    /** A frame of [bytes] bytes was queued for sending on the connection of [communicator]. */
    public open fun frameSent(communicator: Communicator<*>, binary: Boolean, bytes: Int) {}

    /**
     * A limit of [communicator] was hit: [limit] names its option, as [LimitExceededException.limit]
     * does (`maxPendingCalls`, `maxConcurrentCalls`, `maxFrameSize`, `streamBufferSize`).
     */
    public open fun limitExceeded(communicator: Communicator<*>, limit: String) {}

    /** Makes the [EventListener] of each connection. */
    public fun interface Factory {
        /** The listener of the connection [communicator] is opening; called once per connection. */
        public fun create(communicator: Communicator<*>): EventListener
    }

    /** The listener that observes nothing, and its factory. */
    public companion object {
        /** Observes nothing; the default. */
        @JvmField
        public val NONE: EventListener = object : EventListener() {
            override fun toString(): String = "EventListener.NONE"
        }

        /** A factory that hands every connection [listener]. */
        @JvmStatic
        public fun factory(listener: EventListener): Factory = if (listener === NONE) NONE_FACTORY else Factory { listener }

        /** The factory of [NONE]. */
        @JvmField
        public val NONE_FACTORY: Factory = Factory { NONE }
    }
}
