package dev.wsgrid.rpc

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import java.lang.reflect.Type

/**
 * Turns the arguments and results of service methods into JSON and back.
 *
 * The envelope of every frame (`uid`, `listener`, `parameters`, `success`, `value`) is TGrid's
 * and is handled by the communicator; a codec only handles the values inside it, so two peers
 * with different codecs still understand each other as long as their values have the same
 * JSON shape. [KotlinxCodec] is the default; the Java facade adds one for records and POJOs.
 *
 * [adapter] is called once per parameter and return type when a service interface is bound
 * (at `getDriver` or when a provider is set), never per call.
 */
public interface Codec {
    /**
     * Returns the adapter for values of [type] (a `Class`, `ParameterizedType`, ...).
     *
     * @throws IllegalArgumentException when this codec cannot handle [type]; the message says why.
     */
    public fun adapter(type: Type): ValueAdapter
}

/**
 * Converts values of one type to and from JSON. Implementations are immutable and thread-safe.
 */
public interface ValueAdapter {
    /** Encodes [value] as JSON text (`3`, `"text"`, `{"a":1}`). */
    public fun encode(value: Any?): String

    /** Encodes [value] as a JSON tree (used when invoke listeners want to see the value). */
    public fun toJson(value: Any?): JsonElement

    /**
     * Decodes [json] into a value of this adapter's type.
     *
     * @throws Exception of any kind when [json] does not fit the type; the communicator turns it
     *   into an error naming the parameter or the call.
     */
    public fun fromJson(json: JsonElement): Any?

    /**
     * Decodes the JSON value `text[start until end]` into a value of this adapter's type: how the
     * communicator hands over each argument and result as it reads a frame, with no tree in
     * between. The span's syntax and nesting depth were checked already. The default parses the
     * span into a tree for [fromJson]; codecs override it to read the text directly.
     *
     * @throws Exception of any kind when the value does not fit the type.
     */
    public fun decode(text: String, start: Int, end: Int): Any? = fromJson(Json.parseToJsonElement(text.substring(start, end)))
}
