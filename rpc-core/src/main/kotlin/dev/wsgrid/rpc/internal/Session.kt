package dev.wsgrid.rpc.internal

import dev.wsgrid.rpc.CloseCodes
import dev.wsgrid.rpc.CommunicatorOptions
import dev.wsgrid.rpc.EventListener
import dev.wsgrid.rpc.ConnectionClosedException
import dev.wsgrid.rpc.FrameReceiver
import dev.wsgrid.rpc.InvalidMessageException
import dev.wsgrid.rpc.Transport
import dev.wsgrid.rpc.TransportFrame
import dev.wsgrid.rpc.WireProtocol
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import org.slf4j.LoggerFactory
import java.util.concurrent.atomic.AtomicLong
import kotlin.coroutines.CoroutineContext

/** What the session needs from the communicator that owns it. */
internal interface SessionHost {
    val options: CommunicatorOptions

    /** Who watches the invokes now: [InvokeObserver.NONE] unless invoke listeners are added. */
    val observer: InvokeObserver
    val providerBinding: ProviderBinding?
    val description: String

    /** The communicator the session belongs to, as event listeners are told. */
    val communicator: dev.wsgrid.rpc.Communicator<*>

    /** The MDC entries of this connection (key, value, ...), or `null` when the MDC is off. */
    fun mdcEntries(): Array<String?>?

    /** Called once when [session] has ended, before its pending calls fail and joiners wake. */
    fun sessionEnded(session: Session, end: TransportFrame.Closed)
}

/**
 * What the parts of a session (requester, responder, extensions) send through and read of it:
 * narrower than the session and its transport.
 */
internal interface FrameSink {
    val options: CommunicatorOptions
    val description: String

    /** Owns the connection's coroutines; cancelled when it ends. */
    val scope: CoroutineScope

    /** Set when closing starts; from then on calls fail at once. */
    val closing: TransportFrame.Closed?

    /** Queues a frame; throws [ConnectionClosedException] when the connection is closed. */
    fun send(text: String)

    /** Queues a binary frame; see [send]. */
    fun sendBinary(data: ByteArray)

    /** Queues a frame, or only logs that it was not sent when the connection is closed. */
    fun sendQuietly(text: String)

    /** Waits while the outgoing queue is above its high-water mark. */
    suspend fun awaitWritable()

    /**
     * Sends [text] (or the binary [data]) once the outgoing queue has room, after every frame an
     * earlier caller is waiting to send this way: calls made in sequence go out in that order.
     */
    suspend fun sendInOrder(text: String?, data: ByteArray?)

    /** A fresh id for a call or a stream argument: one counter, so they never collide. */
    fun nextId(): Long

    /** This side gave up the call [uid]: told to a transport that relays calls ([CallAbandonment]). */
    fun callAbandoned(uid: Long)

    /** The error a call of [listener] fails with once the connection ended with [end]. */
    fun closedError(listener: String?, end: TransportFrame.Closed): ConnectionClosedException

    /** A frame could not be understood: logged (rate-limited) and told to invoke listeners. */
    fun reportInvalid(e: InvalidMessageException)

    /** Who observes this connection: [EventListener.NONE] unless the options set a listener. */
    val events: EventListener

    /** The communicator, as [events] are told. */
    val communicator: dev.wsgrid.rpc.Communicator<*>

    /** The connection's MDC entries (key, value, ...), or `null` when the MDC is off. */
    val mdc: Array<String?>?

    /** A limit named as its option was hit: [events] are told. */
    fun limitExceeded(limit: String)
}

/**
 * One connection's life: it receives the transport's frames and hands each to its part — the
 * [Requester] (this side's calls and their returns), the [Responder] (the remote side's calls),
 * the [Extensions] (wsgrid.v1 frames) — and ends them all when the transport closes. Made when a
 * transport opens; finished when it closes.
 *
 * Frames arrive on the transport's thread, one at a time ([onText], [onBinary], [onClosed]);
 * calls and returns are sent from any thread.
 */
internal class Session(
    private val host: SessionHost,
    val transport: Transport,
    parent: Job?,
    context: CoroutineContext,
    /** What the connection agreed to speak; extension frames are used only with [WireProtocol.WSGRID_V1]. */
    val protocol: WireProtocol = WireProtocol.TGRID,
) : FrameReceiver, FrameSink {
    override val options: CommunicatorOptions = host.options
    override val description: String get() = host.description

    override val scope: CoroutineScope =
        CoroutineScope(context + (transport.dispatcher ?: context[kotlin.coroutines.ContinuationInterceptor] ?: kotlinx.coroutines.Dispatchers.Default) +
            SupervisorJob(parent) + CoroutineName("wsgrid-session"))

    private val ids = AtomicLong()

    override val communicator: dev.wsgrid.rpc.Communicator<*> = host.communicator

    override val mdc: Array<String?>? = host.mdcEntries()

    /** Made once for this connection by the options' factory; [EventListener.NONE] when nothing observes. */
    override val events: EventListener = try {
        host.options.eventListenerFactory.create(host.communicator)
    } catch (e: Exception) {
        log.warn("{}: the event listener factory failed; this connection is not observed", host.description, e)
        EventListener.NONE
    }

    /** Whether [events] observe anything: when not, no frame is sized. */
    private val observed = events !== EventListener.NONE

    /** Cancellation across the wire and streams; `null` on a plain TGrid connection. */
    val extensions: Extensions? = if (protocol.extensions) Extensions(this) else null

    val requester = Requester(this, host, extensions)
    val responder = Responder(this, host, extensions)

    /** Completed with how the connection ended, once every pending call has been failed. */
    val finished: CompletableDeferred<TransportFrame.Closed> = CompletableDeferred()

    @Volatile
    override var closing: TransportFrame.Closed? = null
        private set

    val pendingCount: Int get() = requester.pendingCount
    val runningCount: Int get() = responder.runningCount

    /** Starts receiving: from now on the transport delivers frames here. */
    fun start() {
        transport.start(this)
    }

    override fun nextId(): Long = ids.incrementAndGet()

    override fun callAbandoned(uid: Long) {
        (transport as? CallAbandonment)?.callAbandoned(uid)
    }

    // ------------------------------------------------------------------ sending

    override fun send(text: String) {
        transport.sendText(text)
        if (observed) sentText(text)
    }

    override fun sendBinary(data: ByteArray) {
        val size = data.size // the transport owns data from now on
        transport.sendBinary(data)
        if (observed) Observing.fire({ host.description }) { events.frameSent(communicator, true, size) }
    }

    override fun sendQuietly(text: String) {
        try {
            transport.sendText(text)
        } catch (e: ConnectionClosedException) {
            log.debug("{}: a frame was not sent: {}", host.description, e.message)
            return
        }
        if (observed) sentText(text)
    }

    private fun sentText(text: String) {
        Observing.fire({ host.description }) { events.frameSent(communicator, false, Observing.utf8Size(text)) }
    }

    override fun limitExceeded(limit: String) {
        if (observed) Observing.fire({ host.description }) { events.limitExceeded(communicator, limit) }
    }

    override suspend fun awaitWritable() {
        transport.awaitWritable()
    }

    /** Held by whoever waits for room to send a call; fair, so callers keep their order. */
    private val sendGate = Mutex()

    override suspend fun sendInOrder(text: String?, data: ByteArray?) {
        sendGate.withLock {
            transport.awaitWritable()
            if (data != null) sendBinary(data) else send(text!!)
        }
    }

    // ------------------------------------------------------------------ receiving

    override fun onText(text: String) {
        if (observed) Observing.fire({ host.description }) { events.frameReceived(communicator, false, Observing.utf8Size(text)) }
        try {
            route(text, null)
        } catch (e: Throwable) {
            // a fault of wsgrid's own: the connection and its other calls go on
            log.error("{}: a frame could not be handled", host.description, e)
        }
    }

    override fun onBinary(data: ByteArray) {
        if (observed) Observing.fire({ host.description }) { events.frameReceived(communicator, true, data.size) }
        if (extensions == null) {
            log.debug("{}: ignored a binary frame of {} bytes", host.description, data.size)
            return
        }
        val (text, blobs) = try {
            BinaryPayloads.decode(data)
        } catch (e: InvalidMessageException) {
            reportInvalid(e)
            return
        }
        try {
            route(text, blobs)
        } catch (e: Throwable) {
            log.error("{}: a frame could not be handled", host.description, e)
        }
    }

    private fun route(text: String, blobs: List<ByteArray>?) {
        if (blobs == null && extensions != null && ExtensionWire.isExtension(text)) {
            try {
                extensions.onFrame(text)
            } catch (e: InvalidMessageException) {
                reportInvalid(e)
            }
            return
        }
        val parsed = try {
            Envelope.parse(text)
        } catch (e: InvalidMessageException) {
            reportInvalid(e)
            return
        }
        when (parsed) {
            is Envelope -> if (parsed.isCall) responder.onCall(parsed, blobs) else requester.onReturn(parsed, blobs)
            is Parsed.BadCall -> {
                reportInvalid(parsed.error)
                responder.refuse(parsed.uid, parsed.error)
            }
        }
    }

    override fun reportInvalid(e: InvalidMessageException) {
        Observing.withMdc(mdc) {
            WarningLimiter.PEER_INPUT.warn(log, "{}: skipped a frame: {} in {}", host.description, PeerText.forLog(e.message), PeerText.forLog(e.frame))
        }
        host.observer.invalid(e)
    }

    // ------------------------------------------------------------------ closing

    /** Marks the connection as closing with this side's [code] and [reason]: calls fail at once from now on. */
    fun markClosing(code: Int, reason: String) {
        if (closing == null) closing = TransportFrame.Closed(code, reason, byPeer = false)
    }

    override fun onClosed(closed: TransportFrame.Closed) {
        if (closing == null) closing = closed
        // this side refused a message larger than its limit (the transport closed with 1009)
        if (closed.code == CloseCodes.MESSAGE_TOO_BIG && !closed.byPeer) limitExceeded("maxFrameSize")
        // The communicator moves on (CLOSED, or RECONNECTING) before any caller hears of the end, so
        // a caller that reacts to its failed call by connecting again finds the connector closed.
        try {
            host.sessionEnded(this, closed)
        } catch (e: Exception) {
            log.warn("{}: a close hook failed", host.description, e)
        }
        extensions?.finish { listener -> closedError(listener, closed) }
        // Calls registered after this pass see `closing` and fail by themselves.
        requester.failAll(closed)
        if (log.isInfoEnabled) {
            Observing.withMdc(mdc) {
                log.info(
                    "{}: connection closed (code {}{}, by {})", host.description, closed.code,
                    if (closed.reason.isEmpty()) "" else ", reason ${PeerText.forLog(closed.reason)}", if (closed.byPeer) "the remote side" else "this side",
                )
            }
        }
        if (observed) Observing.fire({ host.description }) { events.connectionClosed(communicator, closed.code, closed.byPeer) }
        finished.complete(closed)
        scope.cancel("the connection closed")
    }

    override fun closedError(listener: String?, end: TransportFrame.Closed): ConnectionClosedException {
        val what = buildString {
            if (listener != null) append("cannot call ").append(listener).append(": ")
            append("connection closed (code ").append(end.code)
            if (end.reason.isNotEmpty()) append(", reason \"").append(end.reason).append('"')
            append(if (end.byPeer) ", by the remote side)" else ", by this side)")
        }
        return ConnectionClosedException(end.code, end.reason, what, end.cause)
    }

    private companion object {
        val log = LoggerFactory.getLogger(Session::class.java)
    }
}
