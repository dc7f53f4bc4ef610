package dev.wsgrid.rpc.internal

import dev.wsgrid.rpc.RemoteException
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put
import java.lang.reflect.InvocationTargetException
import java.lang.reflect.UndeclaredThrowableException
import java.util.concurrent.CompletionException
import java.util.concurrent.ExecutionException

/** Errors to and from TGrid's shape: `{name, message, stack?, ...own properties}`. */
internal object Errors {
    /** The exception a provider really threw, without reflection and future wrappers. */
    fun unwrap(e: Throwable): Throwable {
        var t = e
        while (true) {
            val next = when (t) {
                is InvocationTargetException -> t.targetException
                is UndeclaredThrowableException -> t.undeclaredThrowable
                is CompletionException, is ExecutionException -> t.cause
                else -> null
            } ?: return t
            t = next
        }
    }

    /** An error in TGrid's shape. */
    fun error(name: String, message: String): JsonElement = buildJsonObject {
        put("name", name)
        put("message", message)
    }

    /** What a provider's exception becomes on the wire. */
    fun encode(e: Throwable, exposeStack: Boolean): JsonElement {
        val t = unwrap(e)
        if (t is RemoteException && t.data != JsonNull) return t.data
        val name = (t as? RemoteException)?.name ?: t.javaClass.simpleName.ifEmpty { t.javaClass.name }
        val message = (t as? RemoteException)?.remoteMessage ?: t.message ?: ""
        return buildJsonObject {
            put("name", name)
            put("message", message)
            if (exposeStack) put("stack", t.stackTraceToString())
        }
    }

    /** What a failed return's value becomes for the caller. */
    fun decode(value: JsonElement?, listener: String): RemoteException {
        val v = value ?: JsonNull
        if (v is JsonObject) {
            val name = (v["name"] as? JsonPrimitive)?.takeIf { it.isString }?.content
            val message = (v["message"] as? JsonPrimitive)?.content
            if (name != null || message != null) return RemoteException(name ?: "Error", message ?: "", v, listener)
        }
        val text = if (v is JsonPrimitive && v.isString) v.content else v.toString()
        return RemoteException(null, text, v, listener)
    }
}
