package dev.wsgrid.rpc.internal

import dev.wsgrid.rpc.InvalidMessageException
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull

/**
 * One received TGrid frame, read in a single pass over its text (see [parse]): the envelope's
 * fields, and where each value lies in the text, so the codec decodes values straight into their
 * declared types from their spans, with no JSON tree in between.
 */
internal class Envelope private constructor(
    val text: String,
    val uid: Long,
    /** The function path of a call; `null` for a return. */
    val listener: String?,
    /** A return's outcome. */
    val success: Boolean,
    /** Start and end offsets of each parameter's value, two per parameter; -1 for a missing value. */
    private val spans: IntArray,
    val parameterCount: Int,
    private val valueStart: Int,
    private val valueEnd: Int,
    /** The caller's trace context (`traceparent`), sent between wsgrid peers only. */
    val trace: String?,
) {
    val isCall: Boolean get() = listener != null

    fun parameterStart(i: Int): Int = spans[2 * i]

    fun parameterEnd(i: Int): Int = spans[2 * i + 1]

    /** The JSON text of parameter [i] (`null` when it had no value). */
    fun parameterText(i: Int): String = if (spans[2 * i] < 0) "null" else text.substring(spans[2 * i], spans[2 * i + 1])

    /** Whether parameter [i]'s value begins with [prefix] (a placeholder such as `{"wsgrid.stream":`). */
    fun parameterStartsWith(i: Int, prefix: String): Boolean = spans[2 * i] >= 0 && text.startsWith(prefix, spans[2 * i])

    fun parameterJson(i: Int): JsonElement = if (spans[2 * i] < 0) JsonNull else Json.parseToJsonElement(parameterText(i))

    /** Whether the return carried a `value`. */
    val hasValue: Boolean get() = valueStart >= 0

    val valueStartOffset: Int get() = valueStart
    val valueEndOffset: Int get() = valueEnd

    /** The return's value as JSON text (`null` when it had none). */
    fun valueText(): String = if (valueStart < 0) "null" else text.substring(valueStart, valueEnd)

    /** The return's value as a tree, for errors and invoke listeners; `null` when it had none. */
    fun valueJson(): JsonElement? = if (valueStart < 0) null else Json.parseToJsonElement(valueText())

    companion object {
        /** Frames nested deeper than this are refused; no parser recursion is ever spent on them. */
        const val MAX_DEPTH: Int = 512

        /** The key that carries a wsgrid caller's trace context in its call frames (wsgrid.v1 only). */
        const val TRACE_KEY: String = "wsgrid.trace"

        private fun invalid(why: String, text: String, uid: Long? = null, cause: Throwable? = null) =
            InvalidMessageException("invalid invoke: $why", Wire.excerpt(text), uid, cause)

        /**
         * Reads one text frame in one pass, checking its syntax and depth as it goes.
         *
         * @return the envelope, or a [Parsed.BadCall] for a call whose uid could be read but whose
         *   rest is broken (it is answered with an error).
         * @throws InvalidMessageException for frames that cannot be answered.
         */
        fun parse(text: String): Any {
            val s = JsonScanner(text, MAX_DEPTH)
            var uid: Long? = null
            var uidText: String? = null
            var listener: String? = null
            var listenerBad = false
            var hasListener = false
            var success: Boolean? = null
            var spans: IntArray? = null
            var count = 0
            var paramsBad: String? = null
            var valueStart = -1
            var valueEnd = -1
            var trace: String? = null
            try {
                s.skipWhitespace()
                if (s.peek() != '{') throw invalid("a JSON object was expected, got ${kindAt(s)}", text)
                s.expect('{')
                var first = true
                while (true) {
                    val key = s.nextKey(first) ?: break
                    first = false
                    when (key) {
                        "uid" -> {
                            val start = s.pos
                            val v = s.readLong()
                            if (v != null && v > 0) {
                                uid = v
                            } else {
                                if (v == null) s.skipValue(1)
                                uidText = text.substring(start, s.pos)
                            }
                        }
                        "listener" -> {
                            hasListener = true
                            if (s.peek() == '"') listener = s.readString() else {
                                listenerBad = true
                                s.skipValue(1)
                            }
                        }
                        "parameters" -> {
                            if (s.peek() != '[') {
                                paramsBad = "'parameters' must be an array"
                                s.skipValue(1)
                            } else {
                                s.expect('[')
                                var out = IntArray(8)
                                var n = 0
                                s.skipWhitespace()
                                if (!s.take(']')) {
                                    while (true) {
                                        s.skipWhitespace()
                                        if (2 * n + 2 > out.size) out = out.copyOf(out.size * 2)
                                        out[2 * n] = -1
                                        out[2 * n + 1] = -1
                                        if (s.peek() == '{') {
                                            s.expect('{')
                                            var firstKey = true
                                            while (true) {
                                                val k = s.nextKey(firstKey) ?: break
                                                firstKey = false
                                                if (k == "value") {
                                                    out[2 * n] = s.pos
                                                    s.skipValue(3)
                                                    out[2 * n + 1] = s.pos
                                                } else {
                                                    s.skipValue(3)
                                                }
                                            }
                                        } else {
                                            if (paramsBad == null) paramsBad = "parameter ${n + 1} must be an object {type, value}"
                                            s.skipValue(2)
                                        }
                                        n++
                                        s.skipWhitespace()
                                        if (s.take(']')) break
                                        s.expect(',')
                                    }
                                }
                                spans = out
                                count = n
                            }
                        }
                        "success" -> success = s.readBoolean() ?: run {
                            s.skipValue(1)
                            null
                        }
                        "value" -> {
                            valueStart = s.pos
                            s.skipValue(1)
                            valueEnd = s.pos
                        }
                        TRACE_KEY -> if (s.peek() == '"') trace = s.readString() else s.skipValue(1)
                        else -> s.skipValue(1)
                    }
                }
                s.skipWhitespace()
                if (!s.atEnd()) s.fail("more after the object")
            } catch (e: JsonScanner.TooDeep) {
                val why = "JSON nested deeper than $MAX_DEPTH levels"
                // a call whose uid can be read is answered, so its caller does not wait forever
                val callUid = uid?.takeIf { hasListener } ?: Wire.callUidOf(text) ?: throw invalid(why, text)
                return Parsed.BadCall(callUid, invalid(why, text, callUid))
            } catch (e: JsonScanner.SyntaxError) {
                throw invalid("not JSON (${e.why} at offset ${e.offset})", text)
            }
            val id = uid ?: throw invalid(
                if (uidText == null) "no 'uid'" else "'uid' must be a positive integer, got ${Wire.excerpt(uidText)}", text,
            )
            if (hasListener) {
                if (listenerBad) return Parsed.BadCall(id, invalid("'listener' must be a string", text, id))
                paramsBad?.let { return Parsed.BadCall(id, invalid(it, text, id)) }
                val p = spans ?: return Parsed.BadCall(id, invalid("'parameters' must be an array", text, id))
                return Envelope(text, id, listener, false, p, count, -1, -1, trace)
            }
            val ok = success ?: throw invalid("neither a call (a string 'listener') nor a return (a boolean 'success')", text, id)
            return Envelope(text, id, null, ok, NO_SPANS, 0, valueStart, valueEnd, null)
        }

        private val NO_SPANS = IntArray(0)

        private fun kindAt(s: JsonScanner): String = when (s.peek()) {
            '[' -> "an array"
            '"' -> "a string"
            '\u0000' -> "nothing"
            else -> "the literal ${s.text.trim().take(40)}"
        }
    }
}

/** What one received text frame turned out to be when it could not be read as an [Envelope]. */
internal sealed class Parsed {
    /** A call whose uid could be read but whose rest is broken: answered with an error. */
    class BadCall(val uid: Long, val error: InvalidMessageException) : Parsed()
}
