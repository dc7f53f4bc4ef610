package dev.wsgrid.rpc.internal

import dev.wsgrid.rpc.InvalidMessageException
import dev.wsgrid.rpc.InvokeParameter
import dev.wsgrid.rpc.ValueAdapter
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull

/**
 * How a call's stream and binary values leave and arrive: through the session's extensions.
 * [Arguments] asks for them and knows nothing else of the connection.
 */
internal interface ValuePlaceholders {
    /** Offers [stream] as argument [index] of [listener]; returns the placeholder JSON to send. */
    fun offerStream(f: BoundFunction, index: Int, stream: Any?, listener: String): String

    /** The stream argument [index] of [listener] whose placeholder is [json]. */
    fun receiveStream(f: BoundFunction, index: Int, json: JsonElement, listener: String): Any
}

/**
 * Arguments and results to and from their JSON, for one bound function: from a frame's spans
 * (the common case), or from the trees invoke listeners see. Knows nothing of who calls or
 * answers; owned by no thread (stateless).
 */
internal object Arguments {
    private fun spread(f: BoundFunction, args: Array<out Any?>?): Int {
        val element = f.varargElement ?: return 0
        val spread = args?.get(f.member.fixedArity) ?: return 0
        return java.lang.reflect.Array.getLength(spread)
    }

    private fun argument(f: BoundFunction, args: Array<out Any?>?, i: Int): Any? {
        val fixed = f.member.fixedArity
        return if (i < fixed) args!![i] else java.lang.reflect.Array.get(args!![fixed], i - fixed)
    }

    private fun adapter(f: BoundFunction, i: Int): ValueAdapter = if (i < f.member.fixedArity) f.parameters[i] else f.varargElement!!

    /**
     * The arguments as JSON texts, spread as TGrid sends a variadic call. Stream arguments become
     * placeholders offered through [placeholders] (their ids added to [sids]); binary ones, when
     * [blobs] is given, placeholders of the bytes added to it.
     */
    fun encode(
        f: BoundFunction,
        args: Array<out Any?>?,
        listener: String,
        placeholders: ValuePlaceholders?,
        blobs: MutableList<ByteArray>?,
    ): Array<String> {
        val m = f.member
        return Array(m.fixedArity + spread(f, args)) { i ->
            val arg = argument(f, args, i)
            val binary = if (i < m.fixedArity) m.parameterBinary[i] else null
            val stream = if (i < m.fixedArity) m.parameterStreams[i] else null
            when {
                blobs != null && binary != null && arg != null -> {
                    blobs.add(BinaryPayloads.toBytes(arg, binary))
                    BinaryPayloads.placeholder(blobs.size - 1)
                }
                stream != null -> placeholders?.offerStream(f, i, arg, listener) ?: throw streamNeedsWsgrid(listener, i)
                else -> try {
                    adapter(f, i).encode(arg)
                } catch (e: Exception) {
                    throw IllegalArgumentException("cannot encode argument ${i + 1} of $listener: ${e.message}", e)
                }
            }
        }
    }

    /** The arguments as the trees invoke listeners see and may change; see [encode]. */
    fun toJson(f: BoundFunction, args: Array<out Any?>?, listener: String, placeholders: ValuePlaceholders?): MutableList<InvokeParameter> {
        val m = f.member
        return MutableList(m.fixedArity + spread(f, args)) { i ->
            val json = if (i < m.fixedArity && m.parameterStreams[i] != null) {
                Json.parseToJsonElement(placeholders?.offerStream(f, i, argument(f, args, i), listener) ?: throw streamNeedsWsgrid(listener, i))
            } else {
                try {
                    adapter(f, i).toJson(argument(f, args, i))
                } catch (e: Exception) {
                    throw IllegalArgumentException("cannot encode argument ${i + 1} of $listener: ${e.message}", e)
                }
            }
            InvokeParameter(Wire.typeOf(json), json)
        }
    }

    private fun streamNeedsWsgrid(listener: String, i: Int) = UnsupportedOperationException(
        "cannot call $listener: parameter ${i + 1} is a stream, which needs a wsgrid peer, but this connection " +
            "speaks plain TGrid (the peer did not agree to ${dev.wsgrid.rpc.WireProtocol.SUBPROTOCOL})",
    )

    /** One received value: its text span and its tree, whichever the caller has. */
    private interface Source {
        val count: Int
        fun decode(adapter: ValueAdapter, i: Int): Any?
        fun json(i: Int): JsonElement
        fun isNull(i: Int): Boolean
        fun startsWith(i: Int, prefix: String): Boolean
    }

    private class SpanSource(val env: Envelope) : Source {
        override val count get() = env.parameterCount
        override fun decode(adapter: ValueAdapter, i: Int): Any? =
            if (env.parameterStart(i) < 0) adapter.fromJson(JsonNull) else adapter.decode(env.text, env.parameterStart(i), env.parameterEnd(i))
        override fun json(i: Int) = env.parameterJson(i)
        override fun isNull(i: Int) = env.parameterStart(i) < 0 || env.text.startsWith("null", env.parameterStart(i))
        override fun startsWith(i: Int, prefix: String) = env.parameterStartsWith(i, prefix)
    }

    private class TreeSource(val parameters: List<InvokeParameter>) : Source {
        override val count get() = parameters.size
        override fun decode(adapter: ValueAdapter, i: Int): Any? = adapter.fromJson(parameters[i].value)
        override fun json(i: Int) = parameters[i].value
        override fun isNull(i: Int) = parameters[i].value == JsonNull
        override fun startsWith(i: Int, prefix: String) = parameters[i].value.toString().startsWith(prefix)
    }

    /** The provider's arguments from a frame's spans, with room for a trailing continuation when [f] suspends. */
    fun decode(env: Envelope, f: BoundFunction, placeholders: ValuePlaceholders?, blobs: List<ByteArray>?): Array<Any?> =
        decode(SpanSource(env), f, env.listener!!, placeholders, blobs)

    /** The provider's arguments from the trees invoke listeners saw; see the other overload. */
    fun decode(parameters: List<InvokeParameter>, listener: String, f: BoundFunction, placeholders: ValuePlaceholders?, blobs: List<ByteArray>?): Array<Any?> =
        decode(TreeSource(parameters), f, listener, placeholders, blobs)

    private fun decode(src: Source, f: BoundFunction, listener: String, placeholders: ValuePlaceholders?, blobs: List<ByteArray>?): Array<Any?> {
        val m = f.member
        val fixed = m.fixedArity
        val extra = if (m.style == CallStyle.SUSPEND) 1 else 0
        val args = arrayOfNulls<Any?>(m.parameterTypes.size + extra)
        for (i in 0 until fixed) {
            val stream = m.parameterStreams[i]
            val binary = m.parameterBinary[i]
            args[i] = when {
                stream != null -> placeholders?.receiveStream(f, i, src.json(i), listener) ?: throw IllegalArgumentException(
                    "cannot call $listener: parameter ${i + 1} is a stream, which only a wsgrid peer can send (this connection speaks plain TGrid)",
                )
                binary != null && blobs != null && src.startsWith(i, BinaryPayloads.PREFIX) ->
                    BinaryPayloads.valueOf(src.json(i), blobs, binary, "cannot call $listener: parameter ${i + 1}")
                        ?: one(src, f.parameters[i], i, listener, m, m.parameterNullable[i])
                else -> one(src, f.parameters[i], i, listener, m, m.parameterNullable[i])
            }
        }
        val element = f.varargElement ?: return args
        val count = src.count - fixed
        val array = java.lang.reflect.Array.newInstance(m.varargElementClass!!, count)
        for (j in 0 until count) {
            java.lang.reflect.Array.set(array, j, one(src, element, fixed + j, listener, m, !m.varargElementClass.isPrimitive))
        }
        args[fixed] = array
        return args
    }

    private fun one(src: Source, adapter: ValueAdapter, i: Int, listener: String, m: FunctionMember, nullable: Boolean): Any? {
        val v = try {
            src.decode(adapter, i)
        } catch (e: Exception) {
            // the codec's message may quote the value: a short excerpt at most
            throw IllegalArgumentException("cannot call $listener: parameter ${i + 1} does not fit ${typeName(m, i)}: ${PeerText.cut(e.message ?: "")}", e)
        }
        if (v == null && !nullable) throw IllegalArgumentException("cannot call $listener: parameter ${i + 1} must not be null")
        return v
    }

    private fun typeName(m: FunctionMember, index: Int): String =
        (if (index >= m.fixedArity && m.varargElementType != null) m.varargElementType else m.parameterTypes[index]).typeName

    /** A provider's result as JSON text; `null` for a function that returns nothing (TGrid's `undefined`). */
    fun encodeResult(f: BoundFunction, result: Any?): String? = f.result?.encode(result)

    /** A provider's result as a tree, for invoke listeners. */
    fun resultJson(f: BoundFunction, result: Any?): JsonElement? = f.result?.toJson(result)

    /**
     * The caller's value from a successful return: from [env]'s span, or from [json] when invoke
     * listeners had it as a tree; binary values from [blobs].
     */
    fun decodeResult(f: BoundFunction, listener: String, uid: Long, env: Envelope?, json: JsonElement?, blobs: List<ByteArray>?): Any? {
        val adapter = f.result ?: return if (f.member.style == CallStyle.SUSPEND) Unit else null
        val binary = f.member.resultBinary
        if (binary != null && blobs != null) {
            try {
                BinaryPayloads.valueOf(json ?: env!!.valueJson() ?: JsonNull, blobs, binary, "the return of $listener")?.let { return it }
            } catch (e: IllegalArgumentException) {
                throw InvalidMessageException(e.message ?: "", Wire.excerpt(json?.toString() ?: env!!.valueText()), uid, e)
            }
        }
        val value = try {
            when {
                json != null -> adapter.fromJson(json)
                env != null && env.hasValue -> adapter.decode(env.text, env.valueStartOffset, env.valueEndOffset)
                else -> adapter.fromJson(JsonNull)
            }
        } catch (e: Exception) {
            throw InvalidMessageException(
                "the return of $listener does not fit ${f.member.resultType.typeName}: ${PeerText.cut(e.message ?: "")}",
                Wire.excerpt(json?.toString() ?: env?.valueText() ?: "null"), uid, e,
            )
        }
        if (value == null && !f.member.resultNullable) {
            throw InvalidMessageException(
                "$listener returned null, but ${f.member.where} declares a non-null ${f.member.resultType.typeName}",
                "null", uid,
            )
        }
        return value
    }
}
