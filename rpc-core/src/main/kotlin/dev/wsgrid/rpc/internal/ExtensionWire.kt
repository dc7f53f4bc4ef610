package dev.wsgrid.rpc.internal

import dev.wsgrid.rpc.InvalidMessageException
import kotlinx.serialization.SerializationException
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive

/**
 * One extension frame: `{"wsgrid": kind, "uid"|"sid": id, ...}`. See `docs/guide/extensions.md`.
 *
 * [onCall] tells which table [id] belongs to: `true` for `uid` (a call's uid, chosen by the
 * caller), `false` for `sid` (a stream argument's id, chosen by the side that sends the argument).
 */
internal class ExtensionFrame(
    val kind: String,
    val onCall: Boolean,
    val id: Long,
    val n: Long,
    val value: JsonElement?,
    /** The items of a batched `next`. */
    val values: JsonArray?,
)

/** wsgrid's extension frames, sent only on connections that agreed on [dev.wsgrid.rpc.WireProtocol.WSGRID_V1]. */
internal object ExtensionWire {
    /** What every extension frame starts with, so the receive loop tells them from TGrid's frames cheaply. */
    const val PREFIX: String = "{\"wsgrid\":"

    /** The server's answer to the header on a wsgrid connection, instead of TGrid's `1`. */
    const val ACCEPT: String = dev.wsgrid.rpc.Handshake.EXTENSION_ACCEPT

    const val CANCEL = "cancel"
    const val REQUEST = "request"
    const val NEXT = "next"
    const val COMPLETE = "complete"
    const val ERROR = "error"

    /** The key of the JSON object that stands for a stream argument: `{"wsgrid.stream": sid}`. */
    const val STREAM_ARGUMENT = "wsgrid.stream"

    fun isExtension(text: String): Boolean = text.startsWith(PREFIX)

    private fun key(onCall: Boolean) = if (onCall) "uid" else "sid"

    fun cancel(onCall: Boolean, id: Long): String = "{\"wsgrid\":\"cancel\",\"${key(onCall)}\":$id}"

    fun request(onCall: Boolean, id: Long, n: Long): String = "{\"wsgrid\":\"request\",\"${key(onCall)}\":$id,\"n\":$n}"

    fun next(onCall: Boolean, id: Long, encodedValue: String): String {
        val sb = StringBuilder(40 + encodedValue.length)
        return sb.append("{\"wsgrid\":\"next\",\"").append(key(onCall)).append("\":").append(id)
            .append(",\"value\":").append(encodedValue).append('}').toString()
    }

    /** Several items in one frame: `{"wsgrid":"next","uid":N,"values":[...]}`. */
    fun nextBatch(onCall: Boolean, id: Long, encodedValues: List<String>, chars: Int): String {
        val sb = StringBuilder(40 + chars + encodedValues.size)
        sb.append("{\"wsgrid\":\"next\",\"").append(key(onCall)).append("\":").append(id).append(",\"values\":[")
        for (i in encodedValues.indices) {
            if (i > 0) sb.append(',')
            sb.append(encodedValues[i])
        }
        return sb.append("]}").toString()
    }

    fun complete(onCall: Boolean, id: Long): String = "{\"wsgrid\":\"complete\",\"${key(onCall)}\":$id}"

    fun error(onCall: Boolean, id: Long, encodedError: String): String =
        "{\"wsgrid\":\"error\",\"${key(onCall)}\":$id,\"value\":$encodedError}"

    fun streamArgument(sid: Long): String = "{\"$STREAM_ARGUMENT\":$sid}"

    /** The sid of a stream argument's placeholder, or `null` when [json] is none. */
    fun streamArgumentId(json: JsonElement): Long? =
        ((json as? JsonObject)?.get(STREAM_ARGUMENT) as? JsonPrimitive)?.takeIf { !it.isString }?.content?.toLongOrNull()

    fun parse(text: String): ExtensionFrame {
        if (Wire.depthExceeds(text, Wire.MAX_DEPTH)) throw invalid("JSON nested deeper than ${Wire.MAX_DEPTH} levels", text)
        val obj = try {
            Json.parseToJsonElement(text) as? JsonObject
        } catch (e: SerializationException) {
            throw invalid("not JSON", text, e)
        } ?: throw invalid("a JSON object was expected", text)
        val kind = (obj["wsgrid"] as? JsonPrimitive)?.takeIf { it.isString }?.content
            ?: throw invalid("'wsgrid' must be a string", text)
        val uid = obj["uid"]
        val onCall = uid != null
        val id = ((uid ?: obj["sid"]) as? JsonPrimitive)?.takeIf { !it.isString }?.content?.toLongOrNull()?.takeIf { it > 0 }
            ?: throw invalid("a positive integer 'uid' or 'sid' was expected", text)
        val n = if (kind == REQUEST) {
            (obj["n"] as? JsonPrimitive)?.takeIf { !it.isString }?.content?.toLongOrNull()?.takeIf { it > 0 }
                ?: throw invalid("'n' must be a positive integer", text)
        } else {
            0
        }
        val values = obj["values"]?.let {
            it as? JsonArray ?: throw invalid("'values' must be an array", text)
        }
        return ExtensionFrame(kind, onCall, id, n, obj["value"], values)
    }

    private fun invalid(why: String, text: String, cause: Throwable? = null) =
        InvalidMessageException("invalid extension frame: $why", Wire.excerpt(text), null, cause)
}
