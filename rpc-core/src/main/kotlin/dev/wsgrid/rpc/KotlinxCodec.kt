package dev.wsgrid.rpc

import kotlinx.serialization.KSerializer
import kotlinx.serialization.builtins.nullable
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.serializer
import java.lang.reflect.Type
import java.util.concurrent.ConcurrentHashMap

/**
 * The default [Codec]: kotlinx.serialization JSON. Handles primitives, strings, lists, sets,
 * maps, arrays, enums, `@Serializable` classes and `JsonElement` itself.
 *
 * Values of reference types are decoded as nullable, so a Kotlin parameter declared non-null
 * that receives `null` fails with Kotlin's own message naming the parameter; primitives (`Int`,
 * `Double`, ...) are decoded non-null and reject `null` with a decoding error.
 *
 * @property json the [Json] instance; the default ignores unknown keys (TGrid peers often send
 *   more than a class declares) and encodes default values.
 */
public class KotlinxCodec @JvmOverloads constructor(
    public val json: Json = DEFAULT_JSON,
) : Codec {
    private val adapters = ConcurrentHashMap<Type, ValueAdapter>()

    override fun adapter(type: Type): ValueAdapter = adapters.getOrPut(type) { create(type) }

    private fun create(type: Type): ValueAdapter {
        @Suppress("UNCHECKED_CAST")
        val base = try {
            json.serializersModule.serializer(type) as KSerializer<Any>
        } catch (e: Exception) {
            throw IllegalArgumentException("kotlinx.serialization has no serializer for ${type.typeName}: ${e.message}", e)
        }
        val isPrimitive = type is Class<*> && type.isPrimitive
        @Suppress("UNCHECKED_CAST")
        val serializer = if (isPrimitive) base as KSerializer<Any?> else base.nullable
        return Adapter(json, serializer)
    }

    private class Adapter(private val json: Json, private val serializer: KSerializer<Any?>) : ValueAdapter {
        override fun encode(value: Any?): String = json.encodeToString(serializer, value)
        override fun toJson(value: Any?): JsonElement = json.encodeToJsonElement(serializer, value)
        override fun fromJson(json: JsonElement): Any? = this.json.decodeFromJsonElement(serializer, json)
        override fun decode(text: String, start: Int, end: Int): Any? =
            json.decodeFromString(serializer, if (start == 0 && end == text.length) text else text.substring(start, end))
    }

    /** Defaults and factories. */
    public companion object {
        /** The [Json] of the default codec. */
        @JvmField
        public val DEFAULT_JSON: Json = Json {
            ignoreUnknownKeys = true
            encodeDefaults = true
        }

        /** The shared default instance. */
        @JvmField
        public val DEFAULT: KotlinxCodec = KotlinxCodec()
    }
}
