package dev.wsgrid.java.internal

import com.fasterxml.jackson.databind.DeserializationFeature
import com.fasterxml.jackson.databind.JavaType
import com.fasterxml.jackson.databind.ObjectMapper
import com.fasterxml.jackson.databind.SerializationFeature
import com.fasterxml.jackson.databind.json.JsonMapper
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule
import com.fasterxml.jackson.module.paramnames.ParameterNamesModule
import dev.wsgrid.rpc.Codec
import dev.wsgrid.rpc.ValueAdapter
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonPrimitive
import java.lang.reflect.Type
import java.util.concurrent.ConcurrentHashMap

/**
 * Not API. The Java facade's [Codec]: Jackson for records, POJOs, enums, collections, `Optional`,
 * `java.time` and byte arrays, with the same JSON shapes the Kotlin codec gives (dates as
 * ISO-8601 strings, as TGrid sends them).
 */
internal class JacksonCodec(private val mapper: ObjectMapper) : Codec {
    private val adapters = ConcurrentHashMap<Type, ValueAdapter>()

    override fun adapter(type: Type): ValueAdapter = adapters.getOrPut(type) {
        val javaType = mapper.typeFactory.constructType(type)
        Adapter(mapper, javaType)
    }

    private class Adapter(private val mapper: ObjectMapper, private val type: JavaType) : ValueAdapter {
        private val writer = mapper.writerFor(type)
        private val reader = mapper.readerFor(type)
        private val raw = type.rawClass

        override fun encode(value: Any?): String = writer.writeValueAsString(value)

        override fun toJson(value: Any?): JsonElement = Json.parseToJsonElement(encode(value))

        override fun fromJson(json: JsonElement): Any? {
            // the common scalar cases without a round trip through text
            if (json is JsonPrimitive && json !is JsonNull) {
                when (raw) {
                    java.lang.String::class.java -> if (json.isString) return json.content
                    java.lang.Double::class.java, java.lang.Double.TYPE -> if (!json.isString) json.content.toDoubleOrNull()?.let { return it }
                    java.lang.Integer::class.java, java.lang.Integer.TYPE -> if (!json.isString) json.content.toIntOrNull()?.let { return it }
                    java.lang.Long::class.java, java.lang.Long.TYPE -> if (!json.isString) json.content.toLongOrNull()?.let { return it }
                    java.lang.Boolean::class.java, java.lang.Boolean.TYPE -> if (!json.isString) json.content.toBooleanStrictOrNull()?.let { return it }
                }
            }
            return reader.readValue<Any?>(json.toString())
        }
    }

    /** Defaults and factories. */
    public companion object {
        /** The mapper the facade uses unless given one: Java 8 types, `java.time` as ISO strings, lenient on unknown properties. */
        @JvmStatic
        public fun defaultMapper(): ObjectMapper = JsonMapper.builder()
            .addModule(Jdk8Module())
            .addModule(JavaTimeModule())
            .addModule(ParameterNamesModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build()
    }
}
