package dev.wsgrid.ktor

import dev.wsgrid.rpc.CloseCodes
import dev.wsgrid.rpc.ConnectionClosedException
import dev.wsgrid.rpc.HeartbeatLostException
import dev.wsgrid.rpc.Transport
import dev.wsgrid.rpc.TransportFrame
import io.ktor.websocket.CloseReason
import io.ktor.websocket.DefaultWebSocketSession
import io.ktor.websocket.Frame
import io.ktor.websocket.FrameTooBigException
import io.ktor.websocket.ProtocolViolationException
import io.ktor.websocket.WebSocketSession
import io.ktor.websocket.readReason
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.Job
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.withContext
import kotlinx.coroutines.cancel
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.ClosedReceiveChannelException
import kotlinx.coroutines.channels.ClosedSendChannelException
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.withTimeoutOrNull
import java.io.ByteArrayOutputStream
import java.time.Duration

/**
 * A wsgrid [Transport] over a raw Ktor WebSocket session, used by the server's acceptors and by
 * the connector.
 *
 * The session is raw (Ktor's `webSocketRaw` / `webSocketRawSession`): frames go straight between
 * Ktor's frame reader and writer and this class, with no coroutine of Ktor's default session in
 * between (in the benchmarks that hop cost a fifth of the server's CPU per call and half of its
 * pipelined throughput). So this class does what the default session would: it answers pings,
 * joins fragmented messages (bounded by the session's `maxFrameSize`, then close 1009), runs the
 * close handshake, and, when [ping] is called, pings the peer and drops it when a pong does not
 * come within the pong timeout (reported as a [HeartbeatLostException]).
 *
 * A peer that stops reading (its frames pile up in the bounded outgoing buffer) is closed with
 * 1008 once a frame has waited [sendTimeout] for room, so a slow consumer never holds memory or
 * coroutines for long.
 *
 * A [DefaultWebSocketSession] works too; Ktor then answers pings and closes, and this class only
 * moves frames.
 *
 * @param session the Ktor session; this transport becomes its only reader.
 * @param sendTimeout how long a frame may wait for room in the outgoing buffer; `null` waits forever.
 */
public class KtorTransport @JvmOverloads constructor(
    private val session: WebSocketSession,
    private val sendTimeout: Duration? = null,
) : Transport {
    /** How this side closed the connection, once it has. */
    @Volatile
    private var closedHere: TransportFrame.Closed? = null

    /** Why the connection broke without a close handshake (a lost heartbeat), when it did. */
    @Volatile
    private var brokenHere: TransportFrame.Closed? = null

    /** The end [receive] reported, returned again by every later call. */
    @Volatile
    private var ended: TransportFrame.Closed? = null

    /** Completed when the peer's close frame arrived or the connection ended. */
    private val peerClosed = CompletableDeferred<Unit>()

    /** Completed when [receive] has reported the end. */
    private val endReported = CompletableDeferred<Unit>()

    /** Held by whoever reads the session: [receive], or [close] when nobody else does. */
    private val reading = Mutex()

    /** A pong arrived since the heartbeat last looked. */
    private val pongs = Channel<Unit>(Channel.CONFLATED)

    @Volatile
    private var heartbeat: Job? = null

    /** The parts of a fragmented message so far, and its type; only [receive] touches them. */
    private var partial: ByteArrayOutputStream? = null
    private var partialText = false

    override suspend fun sendText(text: String) {
        send(Frame.Text(text))
    }

    override suspend fun sendBinary(data: ByteArray) {
        send(Frame.Binary(true, data))
    }

    private suspend fun send(frame: Frame) {
        try {
            // the common case: room in the buffer, no timer
            if (session.outgoing.trySend(frame).isSuccess) return
            val limit = sendTimeout
            if (limit == null) {
                session.outgoing.send(frame)
            } else if (withTimeoutOrNull(limit.toMillis()) { session.outgoing.send(frame) } == null) {
                // the peer reads nothing, so a close frame would wait behind the rest: drop the connection
                val reason = "the peer did not read its frames for ${limit.toMillis()} ms"
                abort(TransportFrame.Closed(CloseCodes.POLICY_VIOLATION, reason, byPeer = false))
                throw ConnectionClosedException(CloseCodes.POLICY_VIOLATION, reason)
            }
        } catch (e: ClosedSendChannelException) {
            val end = ended ?: closedHere ?: brokenHere ?: TransportFrame.Closed(CloseCodes.ABNORMAL, "the connection is closed", byPeer = true)
            throw ConnectionClosedException(end.code, end.reason, cause = e)
        }
    }

    override suspend fun receive(): TransportFrame {
        ended?.let { return it }
        reading.lock()
        try {
            return receiveLocked()
        } finally {
            reading.unlock()
        }
    }

    private suspend fun receiveLocked(): TransportFrame {
        while (true) {
            ended?.let { return it }
            val result = session.incoming.receiveCatching()
            val frame = result.getOrNull() ?: return end(lost(result.exceptionOrNull()))
            when (frame) {
                is Frame.Text, is Frame.Binary -> message(frame)?.let { return it }
                is Frame.Ping -> session.outgoing.trySend(Frame.Pong(frame.data)) // a full buffer: the next ping gets one
                is Frame.Pong -> pongs.trySend(Unit)
                is Frame.Close -> return end(closedByPeer(frame))
            }
        }
    }

    /** A whole message, or `null` while its fragments are still coming. */
    private suspend fun message(frame: Frame): TransportFrame? {
        val text = frame is Frame.Text
        val parts = partial
        if (parts == null && frame.fin) {
            return if (text) TransportFrame.Text(String(frame.data, Charsets.UTF_8)) else TransportFrame.Binary(frame.data)
        }
        val into = parts ?: ByteArrayOutputStream().also {
            partial = it
            partialText = text
        }
        val limit = session.maxFrameSize
        if (into.size().toLong() + frame.data.size > limit) {
            partial = null
            // this is the reader, so the close cannot wait for the peer's answer here
            val closed = TransportFrame.Closed(CloseCodes.MESSAGE_TOO_BIG, "a message of more than $limit bytes (maxFrameSize)", byPeer = false)
            if (closedHere == null) closedHere = closed
            session.outgoing.trySend(Frame.Close(CloseReason(closed.code.toShort(), closed.reason)))
            session.outgoing.close()
            peerClosed.complete(Unit)
            return end(closedHere!!)
        }
        into.write(frame.data)
        if (!frame.fin) return null
        partial = null
        val data = into.toByteArray()
        return if (partialText) TransportFrame.Text(String(data, Charsets.UTF_8)) else TransportFrame.Binary(data)
    }

    /** The peer's close frame: answer it (unless this side closed first) and end the connection. */
    private suspend fun closedByPeer(frame: Frame.Close): TransportFrame.Closed {
        val reason = frame.readReason()
        val code = reason?.code?.toInt() ?: NO_STATUS
        closedHere?.let { mine ->
            peerClosed.complete(Unit)
            return mine
        }
        // echo the code, as RFC 6455 asks; a peer that reads nothing does not hold this side up
        withTimeoutOrNull(CLOSE_SEND_WAIT_MS) {
            // 1005 means "no status" and is never sent: an empty close frame answers an empty one
            val answer = if (reason == null) Frame.Close() else Frame.Close(CloseReason(code.toShort(), ""))
            runCatching { session.outgoing.send(answer) }
        }
        session.outgoing.close()
        peerClosed.complete(Unit)
        return TransportFrame.Closed(code, reason?.message ?: "", byPeer = true)
    }

    /** The incoming frames ended without a close frame: say why, as precisely as is known. */
    private suspend fun lost(cause: Throwable?): TransportFrame.Closed {
        peerClosed.complete(Unit)
        closedHere?.let { return it }
        brokenHere?.let { return it }
        when (cause) {
            // Ktor's reader has already sent the close frame with this code
            is FrameTooBigException -> return TransportFrame.Closed(CloseCodes.MESSAGE_TOO_BIG, cause.message ?: "frame too big", byPeer = false, cause = cause)
            is ProtocolViolationException -> return TransportFrame.Closed(CloseCodes.PROTOCOL_ERROR, cause.message ?: "protocol violation", byPeer = false, cause = cause)
        }
        if (session is DefaultWebSocketSession) {
            val reason = try {
                withTimeoutOrNull(CLOSE_REASON_WAIT_MS) { session.closeReason.await() }
            } catch (e: CancellationException) {
                throw e
            } catch (_: Exception) {
                null
            }
            if (reason != null) return TransportFrame.Closed(reason.code.toInt(), reason.message, byPeer = true)
        }
        val realCause = cause?.takeUnless { it is ClosedReceiveChannelException || it is ClosedSendChannelException || it is CancellationException }
        return TransportFrame.Closed(CloseCodes.ABNORMAL, realCause?.message ?: "", byPeer = true, cause = realCause)
    }

    private fun end(closed: TransportFrame.Closed): TransportFrame.Closed {
        ended = closed
        endReported.complete(Unit)
        return closed
    }

    override suspend fun close(code: Int, reason: String) {
        if (closedHere != null || ended != null) return
        closedHere = TransportFrame.Closed(code, reason, byPeer = false)
        heartbeat?.cancel()
        try {
            // A peer that reads nothing never makes room for the close frame: then drop the connection.
            // Wait for the peer's close too: whoever tears the socket down next (a connector closing its
            // own client) must not cut the close frame off, or the peer would see 1006 instead of ours.
            val done = withTimeoutOrNull(CLOSE_SEND_WAIT_MS) {
                session.outgoing.send(Frame.Close(CloseReason(code.toShort(), reason)))
                if (reading.tryLock()) {
                    // nobody reads the session (a rejection before serving): read until the peer's close
                    try {
                        while (!peerClosed.isCompleted) {
                            val frame = session.incoming.receiveCatching().getOrNull()
                            if (frame == null || frame is Frame.Close) peerClosed.complete(Unit)
                        }
                    } finally {
                        reading.unlock()
                    }
                } else {
                    peerClosed.await()
                }
            }
            session.outgoing.close()
            if (done == null) session.cancel()
        } catch (e: CancellationException) {
            session.cancel()
            throw e
        } catch (_: Exception) {
            // already closed: nothing to send
        }
    }

    /**
     * Pings the peer every [interval] from now on (replacing an earlier heartbeat), and drops the
     * connection when a pong has not come within [pongTimeout] of a ping; the drop is reported as a
     * [HeartbeatLostException] closing with 1006.
     */
    public fun ping(interval: Duration, pongTimeout: Duration) {
        require(!interval.isNegative && !interval.isZero) { "the ping interval must be positive, was $interval" }
        require(!pongTimeout.isNegative && !pongTimeout.isZero) { "the pong timeout must be positive, was $pongTimeout" }
        if (session is DefaultWebSocketSession) {
            session.timeoutMillis = pongTimeout.toMillis()
            session.pingIntervalMillis = interval.toMillis()
            return
        }
        heartbeat?.cancel()
        heartbeat = session.launch(CoroutineName("wsgrid-heartbeat")) {
            var n = 0L
            while (ended == null && closedHere == null) {
                delay(interval.toMillis())
                pongs.tryReceive()
                val payload = (++n).toString().toByteArray()
                if (!session.outgoing.trySend(Frame.Ping(payload)).isSuccess) continue // the send timeout deals with a full buffer
                if (withTimeoutOrNull(pongTimeout.toMillis()) { pongs.receive() } == null) {
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
    private suspend fun abort(why: TransportFrame.Closed) {
        if (why.byPeer) {
            if (brokenHere == null) brokenHere = why
        } else if (closedHere == null) {
            closedHere = why
        }
        session.outgoing.close()
        session.incoming.cancel()
        withContext(NonCancellable) {
            withTimeoutOrNull(ABORT_WAIT_MS) { endReported.await() }
        }
        session.cancel()
    }

    private companion object {
        /** RFC 6455's code for a close frame without a status. */
        const val NO_STATUS = 1005

        const val CLOSE_REASON_WAIT_MS = 5_000L

        /** How long an abort waits for the reader to report the end before cutting the session. */
        const val ABORT_WAIT_MS = 1_000L

        /** How long a close frame may wait for room, and then for the peer's close, before the connection is dropped. */
        const val CLOSE_SEND_WAIT_MS = 5_000L
    }
}
