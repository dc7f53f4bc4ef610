package dev.wsgrid.ktor

import dev.wsgrid.rpc.CloseCodes
import dev.wsgrid.rpc.TransportFrame
import io.ktor.websocket.CloseReason
import io.ktor.websocket.DefaultWebSocketSession
import io.ktor.websocket.Frame
import io.ktor.websocket.FrameTooBigException
import io.ktor.websocket.ProtocolViolationException
import io.ktor.websocket.WebSocketSession
import io.ktor.websocket.readReason
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.ClosedReceiveChannelException
import kotlinx.coroutines.channels.ClosedSendChannelException
import kotlinx.coroutines.withTimeoutOrNull
import java.io.ByteArrayOutputStream

/**
 * Reads a Ktor WebSocket session the way a WebSocket endpoint must: it answers pings, joins
 * fragmented messages within the session's `maxFrameSize` (else closes with 1009), answers the
 * peer's close, and tells how the connection ended. Used by the one reader coroutine of a
 * [KtorTransport]; not thread-safe.
 */
internal class KtorFrameReader(private val session: WebSocketSession) {
    /** What [next] found. */
    sealed class Message {
        class Text(val text: String) : Message()
        class Binary(val data: ByteArray) : Message()
        object Pong : Message()
        class End(val closed: TransportFrame.Closed) : Message()
    }

    /** A pong arrived since the heartbeat last looked. */
    val pongs = Channel<Unit>(Channel.CONFLATED)

    /** The parts of a fragmented message so far, and its type. */
    private var partial: ByteArrayOutputStream? = null
    private var partialText = false

    /**
     * The next message; [closedHere] tells how this side closed, when it has (then the peer's close
     * only confirms it).
     */
    suspend fun next(closedHere: () -> TransportFrame.Closed?): Message {
        while (true) {
            val result = session.incoming.receiveCatching()
            val frame = result.getOrNull() ?: return Message.End(lost(result.exceptionOrNull(), closedHere()))
            when (frame) {
                is Frame.Text, is Frame.Binary -> message(frame)?.let { return it }
                is Frame.Ping -> session.outgoing.trySend(Frame.Pong(frame.data)) // a full buffer: the next ping gets one
                is Frame.Pong -> return Message.Pong
                is Frame.Close -> return Message.End(closedByPeer(frame, closedHere()))
            }
        }
    }

    /** A whole message, the end (a message too big), or `null` while its fragments are still coming. */
    private fun message(frame: Frame): Message? {
        val text = frame is Frame.Text
        val parts = partial
        if (parts == null && frame.fin) {
            return if (text) text(frame.data) else Message.Binary(frame.data)
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
            session.outgoing.trySend(Frame.Close(CloseReason(closed.code.toShort(), closed.reason)))
            session.outgoing.close()
            return Message.End(closed)
        }
        into.write(frame.data)
        if (!frame.fin) return null
        partial = null
        val data = into.toByteArray()
        return if (partialText) text(data) else Message.Binary(data)
    }

    /**
     * A text message, or the end when its bytes are not UTF-8: RFC 6455 (8.1) fails such a
     * connection with 1007, as TGrid's `ws` does and wsgrid's Netty path does.
     */
    private fun text(data: ByteArray): Message {
        val decoder = Charsets.UTF_8.newDecoder()
            .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
            .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
        return try {
            Message.Text(decoder.decode(java.nio.ByteBuffer.wrap(data)).toString())
        } catch (_: java.nio.charset.CharacterCodingException) {
            val closed = TransportFrame.Closed(CloseCodes.INVALID_PAYLOAD, "bytes are not UTF-8", byPeer = false)
            session.outgoing.trySend(Frame.Close(CloseReason(closed.code.toShort(), closed.reason)))
            session.outgoing.close()
            Message.End(closed)
        }
    }

    /** The peer's close frame: answer it (unless this side closed first) and end the connection. */
    private suspend fun closedByPeer(frame: Frame.Close, closedHere: TransportFrame.Closed?): TransportFrame.Closed {
        val reason = frame.readReason()
        val code = reason?.code?.toInt() ?: NO_STATUS
        if (closedHere != null) {
            session.outgoing.close()
            return closedHere
        }
        // echo the code, as RFC 6455 asks; a peer that reads nothing does not hold this side up
        withTimeoutOrNull(CLOSE_ECHO_WAIT_MS) {
            // 1005 means "no status" and is never sent: an empty close frame answers an empty one
            val answer = if (reason == null) Frame.Close() else Frame.Close(CloseReason(code.toShort(), ""))
            runCatching { session.outgoing.send(answer) }
        }
        session.outgoing.close()
        return TransportFrame.Closed(code, reason?.message ?: "", byPeer = true)
    }

    /** The incoming frames ended without a close frame: say why, as precisely as is known. */
    private suspend fun lost(cause: Throwable?, closedHere: TransportFrame.Closed?): TransportFrame.Closed {
        closedHere?.let { return it }
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

    private companion object {
        /** RFC 6455's code for a close frame without a status. */
        const val NO_STATUS = 1005

        const val CLOSE_REASON_WAIT_MS = 5_000L

        const val CLOSE_ECHO_WAIT_MS = 5_000L
    }
}
