package dev.wsgrid.rpc.internal

import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.booleanOrNull
import kotlinx.serialization.json.longOrNull

/**
 * JSON as plain Java values, for Java callers that must not meet kotlinx's `JsonElement`: objects
 * as `Map<String, Object>` (in order), arrays as `List<Object>`, strings, `Boolean`, whole numbers
 * as `Long`, other numbers as `Double`, and `null`.
 */
internal object PlainJson {
    fun toPlain(json: JsonElement?): Any? = when (json) {
        null, JsonNull -> null
        is JsonObject -> json.entries.associateTo(LinkedHashMap()) { (k, v) -> k to toPlain(v) }
        is JsonArray -> json.map { toPlain(it) }
        is JsonPrimitive -> when {
            json.isString -> json.content
            else -> json.booleanOrNull ?: json.longOrNull ?: json.content.toDouble()
        }
    }

    fun fromPlain(value: Any?): JsonElement = when (value) {
        null -> JsonNull
        is JsonElement -> value
        is String -> JsonPrimitive(value)
        is Number -> JsonPrimitive(value)
        is Boolean -> JsonPrimitive(value)
        is Map<*, *> -> JsonObject(value.entries.associate { (k, v) -> k.toString() to fromPlain(v) })
        is Iterable<*> -> JsonArray(value.map { fromPlain(it) })
        is Array<*> -> JsonArray(value.map { fromPlain(it) })
        else -> throw IllegalArgumentException("cannot turn a ${value.javaClass.name} into JSON: give a Map, List, String, Number, Boolean or null")
    }
}
