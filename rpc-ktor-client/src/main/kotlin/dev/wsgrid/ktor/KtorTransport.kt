package dev.wsgrid.ktor

import dev.wsgrid.rpc.CloseCodes
import dev.wsgrid.rpc.ConnectionClosedException
import dev.wsgrid.rpc.HeartbeatLostException
import dev.wsgrid.rpc.Transport
import dev.wsgrid.rpc.TransportFrame
import io.ktor.websocket.CloseReason
import io.ktor.websocket.DefaultWebSocketSession
import io.ktor.websocket.Frame
import io.ktor.websocket.close
import io.ktor.websocket.readBytes
import io.ktor.websocket.readText
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.cancel
import kotlinx.coroutines.channels.ClosedReceiveChannelException
import kotlinx.coroutines.channels.ClosedSendChannelException
import kotlinx.coroutines.withTimeoutOrNull
import java.time.Duration

/**
 * A wsgrid [Transport] over a Ktor WebSocket session, used by the server's acceptors and by
 * the connector. Ktor answers pings, runs the close handshake and, when [heartbeat] is set,
 * pings the peer and closes a silent one; this class only moves frames and reports the close.
 *
 * A close by Ktor's pinger (no pong within the session's timeout) is reported as a
 * [HeartbeatLostException].
 *
 * A peer that stops reading (its frames pile up in the bounded outgoing buffer) is closed with
 * 1008 once a frame has waited [sendTimeout] for room, so a slow consumer never holds memory or
 * coroutines for long.
 *
 * @param session the Ktor session; this transport becomes its only reader.
 * @param sendTimeout how long a frame may wait for room in the outgoing buffer; `null` waits forever.
 */
public class KtorTransport @JvmOverloads constructor(
    private val session: DefaultWebSocketSession,
    private val sendTimeout: Duration? = null,
) : Transport {
    @Volatile
    private var closedHere: TransportFrame.Closed? = null

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
                abort(CloseCodes.POLICY_VIOLATION, reason)
                throw ConnectionClosedException(CloseCodes.POLICY_VIOLATION, reason)
            }
        } catch (e: ClosedSendChannelException) {
            val end = closeInfo(e)
            throw ConnectionClosedException(end.code, end.reason, cause = e)
        }
    }

    override suspend fun receive(): TransportFrame {
        while (true) {
            val result = session.incoming.receiveCatching()
            val frame = result.getOrNull() ?: return closeInfo(result.exceptionOrNull())
            when (frame) {
                is Frame.Text -> return TransportFrame.Text(frame.readText())
                is Frame.Binary -> return TransportFrame.Binary(frame.readBytes())
                else -> continue // control frames are Ktor's business
            }
        }
    }

    override suspend fun close(code: Int, reason: String) {
        if (closedHere != null) return
        closedHere = TransportFrame.Closed(code, reason, byPeer = false)
        try {
            // a peer that reads nothing never makes room for the close frame: then drop the connection
            // Wait for the peer's close too: whoever tears the socket down next (a connector closing its
            // own client) must not cut the close frame off, or the peer would see 1006 instead of ours.
            withTimeoutOrNull(CLOSE_SEND_WAIT_MS) {
                session.close(CloseReason(code.toShort(), reason))
                session.closeReason.await()
            } ?: session.cancel()
        } catch (e: CancellationException) {
            throw e
        } catch (_: Exception) {
            // already closed: nothing to send
        }
    }

    /** Drops the connection at once, without a close handshake, reporting [code] and [reason] here. */
    private fun abort(code: Int, reason: String) {
        if (closedHere == null) closedHere = TransportFrame.Closed(code, reason, byPeer = false)
        session.cancel()
    }

    /** How the session ended, as the peer (or Ktor, for a lost peer) told it. */
    private suspend fun closeInfo(cause: Throwable?): TransportFrame.Closed {
        closedHere?.let { return it }
        val reason = try {
            withTimeoutOrNull(CLOSE_REASON_WAIT_MS) { session.closeReason.await() }
        } catch (e: CancellationException) {
            throw e
        } catch (_: Exception) {
            null
        }
        val realCause = cause?.takeUnless { it is ClosedReceiveChannelException || it is ClosedSendChannelException }
        if (reason == null) {
            return TransportFrame.Closed(CloseCodes.ABNORMAL, realCause?.message ?: "", byPeer = true, cause = realCause)
        }
        if (reason.message == KTOR_PING_TIMEOUT) {
            val lost = HeartbeatLostException(Duration.ofMillis(session.timeoutMillis))
            return TransportFrame.Closed(CloseCodes.ABNORMAL, lost.message!!, byPeer = true, cause = lost)
        }
        return TransportFrame.Closed(reason.code.toInt(), reason.message, byPeer = true, cause = realCause)
    }

    private companion object {
        const val CLOSE_REASON_WAIT_MS = 5_000L

        /** How long a close frame may wait for room before the connection is dropped instead. */
        const val CLOSE_SEND_WAIT_MS = 5_000L

        /** The reason Ktor's pinger closes a session with when no pong came in time. */
        const val KTOR_PING_TIMEOUT = "Ping timeout"
    }
}
