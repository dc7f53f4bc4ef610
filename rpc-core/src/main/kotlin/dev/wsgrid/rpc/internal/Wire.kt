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

/** What one received text frame turned out to be. */
internal sealed class Parsed {
    class Call(val function: InvokeFunction) : Parsed()
    class Return(val result: InvokeReturn) : Parsed()

    /** A call whose uid could be read but whose rest is broken: answered with an error. */
    class BadCall(val uid: Long, val error: InvalidMessageException) : Parsed()
}

/** TGrid's frames, read and written exactly as tgrid 1.x does. */
internal object Wire {
    private const val EXCERPT = 200

    /**
     * The uid of every notification (one-way call): 2^53 - 1, the largest integer a JavaScript peer
     * holds exactly, and one a caller's own counter never reaches.
     */
    const val NOTIFICATION_UID: Long = 9_007_199_254_740_991L

    /** Frames nested deeper than this are refused before parsing: no parser recursion is spent on them. */
    const val MAX_DEPTH: Int = 512

    fun excerpt(text: String): String = if (text.length <= EXCERPT) text else text.substring(0, EXCERPT) + "…"

    private fun invalid(why: String, text: String, uid: Long? = null, cause: Throwable? = null) =
        InvalidMessageException("invalid invoke: $why", excerpt(text), uid, cause)

    /** Parses one text frame; throws [InvalidMessageException] for frames that cannot be answered. */
    fun parse(text: String): Parsed {
        if (depthExceeds(text, MAX_DEPTH)) {
            val why = "JSON nested deeper than $MAX_DEPTH levels"
            // a call whose uid can be read is answered, so its caller does not wait forever
            val uid = callUidOf(text) ?: throw invalid(why, text)
            return Parsed.BadCall(uid, invalid(why, text, uid))
        }
        val element = try {
            Json.parseToJsonElement(text)
        } catch (e: SerializationException) {
            throw invalid("not JSON (${e.message?.lineSequence()?.firstOrNull()})", text, cause = e)
        }
        val obj = element as? JsonObject ?: throw invalid("a JSON object was expected, got ${kindOf(element)}", text)
        val uidElement = obj["uid"] ?: throw invalid("no 'uid'", text)
        val uid = (uidElement as? JsonPrimitive)?.takeIf { !it.isString }?.content?.toLongOrNull()
            ?.takeIf { it > 0 }
            ?: throw invalid("'uid' must be a positive integer, got ${excerpt(uidElement.toString())}", text)
        val listener = obj["listener"]
        if (listener != null) {
            val name = (listener as? JsonPrimitive)?.takeIf { it.isString }?.content
                ?: return Parsed.BadCall(uid, invalid("'listener' must be a string", text, uid))
            val params = obj["parameters"] as? JsonArray
                ?: return Parsed.BadCall(uid, invalid("'parameters' must be an array", text, uid))
            val list = ArrayList<InvokeParameter>(params.size)
            for ((i, p) in params.withIndex()) {
                val po = p as? JsonObject
                    ?: return Parsed.BadCall(uid, invalid("parameter ${i + 1} must be an object {type, value}", text, uid))
                val type = (po["type"] as? JsonPrimitive)?.takeIf { it.isString }?.content ?: "undefined"
                list.add(InvokeParameter(type, po["value"] ?: JsonNull))
            }
            return Parsed.Call(InvokeFunction(uid, name, list))
        }
        val success = (obj["success"] as? JsonPrimitive)?.takeIf { !it.isString }?.content
        return when (success) {
            "true" -> Parsed.Return(InvokeReturn(uid, true, obj["value"]))
            "false" -> Parsed.Return(InvokeReturn(uid, false, obj["value"]))
            else -> throw invalid("neither a call (a string 'listener') nor a return (a boolean 'success')", text, uid)
        }
    }

    private fun kindOf(e: JsonElement): String = when (e) {
        is JsonArray -> "an array"
        JsonNull -> "null"
        is JsonPrimitive -> if (e.isString) "a string" else "the literal ${excerpt(e.content).take(40)}"
        is JsonObject -> "an object"
    }

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

    /** A call frame from arguments already encoded as JSON text. */
    fun call(uid: Long, quotedListener: String, encoded: Array<String>): String {
        val sb = StringBuilder(48 + quotedListener.length + encoded.sumOf { it.length + 28 })
        sb.append("{\"uid\":").append(uid).append(",\"listener\":").append(quotedListener).append(",\"parameters\":[")
        for (i in encoded.indices) {
            if (i > 0) sb.append(',')
            sb.append("{\"type\":\"").append(typeOf(encoded[i])).append("\",\"value\":").append(encoded[i]).append('}')
        }
        return sb.append("]}").toString()
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
