package dev.wsgrid.rpc.internal

import dev.wsgrid.rpc.InvalidMessageException
import dev.wsgrid.rpc.ValueAdapter
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import java.lang.reflect.Type
import java.nio.ByteBuffer

/** The binary value types a service method may take or return. */
internal enum class BinaryKind {
    /** `ByteArray` / `byte[]`. */
    BYTES,

    /** `java.nio.ByteBuffer`: its remaining bytes, read without moving its position. */
    BUFFER,
    ;

    companion object {
        fun of(t: Type): BinaryKind? = when (t) {
            ByteArray::class.java -> BYTES
            ByteBuffer::class.java -> BUFFER
            else -> null
        }
    }
}

/**
 * Calls and returns with binary values, on wsgrid.v1 connections: one binary WebSocket frame
 * holding the TGrid JSON frame, whose binary values are `{"wsgrid.binary": k}`, followed by the
 * bytes themselves, with no base64 or JSON array between them:
 *
 * ```
 * u32 length of the JSON (big-endian) | JSON text (UTF-8) | for each value k = 0, 1, ...: u32 length | bytes
 * ```
 *
 * On TGrid connections (and while invoke listeners watch the values) they travel as the codec's
 * JSON instead: an array of numbers with kotlinx.serialization, a base64 string with Jackson.
 */
internal object BinaryPayloads {
    const val KEY: String = "wsgrid.binary"

    /** How a binary value's placeholder starts, to spot one in a value's text without parsing it. */
    const val PREFIX: String = "{\"$KEY\":"

    fun placeholder(index: Int): String = "{\"$KEY\":$index}"

    /** The index of the binary value [json] stands for, or `null` when it is a JSON value. */
    fun indexOf(json: JsonElement): Int? =
        ((json as? JsonObject)?.takeIf { it.size == 1 }?.get(KEY) as? JsonPrimitive)?.takeIf { !it.isString }?.content?.toIntOrNull()

    fun toBytes(value: Any, kind: BinaryKind): ByteArray = when (kind) {
        BinaryKind.BYTES -> value as ByteArray
        BinaryKind.BUFFER -> {
            val b = (value as ByteBuffer).duplicate()
            ByteArray(b.remaining()).also { b.get(it) }
        }
    }

    fun fromBytes(bytes: ByteArray, kind: BinaryKind): Any = when (kind) {
        BinaryKind.BYTES -> bytes
        BinaryKind.BUFFER -> ByteBuffer.wrap(bytes)
    }

    /** The binary value [json] stands for, or `null` when [json] is a plain JSON value. */
    fun valueOf(json: JsonElement, blobs: List<ByteArray>, kind: BinaryKind, what: String): Any? {
        val k = indexOf(json) ?: return null
        val bytes = blobs.getOrNull(k)
            ?: throw IllegalArgumentException("$what refers to binary value $k, but the frame carries ${blobs.size}")
        return fromBytes(bytes, kind)
    }

    fun encode(json: String, blobs: List<ByteArray>): ByteArray {
        val text = json.toByteArray(Charsets.UTF_8)
        val out = ByteBuffer.allocate(4 + text.size + blobs.sumOf { 4 + it.size })
        out.putInt(text.size).put(text)
        for (b in blobs) out.putInt(b.size).put(b)
        return out.array()
    }

    /** Splits a binary frame into its JSON frame and its binary values; [InvalidMessageException] when it is not one. */
    fun decode(data: ByteArray): Pair<String, List<ByteArray>> {
        fun invalid(why: String) = InvalidMessageException("invalid binary frame: $why", "<${data.size} bytes>")
        val buf = ByteBuffer.wrap(data)
        if (buf.remaining() < 4) throw invalid("shorter than its 4-byte header")
        val textLength = buf.int
        if (textLength < 0 || textLength > buf.remaining()) throw invalid("a JSON part of $textLength bytes does not fit in the frame")
        val text = String(data, 4, textLength, Charsets.UTF_8)
        buf.position(4 + textLength)
        val blobs = ArrayList<ByteArray>()
        while (buf.hasRemaining()) {
            if (buf.remaining() < 4) throw invalid("a binary value's length is cut off")
            val n = buf.int
            if (n < 0 || n > buf.remaining()) throw invalid("a binary value of $n bytes does not fit in the frame")
            blobs.add(ByteArray(n).also { buf.get(it) })
        }
        return text to blobs
    }
}

/** A `ByteBuffer` as the codec's `ByteArray` JSON, for TGrid peers and codecs that do not know buffers. */
internal class ByteBufferAdapter(private val bytes: ValueAdapter) : ValueAdapter {
    override fun encode(value: Any?): String = bytes.encode(value?.let { BinaryPayloads.toBytes(it, BinaryKind.BUFFER) })
    override fun toJson(value: Any?): JsonElement = bytes.toJson(value?.let { BinaryPayloads.toBytes(it, BinaryKind.BUFFER) })
    override fun fromJson(json: JsonElement): Any? = (bytes.fromJson(json) as ByteArray?)?.let { ByteBuffer.wrap(it) }
    override fun decode(text: String, start: Int, end: Int): Any? = (bytes.decode(text, start, end) as ByteArray?)?.let { ByteBuffer.wrap(it) }
}
