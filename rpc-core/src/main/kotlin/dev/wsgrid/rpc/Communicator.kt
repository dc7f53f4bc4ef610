// Over 400 lines for its documentation: 159 of them are the KDoc of the API every communicator
// (server acceptors, connectors, in-memory peers) shares; the work is in internal/ (Session,
// Requester, Responder, Lifecycle), and what is left here is the state the API reads.

package dev.wsgrid.rpc

import dev.wsgrid.rpc.internal.BoundFunction
import dev.wsgrid.rpc.internal.DriverHandler
import dev.wsgrid.rpc.internal.DriverHost
import dev.wsgrid.rpc.internal.InternalWsgridApi
import dev.wsgrid.rpc.internal.InvokeObserver
import dev.wsgrid.rpc.internal.RecordedCall
import dev.wsgrid.rpc.internal.Lifecycle
import dev.wsgrid.rpc.internal.ProviderBinding
import dev.wsgrid.rpc.internal.ServiceBindings
import dev.wsgrid.rpc.internal.Session
import dev.wsgrid.rpc.internal.SessionHost
import dev.wsgrid.rpc.internal.startFuture
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.emitAll
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.getAndUpdate
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeoutOrNull
import java.time.Instant
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.coroutines.ContinuationInterceptor
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext
import kotlin.reflect.KClass
import kotlin.time.toKotlinDuration

/**
 * One end of a connection: it serves its [provider] to the remote side and calls the remote
 * side's provider through [drivers][getDriver].
 *
 * ```kotlin
 * interface ICalculator { suspend fun plus(x: Double, y: Double): Double; val scientific: IScientific }
 *
 * val calculator = communicator.getDriver<ICalculator>()
 * calculator.plus(1.0, 2.0)          // sends {"uid":1,"listener":"plus","parameters":[...]}
 * calculator.scientific.sqrt(4.0)    // listener "scientific.sqrt"
 * ```
 *
 * Connectors and acceptors extend it; [TransportCommunicator] runs one over any [Transport].
 *
 * ## Calls
 * A driver call fails at once with [NotConnectedException] unless the state is [CommunicatorState.OPEN].
 * Pending calls fail with [ConnectionClosedException] when the connection ends; a remote failure
 * arrives as [RemoteException]; a call that outlives its timeout fails with [CallTimeoutException].
 *
 * ## Cancellation
 * Cancelling the coroutine of a `suspend` driver call, or a driver's future, removes the call's
 * pending entry; its late return is dropped.
 *
 * ## Provider
 * The remote side reaches the provider only through the members of its service interfaces: by
 * default every interface its class implements (the JDK's and Kotlin's own excepted), or those
 * given to [setProvider]. Interfaces are parsed and checked when the provider is set, so a broken
 * one fails here rather than at the first call.
 *
 * @param Provider the type of the provider this side serves.
 */
public abstract class Communicator<Provider : Any> protected constructor(
    provider: Provider?,
    /** The options: codec, limits, timeouts. */
    public val options: CommunicatorOptions,
    context: CoroutineContext,
) {
    private val job = SupervisorJob(context[Job])
    private val context: CoroutineContext =
        context.minusKey(Job) + (context[ContinuationInterceptor] ?: Dispatchers.Default)

    /** Owns the futures of driver calls; each ends with its call, at the latest when its connection ends. */
    private val callScope = CoroutineScope(this.context + job + CoroutineName("wsgrid-calls"))

    private val stateListeners = CopyOnWriteArrayList<StateListener>()

    /** Every change of state goes through this one state machine. */
    private val lifecycle = Lifecycle { old, new ->
        for (l in stateListeners) {
            try {
                l.onStateChanged(old, new)
            } catch (e: Exception) {
                org.slf4j.LoggerFactory.getLogger(Communicator::class.java).warn("a state listener failed", e)
            }
        }
    }

    private val currentState: CommunicatorState get() = lifecycle.state

    @Volatile
    private var current: Session? = null

    /** The provider and the interfaces it is reached through, set as one value so they never disagree. */
    @Volatile
    private var binding: ProviderBinding? = null

    private val listeners = CopyOnWriteArrayList<InvokeListener>()
    private val drivers = ConcurrentHashMap<Any, Any>()

    private val host = Host()

    init {
        if (provider != null) setProvider(provider)
    }

    /** Where this communicator is in its life. */
    public val state: CommunicatorState get() = currentState

    /**
     * What the current (or last) connection speaks: [WireProtocol.WSGRID_V1] when both sides are
     * wsgrid and agreed to its extensions (cancellation across the wire, streams), otherwise
     * [WireProtocol.TGRID]. [WireProtocol.TGRID] before the first connection.
     */
    public open val protocol: WireProtocol get() = current?.protocol ?: WireProtocol.TGRID

    /** The calls of this side that wait for their return on the open connection. */
    public val pendingCalls: Int get() = current?.pendingCount ?: 0

    /** The remote side's calls that this side's provider is running now (what `maxConcurrentCalls` bounds). */
    public val runningCalls: Int get() = current?.runningCount ?: 0

    /**
     * The object the remote side calls, or `null` for none (a call then fails with an error saying so).
     * Setting it exposes every service interface of its class, and checks them (it may throw
     * [IllegalArgumentException]).
     *
     * ## Security
     * Setting the object that is already the provider changes nothing: an exposure narrowed by
     * [setProvider] with interfaces stays narrowed. Only another call of [setProvider] changes
     * the interfaces an object is reached through.
     */
    @Suppress("UNCHECKED_CAST")
    public var provider: Provider?
        get() = binding?.provider as Provider?
        set(value) {
            if (value != null && binding?.provider === value) return
            binding = value?.let { ProviderBinding.create(it, emptyList(), options.bindings) }
        }

    /**
     * Sets the provider and exposes it only through [serviceInterfaces] (every service interface
     * of its class when none is given): members of its other interfaces stay out of the remote
     * side's reach, and so do the other interfaces of the objects its members return (a nested
     * object is reached only through the interface its getter declares).
     *
     * @throws IllegalArgumentException if the provider does not implement one of them, or one is
     *   not a valid service interface (the message names the method).
     */
    public fun setProvider(provider: Provider, vararg serviceInterfaces: Class<*>) {
        binding = ProviderBinding.create(provider, serviceInterfaces.toList(), options.bindings)
    }

    /**
     * Returns a driver: a proxy of [type] whose calls run on the remote side's provider.
     * [type] must be an interface of `suspend` functions or of methods returning
     * `CompletableFuture<T>` / `CompletionStage<T>`; members returning another such interface
     * are nested objects. The interface is checked here; the same driver is returned each time.
     *
     * @throws IllegalArgumentException naming the method when [type] is not a valid driver interface.
     */
    public fun <T : Any> getDriver(type: Class<T>): T = getDriver(type, null)

    /**
     * Returns a driver whose calls time out after [callTimeout] unless a [CallTimeout] in the
     * caller's context says otherwise; see [getDriver].
     */
    public fun <T : Any> getDriver(type: Class<T>, callTimeout: java.time.Duration?): T {
        val key: Any = if (callTimeout == null) type else type to callTimeout
        return type.cast(
            drivers.getOrPut(key) {
                DriverHandler.create(host, options.bindings.forDriver(type), "", callTimeout, type)
            },
        )
    }

    /** Returns a driver of [type]; see [getDriver]. */
    public fun <T : Any> getDriver(type: KClass<T>): T = getDriver(type.java)

    /** Returns a driver of [T]; see [getDriver]. */
    public inline fun <reified T : Any> getDriver(): T = getDriver(T::class.java)

    /**
     * Sends [call], recorded once for many connections (a broadcast), over the open connection and,
     * unless it is one-way, waits at most [timeout] for its return; its failure is thrown.
     *
     * @throws NotConnectedException unless the state is `OPEN`.
     */
    @InternalWsgridApi
    public suspend fun callRecorded(call: RecordedCall, timeout: java.time.Duration?) {
        openSessionFor(call.listener).requester.callRecorded(call, timeout)
    }

    /**
     * [callRecorded], answering the return's value as JSON text (`null` when the return had none):
     * for a call relayed from another node, whose caller decodes the value itself.
     *
     * @throws NotConnectedException unless the state is `OPEN`.
     */
    @InternalWsgridApi
    public suspend fun callRecordedForValue(call: RecordedCall, timeout: java.time.Duration?): String? =
        openSessionFor(call.listener).requester.callRecordedForValue(call, timeout)

    /**
     * Queues the one-way [call] on the open connection without waiting; see [callRecorded].
     *
     * @throws NotConnectedException unless the state is `OPEN`.
     */
    @InternalWsgridApi
    public fun notifyRecorded(call: RecordedCall) {
        openSessionFor(call.listener).requester.notifyRecorded(call)
    }

    /** Where this connection's frames are handled (its event loop), or `null` before it opens. */
    @InternalWsgridApi
    public val transportDispatcher: kotlinx.coroutines.CoroutineDispatcher? get() = current?.transport?.dispatcher

    private fun openSessionFor(listener: String): Session {
        val s = current
        val st = currentState
        if (st != CommunicatorState.OPEN || s == null) throw NotConnectedException(st, "cannot call $listener: connection is $st")
        return s
    }

    /**
     * Ends this communicator for good, once it is closed and will not open again (a server's
     * acceptor): its job completes, so the job it was made under completes too instead of
     * waiting for it forever. Calls made afterwards fail as calls on a closed connection do.
     */
    @InternalWsgridApi
    protected fun retire() {
        job.complete()
    }

    /** Adds a listener of this communicator's state changes. */
    public fun addStateListener(listener: StateListener) {
        stateListeners.add(listener)
    }

    /** Removes a listener added by [addStateListener]. */
    public fun removeStateListener(listener: StateListener) {
        stateListeners.remove(listener)
    }

    /** Suspends until the state is one of [states]; returns it. */
    protected suspend fun awaitState(states: Set<CommunicatorState>): CommunicatorState = lifecycle.await(states)

    /** Adds a listener of the invoke events (send, receive, complete, return). */
    public fun addInvokeListener(listener: InvokeListener) {
        listeners.add(listener)
    }

    /** Removes a listener added by [addInvokeListener]. */
    public fun removeInvokeListener(listener: InvokeListener) {
        listeners.remove(listener)
    }

    /**
     * Suspends until the connection closes for good (a reconnecting connector's outages do not
     * count); returns at once when it is closed already.
     *
     * @throws NotConnectedException when no connection has been opened yet.
     */
    public suspend fun join() {
        while (true) {
            when (val st = currentState) {
                CommunicatorState.CLOSED -> return
                CommunicatorState.OPEN, CommunicatorState.CLOSING -> current?.finished?.await()
                CommunicatorState.RECONNECTING -> awaitState(setOf(CommunicatorState.OPEN, CommunicatorState.CLOSED))
                else -> throw NotConnectedException(st, "cannot join: connection is $st")
            }
        }
    }

    /** Waits at most [timeout] for the connection to close; answers whether it closed. */
    public suspend fun join(timeout: kotlin.time.Duration): Boolean {
        if (joinable("join") == null) return true
        return withTimeoutOrNull(timeout) { join() } != null
    }

    /** Waits at most [timeout] for the connection to close; answers whether it closed. */
    public suspend fun join(timeout: java.time.Duration): Boolean = join(timeout.toKotlinDuration())

    /** Waits until [deadline] at the latest for the connection to close; answers whether it closed. */
    public suspend fun join(deadline: Instant): Boolean =
        join(java.time.Duration.between(Instant.now(), deadline).coerceAtLeast(java.time.Duration.ZERO))

    private fun joinable(what: String): Session? = when (val st = currentState) {
        CommunicatorState.CLOSED -> null
        CommunicatorState.OPEN, CommunicatorState.CLOSING, CommunicatorState.RECONNECTING -> current
        else -> throw NotConnectedException(st, "cannot $what: connection is $st")
    }

    // ------------------------------------------------------------------ for connectors and acceptors

    /**
     * Moves to [state] when the state is one of [from] and the connection state machine allows the
     * move (see the states' docs); answers whether it moved. Connectors and acceptors report their
     * handshake states this way.
     */
    protected fun moveState(state: CommunicatorState, vararg from: CommunicatorState): Boolean =
        lifecycle.move(state, if (from.isEmpty()) Lifecycle.ANY else from.toSet())

    /**
     * Moves to [state] from one of [from] (any state when none is given), or throws
     * `IllegalStateException("cannot <what>: connection is <state>")`.
     */
    protected fun moveStateOrFail(state: CommunicatorState, what: String, vararg from: CommunicatorState) {
        lifecycle.moveOrFail(state, what, if (from.isEmpty()) Lifecycle.ANY else from.toSet())
    }

    /**
     * Starts serving [transport], which agreed on [protocol] when it opened: the state becomes
     * [CommunicatorState.OPEN], and the transport's frames are served until it closes; then the
     * state becomes [CommunicatorState.CLOSED] (or what [onClosed] moved it to), every pending call
     * fails, and [onClosed] runs. With [WireProtocol.WSGRID_V1] both sides must be wsgrid: the
     * remote side receives extension frames.
     *
     * @param relay the receiver the transport was started with for a handshake, which hands its
     *   frames over from now on; `null` starts the transport here.
     */
    protected fun openSession(transport: Transport, protocol: WireProtocol = WireProtocol.TGRID, relay: FrameRelay? = null) {
        val previous = current
        check(previous == null || previous.finished.isCompleted) { "a connection is still open: close it first" }
        val session = Session(host, transport, job, context, protocol)
        current = session
        lifecycle.moveOrFail(CommunicatorState.OPEN, "open")
        try {
            onOpened()
        } catch (e: Exception) {
            org.slf4j.LoggerFactory.getLogger(Communicator::class.java).warn("onOpened failed", e)
        }
        if (log.isInfoEnabled) dev.wsgrid.rpc.internal.Observing.withMdc(session.mdc) { log.info("{}: connection opened ({})", description, protocol.name) }
        val events = session.events
        if (events !== EventListener.NONE) dev.wsgrid.rpc.internal.Observing.fire({ description }) { events.connectionOpened(this) }
        if (relay != null) relay.attach(session) else session.start()
    }

    /**
     * Closes the open connection with [code] and [reason] and waits until it is closed and every
     * pending call has failed. Returns at once when already closed.
     */
    protected suspend fun closeSession(code: Int, reason: String) {
        val s = joinable("close") ?: return
        if (s.closing == null) {
            lifecycle.move(CommunicatorState.CLOSING, OPEN_STATES)
            s.markClosing(code, reason)
            s.transport.close(code, reason)
        }
        s.finished.await()
    }

    /**
     * Runs when a connection has opened, before any of its frames is read, so before [onClosed] of
     * the same connection. Must not block.
     */
    protected open fun onOpened() {}

    /** Runs once each connection has closed, after its pending calls failed. Must not block. */
    protected open fun onClosed(closed: TransportFrame.Closed) {}

    /**
     * Called when a call is made while the state is not `OPEN`: a communicator that will be open
     * again soon (a reconnecting connector) may wait for it and answer `true`; the default answers
     * `false`, and the call fails with [NotConnectedException] at once.
     */
    protected open suspend fun awaitOpen(): Boolean = false

    /** A short description for logs: `"acceptor /calculator from 127.0.0.1:51234"`. */
    public open val description: String get() = javaClass.simpleName

    /**
     * The connection's id for logs, the MDC key `wsgrid.connection` (see
     * [CommunicatorOptions.mdc]); `null` (the default) when it has none. Read when a connection opens.
     */
    protected open val logConnectionId: String? get() = null

    /**
     * The remote side's address for logs, the MDC key `wsgrid.remote`; `null` (the default) when
     * unknown. Read when a connection opens.
     */
    protected open val logRemoteAddress: String? get() = null

    private inner class Host : SessionHost, DriverHost {
        override val options: CommunicatorOptions get() = this@Communicator.options
        override val observer: InvokeObserver get() = InvokeObserver.of(listeners) { description }
        override val providerBinding: ProviderBinding? get() = binding
        override val description: String get() = this@Communicator.description
        override val bindings: ServiceBindings get() = options.bindings
        override val communicator: Communicator<*> get() = this@Communicator

        // with no MDC to write to (slf4j-simple, or no binding), setting one would only cost
        override fun mdcEntries(): Array<String?>? = if (!options.mdc || dev.wsgrid.rpc.internal.Observing.mdcIsNoop) null else arrayOf(
            dev.wsgrid.rpc.internal.Observing.MDC_CONNECTION, logConnectionId,
            dev.wsgrid.rpc.internal.Observing.MDC_REMOTE, logRemoteAddress,
        )

        override fun sessionEnded(session: Session, end: TransportFrame.Closed) {
            try {
                onClosed(end)
            } finally {
                // unless onClosed moved on (a connector that reconnects), the communicator is closed
                if (current === session) lifecycle.move(CommunicatorState.CLOSED, OPEN_STATES)
            }
        }

        /**
         * The open connection for a call of [listener]: at once when open; after the reconnect a
         * communicator waits for ([awaitOpen]), within the call's timeout [t]; else the call fails.
         * Plain calls, notifications and stream calls all come through here.
         */
        private suspend fun sessionFor(listener: String, t: java.time.Duration?): Session {
            current?.let { if (currentState == CommunicatorState.OPEN) return it }
            val reopened = if (t == null) awaitOpen() else (withTimeoutOrNull(t.toMillis()) { awaitOpen() } ?: throw CallTimeoutException(listener, t))
            val s = current
            val st = currentState
            if (!reopened || st != CommunicatorState.OPEN || s == null) throw NotConnectedException(st, "cannot call $listener: connection is $st")
            return s
        }

        override suspend fun call(
            listener: String,
            quoted: String,
            f: BoundFunction,
            args: Array<out Any?>?,
            timeout: java.time.Duration?,
        ): Any? {
            val t = currentCoroutineContext()[CallTimeout]?.timeout ?: timeout ?: options.callTimeout
            return sessionFor(listener, t).requester.call(listener, quoted, f, args, t, null)
        }

        override fun stream(
            listener: String,
            quoted: String,
            f: BoundFunction,
            args: Array<out Any?>?,
        ): kotlinx.coroutines.flow.Flow<Any?> = kotlinx.coroutines.flow.flow {
            val t = currentCoroutineContext()[CallTimeout]?.timeout ?: options.callTimeout
            emitAll(sessionFor(listener, t).requester.streamCall(listener, quoted, f, args, null))
        }

        override fun callAsFuture(
            listener: String,
            quoted: String,
            f: BoundFunction,
            args: Array<out Any?>?,
            timeout: java.time.Duration?,
        ): CompletableFuture<Any?> {
            // a retired communicator's scope starts nothing: fail as a call on a closed connection does
            if (!job.isActive) return CompletableFuture.failedFuture(NotConnectedException(currentState, "cannot call $listener: connection is $currentState"))
            return startFuture(callScope, listener, quoted, f, args, timeout)
        }
    }

    private companion object {
        val log: org.slf4j.Logger = org.slf4j.LoggerFactory.getLogger(Communicator::class.java)

        /** The states a connection is open in, as far as closing goes. */
        val OPEN_STATES: Set<CommunicatorState> = java.util.EnumSet.of(CommunicatorState.OPEN, CommunicatorState.CLOSING)
    }
}
