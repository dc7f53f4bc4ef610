package dev.wsgrid.rpc.internal

import dev.wsgrid.rpc.InvalidMessageException
import dev.wsgrid.rpc.InvokeFunction
import dev.wsgrid.rpc.InvokeParameter
import dev.wsgrid.rpc.InvokeReturn
import kotlinx.serialization.SerializationException
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive

/** TGrid's frames, written exactly as tgrid 1.x writes them; [Envelope] reads them. */
internal object Wire {
    private const val EXCERPT = 200

    /**
     * The uid of every notification (one-way call): 2^53 - 1, the largest integer a JavaScript peer
     * holds exactly, and one a caller's own counter never reaches.
     */
    const val NOTIFICATION_UID: Long = 9_007_199_254_740_991L

    /** Frames nested deeper than this are refused before parsing: no parser recursion is spent on them. */
    const val MAX_DEPTH: Int = Envelope.MAX_DEPTH

    fun excerpt(text: String): String = if (text.length <= EXCERPT) text else text.substring(0, EXCERPT) + "…"

    /**
     * The uid of [text] when it is a call: a top-level object with a string `listener` and a
     * positive integer `uid`, read without parsing what is nested (a frame too deep to parse).
     */
    fun callUidOf(text: String): Long? {
        var depth = 0
        var i = 0
        val n = text.length
        var uid: Long? = null
        var listener = false
        var key: String? = null // the top-level key whose value comes next
        while (i < n) {
            val c = text[i]
            when {
                c == '"' -> {
                    val start = i + 1
                    i = start
                    while (i < n && text[i] != '"') i += if (text[i] == '\\') 2 else 1
                    if (depth == 1) {
                        var j = i + 1
                        while (j < n && text[j].isWhitespace()) j++
                        if (j < n && text[j] == ':') {
                            key = text.substring(start, minOf(i, n))
                            i = j
                        } else {
                            if (key == "listener") listener = true
                            key = null
                        }
                    }
                }
                c == '{' || c == '[' -> {
                    depth++
                    if (depth == 2) key = null
                }
                c == '}' || c == ']' -> depth--
                depth == 1 && key == "uid" && (c == '-' || c.isDigit()) -> {
                    var j = i
                    while (j < n && (text[j].isDigit() || text[j] in "-+.eE")) j++
                    uid = text.substring(i, j).toLongOrNull()?.takeIf { it > 0 }
                    key = null
                    i = j - 1
                }
                depth == 1 && c == ',' -> key = null
            }
            if (uid != null && listener) return uid
            i++
        }
        return null
    }

    /** Whether brackets outside strings nest deeper than [max] in [text]. */
    fun depthExceeds(text: String, max: Int): Boolean {
        var depth = 0
        var inString = false
        var i = 0
        val n = text.length
        while (i < n) {
            val c = text[i]
            if (inString) {
                if (c == '\\') i++ else if (c == '"') inString = false
            } else {
                when (c) {
                    '"' -> inString = true
                    '[', '{' -> if (++depth > max) return true
                    ']', '}' -> depth--
                }
            }
            i++
        }
        return false
    }

    /** JavaScript's `typeof` of the value whose JSON text is [json]. */
    fun typeOf(json: String): String = when (json.firstOrNull()) {
        '"' -> "string"
        't', 'f' -> "boolean"
        'n', '{', '[' -> "object"
        null -> "undefined"
        else -> "number"
    }

    /** JavaScript's `typeof` of [value]. */
    fun typeOf(value: JsonElement): String = when (value) {
        is JsonObject, is JsonArray, JsonNull -> "object"
        is JsonPrimitive -> when {
            value.isString -> "string"
            value.content == "true" || value.content == "false" -> "boolean"
            else -> "number"
        }
    }

    /** `"plus"` → `"\"plus\""`, once per driver method. */
    fun quote(text: String): String = JsonPrimitive(text).toString()

    /**
     * A call frame from arguments already encoded as JSON text; [trace], a caller's trace context,
     * goes in wsgrid's own key after TGrid's (only ever sent to a wsgrid peer).
     */
    fun call(uid: Long, quotedListener: String, encoded: Array<String>, trace: String? = null): String {
        var size = 48 + quotedListener.length
        for (e in encoded) size += e.length + 28
        val sb = StringBuilder(size)
        sb.append("{\"uid\":").append(uid).append(",\"listener\":").append(quotedListener).append(",\"parameters\":[")
        for (i in encoded.indices) {
            if (i > 0) sb.append(',')
            sb.append("{\"type\":\"").append(typeOf(encoded[i])).append("\",\"value\":").append(encoded[i]).append('}')
        }
        sb.append(']')
        if (trace != null) sb.append(",\"").append(Envelope.TRACE_KEY).append("\":").append(quote(trace))
        return sb.append('}').toString()
    }

    /** A return frame; a `null` [encodedValue] leaves out `value`, as TGrid does for `undefined`. */
    fun ret(uid: Long, success: Boolean, encodedValue: String?): String {
        val sb = StringBuilder(40 + (encodedValue?.length ?: 0))
        sb.append("{\"uid\":").append(uid).append(",\"success\":").append(success)
        if (encodedValue != null) sb.append(",\"value\":").append(encodedValue)
        return sb.append('}').toString()
    }

    fun format(f: InvokeFunction): String =
        call(f.uid, quote(f.listener), Array(f.parameters.size) { f.parameters[it].value.toString() })

    fun format(r: InvokeReturn): String = ret(r.uid, r.success, r.value?.toString())
}
