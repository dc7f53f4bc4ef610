package dev.wsgrid.ktor

import dev.wsgrid.rpc.CloseCodes
import dev.wsgrid.rpc.ConnectionClosedException
import dev.wsgrid.rpc.FrameReceiver
import dev.wsgrid.rpc.HeartbeatLostException
import dev.wsgrid.rpc.Transport
import dev.wsgrid.rpc.TransportFrame
import io.ktor.websocket.CloseReason
import io.ktor.websocket.DefaultWebSocketSession
import io.ktor.websocket.Frame
import io.ktor.websocket.WebSocketSession
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.Job
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.cancel
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull
import java.time.Duration
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.coroutines.ContinuationInterceptor

/**
 * A wsgrid [Transport] over a Ktor WebSocket session: the connector's, and the server's on any
 * engine but its own Netty path.
 *
 * The session is raw (Ktor's `webSocketRaw` / `webSocketRawSession`): frames go straight between
 * Ktor's frame reader and writer and this class, with no coroutine of Ktor's default session in
 * between. So this class does what the default session would ([KtorFrameReader]): it answers
 * pings, joins fragmented messages (bounded by the session's `maxFrameSize`, then close 1009),
 * runs the close handshake, and, when [ping] is called, pings the peer and drops it when a pong
 * does not come within the pong timeout (reported as a [HeartbeatLostException]). With a
 * [DefaultWebSocketSession] (compression needs one), Ktor does those and this class moves frames.
 *
 * ## Sending
 * A frame goes straight into the session's outgoing channel while little is outstanding; every
 * 64 KiB, or once the channel is full, frames wait in this class's own queue for a writer
 * coroutine, which flushes the session to learn what was written. Everything outstanding counts
 * against [limits]: above the high-water mark the transport stops reading and
 * [awaitWritable] waits; a peer that leaves it there for the send timeout, or lets it reach
 * the limit, is dropped with 1008. A dropped peer never holds more than the limit.
 *
 * @param session the Ktor session; this transport becomes its only reader and writer.
 * @param limits how much may wait for a slow peer.
 */
public class KtorTransport @JvmOverloads constructor(
    private val session: WebSocketSession,
    private val limits: OutgoingLimits = OutgoingLimits.DEFAULT,
) : WebSocketTransport {
    private val backlog = Backlog(limits)

    /** Frames waiting for the writer; guarded by `this` with [writing] and [inFlight]. */
    private val waiting = ArrayDeque<Frame>()

    /** Whether the writer owns the sending now (frames are waiting, or it is flushing). */
    private var writing = false

    /** Bytes handed to the session since its last flush. */
    private var inFlight = 0L

    private val wake = Channel<Unit>(Channel.CONFLATED)
    private val started = AtomicBoolean()

    /** How this side closed the connection, once it has. */
    @Volatile
    private var closedHere: TransportFrame.Closed? = null

    /** Why the connection broke without a close handshake (a lost heartbeat, a peer not reading), when it did. */
    @Volatile
    private var brokenHere: TransportFrame.Closed? = null

    /** The end the reader reported. */
    @Volatile
    private var ended: TransportFrame.Closed? = null

    /** Completed when the reader has reported the end. */
    private val endReported = CompletableDeferred<Unit>()

    private val reader = KtorFrameReader(session)

    @Volatile
    private var heartbeat: Job? = null

    @Volatile
    private var watchdog: Job? = null

    override val dispatcher: CoroutineDispatcher? = session.coroutineContext[ContinuationInterceptor] as? CoroutineDispatcher

    /**
     * Owns this transport's coroutines (reader, writer, heartbeat, timers), on the session's
     * dispatcher but not under its job: an engine may end its session's job as soon as the peer's
     * close frame arrives (Java's does), before that frame is read. Cancelled once the end is reported.
     */
    private val scope = CoroutineScope(SupervisorJob() + (dispatcher ?: Dispatchers.Default) + CoroutineName("wsgrid-ktor-transport"))

    override fun start(receiver: FrameReceiver) {
        check(started.compareAndSet(false, true)) { "the transport was started already" }
        scope.launch(CoroutineName("wsgrid-writer")) { writeLoop() }
        scope.launch(CoroutineName("wsgrid-reader"), start = CoroutineStart.UNDISPATCHED) { readLoop(receiver) }
    }

    // ------------------------------------------------------------------ receiving

    private suspend fun readLoop(receiver: FrameReceiver) {
        var end: TransportFrame.Closed? = null
        try {
            while (end == null) {
                // a peer that does not read what it is sent gets nothing more read either
                if (!backlog.writable.value) backlog.awaitWritable { null }
                when (val r = reader.next { closedHere }) {
                    is KtorFrameReader.Message.Text -> deliver { receiver.onText(r.text) }
                    is KtorFrameReader.Message.Binary -> deliver { receiver.onBinary(r.data) }
                    is KtorFrameReader.Message.Pong -> reader.pongs.trySend(Unit)
                    is KtorFrameReader.Message.End -> end = r.closed
                }
            }
        } catch (e: CancellationException) {
            end = closedHere ?: brokenHere ?: TransportFrame.Closed(CloseCodes.ABNORMAL, "", byPeer = true)
        } finally {
            val closed = brokenHere?.takeIf { end?.code == CloseCodes.ABNORMAL } ?: end
                ?: TransportFrame.Closed(CloseCodes.ABNORMAL, "", byPeer = true)
            ended = closed
            log.debug("{}: the connection ended: {}", session, closed)
            heartbeat?.cancel()
            watchdog?.cancel()
            synchronized(this) { waiting.clear() }
            backlog.release()
            endReported.complete(Unit)
            withContext(NonCancellable) { receiver.onClosed(closed) }
            if (cutOnEnd) session.cancel()
            scope.cancel()
        }
    }

    private inline fun deliver(action: () -> Unit) {
        try {
            action()
        } catch (e: Exception) {
            log.error("a frame receiver failed", e)
        }
    }

    // ------------------------------------------------------------------ sending

    override fun sendText(text: String) {
        send(Frame.Text(text))
    }

    override fun sendBinary(data: ByteArray) {
        send(Frame.Binary(true, data))
    }

    private fun closedError(): ConnectionClosedException? {
        val end = ended ?: closedHere ?: brokenHere ?: return null
        return ConnectionClosedException(end.code, end.reason)
    }

    private fun send(frame: Frame) {
        closedError()?.let { throw it }
        val overflow = enqueue(frame, count = true)
        if (overflow != null) {
            abort(TransportFrame.Closed(CloseCodes.POLICY_VIOLATION, overflow, byPeer = false))
            throw ConnectionClosedException(CloseCodes.POLICY_VIOLATION, overflow)
        }
        if (!backlog.writable.value) watchStall()
    }

    /**
     * Hands [frame] to the session at once when nothing waits and little is outstanding, else
     * queues it for the writer; answers why the peer must be dropped, or `null`.
     */
    private fun enqueue(frame: Frame, count: Boolean): String? = synchronized(this) {
        val n = frame.data.size
        if (count) backlog.add(n)?.let { return it }
        if (!writing && waiting.isEmpty() && inFlight + n <= FLUSH_EVERY && session.outgoing.trySend(frame).isSuccess) {
            inFlight += n
        } else {
            waiting.addLast(frame)
            if (!writing) {
                writing = true
                wake.trySend(Unit)
            }
        }
        null
    }

    /** Moves waiting frames into the session, flushing it to learn what was written. */
    private suspend fun writeLoop() {
        val batch = ArrayList<Frame>(BATCH)
        try {
            while (true) {
                wake.receive()
                while (true) {
                    // everything handed over so far is on its way to the socket: it no longer counts
                    session.flush()
                    val flushed = synchronized(this) { inFlight.also { inFlight = 0 } }
                    backlog.remove(flushed)
                    synchronized(this) {
                        while (batch.size < BATCH) batch.add(waiting.removeFirstOrNull() ?: break)
                        if (batch.isEmpty()) writing = false
                    }
                    if (batch.isEmpty()) break
                    var n = 0L
                    for (f in batch) {
                        session.outgoing.send(f)
                        n += f.data.size
                    }
                    batch.clear()
                    synchronized(this) { inFlight += n }
                }
            }
        } catch (_: Exception) {
            // the session closed: the reader reports the end
        }
    }

    /** Drops the peer once the backlog has stayed above its high-water mark for the send timeout. */
    private fun watchStall() {
        if (watchdog?.isActive == true) return
        watchdog = scope.launch(CoroutineName("wsgrid-send-watchdog")) {
            while (!backlog.writable.value) {
                if (backlog.stalled()) {
                    abort(TransportFrame.Closed(CloseCodes.POLICY_VIOLATION, backlog.stallReason(), byPeer = false))
                    return@launch
                }
                delay(limits.sendTimeout.toMillis() / 4 + 1)
            }
        }
    }

    override suspend fun awaitWritable() {
        backlog.awaitWritable(::closedError)
    }

    // ------------------------------------------------------------------ closing

    override fun close(code: Int, reason: String) {
        if (closedHere != null || ended != null) return
        closedHere = TransportFrame.Closed(code, reason, byPeer = false)
        heartbeat?.cancel()
        if (!started.get()) start(NONE)
        if (session is DefaultWebSocketSession) {
            session.launch { runCatching { session.outgoing.send(Frame.Close(CloseReason(code.toShort(), reason))) } }
            return
        }
        // after the frames already queued, as RFC 6455 wants; the reader then waits for the peer's close
        enqueue(Frame.Close(CloseReason(code.toShort(), reason)), count = false)
        scope.launch(CoroutineName("wsgrid-close")) {
            if (withTimeoutOrNull(CLOSE_WAIT_MS) { endReported.await() } == null) {
                // a peer that reads nothing never takes the close frame, or never answers it
                session.cancel()
            }
        }
    }

    override fun ping(interval: Duration, pongTimeout: Duration) {
        require(!interval.isNegative && !interval.isZero) { "the ping interval must be positive, was $interval" }
        require(!pongTimeout.isNegative && !pongTimeout.isZero) { "the pong timeout must be positive, was $pongTimeout" }
        if (session is DefaultWebSocketSession) {
            session.timeoutMillis = pongTimeout.toMillis()
            session.pingIntervalMillis = interval.toMillis()
            return
        }
        heartbeat?.cancel()
        heartbeat = scope.launch(CoroutineName("wsgrid-heartbeat")) {
            var n = 0L
            while (ended == null && closedHere == null) {
                delay(interval.toMillis())
                reader.pongs.tryReceive()
                val payload = (++n).toString().toByteArray()
                if (!session.outgoing.trySend(Frame.Ping(payload)).isSuccess) continue // the watchdog deals with a full buffer
                if (withTimeoutOrNull(pongTimeout.toMillis()) { reader.pongs.receive() } == null) {
                    val lost = HeartbeatLostException(pongTimeout)
                    abort(TransportFrame.Closed(CloseCodes.ABNORMAL, lost.message!!, byPeer = true, cause = lost))
                    return@launch
                }
            }
        }
    }

    /**
     * Drops the connection without a close handshake, reporting [why]: the reader learns of it
     * first (so the calls pending on this connection fail with [why], not with a cancellation),
     * then the Ktor session is cancelled, which cuts a socket that a dead peer would keep open.
     */
    private fun abort(why: TransportFrame.Closed) {
        log.debug("{}: dropping the connection: {}", session, why)
        if (why.byPeer) {
            if (brokenHere == null) brokenHere = why
        } else if (closedHere == null) {
            closedHere = why
        } else if (brokenHere == null) {
            brokenHere = why
        }
        if (!started.get()) start(NONE)
        cutOnEnd = true
        backlog.release()
        session.outgoing.close()
        // the reader learns of it first (and reports [why]); then the socket is cut (see readLoop)
        session.incoming.cancel()
    }

    /** Set by [abort]: once the end is reported, the Ktor session is cancelled, cutting the socket a dead peer keeps open. */
    @Volatile
    private var cutOnEnd = false

    private companion object {
        val log = org.slf4j.LoggerFactory.getLogger(KtorTransport::class.java)

        /** Bytes handed to the session between flushes: the most Ktor's own buffers hold uncounted. */
        const val FLUSH_EVERY = 64L * 1024

        /** Frames the writer moves between two flushes. */
        const val BATCH = 64

        /** How long a close frame may wait to go out, and then for the peer's close, before the connection is dropped. */
        const val CLOSE_WAIT_MS = 5_000L

        /** The receiver of a transport closed before it was started: nothing to tell. */
        val NONE = object : FrameReceiver {
            override fun onText(text: String) {}
            override fun onBinary(data: ByteArray) {}
            override fun onClosed(closed: TransportFrame.Closed) {}
        }
    }
}
