package dev.wsgrid.rpc

import dev.wsgrid.rpc.internal.PlainJson
import kotlinx.serialization.json.JsonElement

/**
 * A call as it travels: `{"uid": 1, "listener": "scientific.sqrt", "parameters": [...]}`.
 *
 * Invoke listeners see it and may replace its [parameters] before it is sent (on the caller)
 * or before the provider runs (on the callee), as TGrid allows.
 *
 * @property uid the caller's id for the call, unique among its pending calls.
 * @property listener the dotted path of the function in the callee's provider.
 * @property parameters the arguments, spread as TGrid sends them.
 */
public class InvokeFunction internal constructor(
    public val uid: Long,
    public val listener: String,
    public val parameters: MutableList<InvokeParameter>,
) {
    override fun toString(): String = "InvokeFunction(uid=$uid, listener=$listener, parameters=$parameters)"
}

/**
 * One argument of an [InvokeFunction].
 *
 * @property type JavaScript's `typeof` of the value (`number`, `string`, `boolean`, `object`,
 *   `undefined`); informative only, receivers do not rely on it.
 * @property value the argument's JSON (from Java: [plainValue]).
 */
public class InvokeParameter internal constructor(
    public var type: String,
    @get:JvmSynthetic @set:JvmSynthetic
    public var value: JsonElement,
) {
    /**
     * [value] as plain Java values (`Map`, `List`, `String`, `Long`, `Double`, `Boolean`, `null`);
     * setting it replaces [value].
     */
    public var plainValue: Any?
        get() = PlainJson.toPlain(value)
        set(plain) { value = PlainJson.fromPlain(plain) }

    override fun toString(): String = "$type:$value"
}

/**
 * A return as it travels: `{"uid": 1, "success": true, "value": 3}`.
 *
 * @property uid the uid of the call it answers.
 * @property success whether the call succeeded; when `false`, [value] is the error.
 * @property value the result or the error; `null` for a function that returns nothing.
 *   Listeners may replace it (from Java: [plainValue]).
 */
public class InvokeReturn internal constructor(
    public val uid: Long,
    public val success: Boolean,
    @get:JvmSynthetic @set:JvmSynthetic
    public var value: JsonElement?,
) {
    /**
     * [value] as plain Java values (`Map`, `List`, `String`, `Long`, `Double`, `Boolean`, `null`);
     * setting it replaces [value].
     */
    public var plainValue: Any?
        get() = PlainJson.toPlain(value)
        set(plain) { value = PlainJson.fromPlain(plain) }

    override fun toString(): String = "InvokeReturn(uid=$uid, success=$success, value=$value)"
}
