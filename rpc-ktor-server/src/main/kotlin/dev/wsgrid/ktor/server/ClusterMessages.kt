package dev.wsgrid.ktor.server

import dev.wsgrid.rpc.CallTimeoutException
import dev.wsgrid.rpc.ConnectionClosedException
import dev.wsgrid.rpc.RemoteException
import dev.wsgrid.rpc.WsgridException
import dev.wsgrid.rpc.internal.RecordedCall
import kotlinx.serialization.KSerializer
import kotlinx.serialization.Serializable
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import java.time.Duration

/**
 * What wsgrid nodes send each other through a [ClusterLink]: one letter for the kind, a JSON
 * header (JSON escapes every line break, so the first one ends it), a line break, and a body (a
 * TGrid frame, or a JSON report).
 *
 * | kind | to | header | body |
 * |---|---|---|---|
 * | `B` broadcast | every node | [BroadcastHeader] | the call as a TGrid notification frame |
 * | `A` broadcast report | the broadcasting node | [ReportHeader] | [Report] |
 * | `F` call frame | the node holding a connection | [FrameHeader] | a TGrid call frame |
 * | `R` return frame | the calling node | [FrameHeader] | a TGrid return frame |
 * | `X` close a tunnel | either end | [CloseHeader] | nothing |
 * | `C` the caller gave a call up | the node holding the connection | [CancelHeader] | nothing |
 */
internal object ClusterMessages {
    const val BROADCAST = 'B'
    const val REPORT = 'A'
    const val CALL_FRAME = 'F'
    const val RETURN_FRAME = 'R'
    const val CLOSE = 'X'
    const val CANCEL = 'C'

    private val json = Json { ignoreUnknownKeys = true; explicitNulls = false; encodeDefaults = false }

    /** One message as read: its kind, its header's JSON text and its body. */
    class Message(val kind: Char, private val text: String, private val split: Int) {
        fun <H> header(serializer: KSerializer<H>): H = json.decodeFromString(serializer, text.substring(1, split))
        val body: String get() = text.substring(split + 1)
    }

    /** Splits [text]; `null` when it is not a wsgrid cluster message. */
    fun read(text: String): Message? {
        val split = text.indexOf('\n')
        if (text.length < 3 || split < 2) return null
        return Message(text[0], text, split)
    }

    private fun <H> write(kind: Char, serializer: KSerializer<H>, header: H, body: String): String {
        val h = json.encodeToString(serializer, header)
        return StringBuilder(h.length + body.length + 2).append(kind).append(h).append('\n').append(body).toString()
    }

    @Serializable
    class BroadcastHeader(val request: String, val origin: String, val room: String? = null, val timeoutMs: Long, val oneWay: Boolean)

    @Serializable
    class ReportHeader(val request: String, val node: String)

    @Serializable
    class Report(val delivered: List<String>, val failed: Map<String, Failure> = emptyMap())

    @Serializable
    class Failure(
        val kind: String,
        val message: String,
        val name: String? = null,
        val listener: String? = null,
        val timeoutMs: Long? = null,
        val code: Int? = null,
        val reason: String? = null,
        val data: JsonElement? = null,
    )

    @Serializable
    class FrameHeader(val tunnel: String, val origin: String? = null, val connection: String? = null)

    @Serializable
    class CloseHeader(val tunnel: String, val code: Int, val reason: String)

    @Serializable
    class CancelHeader(val tunnel: String, val uid: Long)

    fun broadcast(request: String, origin: String, room: String?, timeout: Duration, call: RecordedCall): String =
        write(BROADCAST, BroadcastHeader.serializer(), BroadcastHeader(request, origin, room, timeout.toMillis(), call.oneWay), call.notificationFrame)

    fun report(request: String, node: String, result: BroadcastResult): String =
        write(
            REPORT, ReportHeader.serializer(), ReportHeader(request, node),
            json.encodeToString(Report.serializer(), Report(result.delivered, result.failed.mapValues { failure(it.value) })),
        )

    fun readReport(body: String): Report = json.decodeFromString(Report.serializer(), body)

    fun callFrame(tunnel: String, origin: String, connection: String, frame: String): String =
        write(CALL_FRAME, FrameHeader.serializer(), FrameHeader(tunnel, origin, connection), frame)

    fun returnFrame(tunnel: String, frame: String): String = write(RETURN_FRAME, FrameHeader.serializer(), FrameHeader(tunnel), frame)

    fun close(tunnel: String, code: Int, reason: String): String = write(CLOSE, CloseHeader.serializer(), CloseHeader(tunnel, code, reason), "")

    fun cancel(tunnel: String, uid: Long): String = write(CANCEL, CancelHeader.serializer(), CancelHeader(tunnel, uid), "")

    /** A member's failure as it travels to the broadcasting node. */
    fun failure(e: Throwable): Failure = when (e) {
        is CallTimeoutException -> Failure("timeout", e.message ?: "", listener = e.listener, timeoutMs = e.timeout.toMillis())
        is ConnectionClosedException -> Failure("closed", e.message ?: "", code = e.code, reason = e.reason)
        is RemoteException -> Failure("remote", e.remoteMessage, name = e.name, listener = e.listener, data = e.data)
        else -> Failure("other", e.message ?: e.javaClass.simpleName, name = e.javaClass.simpleName)
    }

    /** The exception a member's [failure] on another node stands for: the same kind, message and details. */
    fun exception(f: Failure, node: String): Throwable = when (f.kind) {
        "timeout" -> CallTimeoutException(f.listener ?: "broadcast", Duration.ofMillis(f.timeoutMs ?: 0))
        "closed" -> ConnectionClosedException(f.code ?: 1006, f.reason ?: "", f.message)
        "remote" -> RemoteException(f.name, f.message, f.data ?: JsonNull, f.listener)
        else -> WsgridException("${f.name ?: "error"} on node $node: ${f.message}")
    }
}
