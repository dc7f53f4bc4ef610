package dev.wsgrid.rpc

import dev.wsgrid.rpc.internal.Wire
import kotlinx.serialization.SerializationException
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject

/**
 * TGrid's handshake, for any transport: the client's first frame is `{"header": H}`, and a
 * server that accepts answers with the text frame `1`; one that rejects closes instead.
 */
public object Handshake {
    /** The text frame a server sends to accept a client. */
    public const val ACCEPT: String = "1"

    /**
     * The text frame a wsgrid server sends instead of [ACCEPT] to a client that offered the
     * [WireProtocol.SUBPROTOCOL]: both sides then speak [WireProtocol.WSGRID_V1]. A TGrid client
     * never offers it, so never receives this frame.
     */
    public const val EXTENSION_ACCEPT: String = "{\"wsgrid\":\"accept\",\"version\":1}"

    /** The client's first frame for a header already encoded as JSON text. */
    @JvmStatic
    public fun headerFrame(headerJson: String): String = "{\"header\":$headerJson}"

    /**
     * Reads the client's first frame and returns its header.
     *
     * @throws InvalidMessageException when [frame] is not a JSON object with a `header` key.
     */
    @JvmStatic
    public fun parseHeader(frame: String): JsonElement {
        if (Wire.depthExceeds(frame, Wire.MAX_DEPTH)) {
            throw InvalidMessageException("the header is nested deeper than ${Wire.MAX_DEPTH} levels", Wire.excerpt(frame))
        }
        val element = try {
            Json.parseToJsonElement(frame)
        } catch (e: SerializationException) {
            throw InvalidMessageException("the first frame is not JSON: a {\"header\": ...} object was expected", Wire.excerpt(frame), cause = e)
        }
        val obj = element as? JsonObject
            ?: throw InvalidMessageException("the first frame is not a {\"header\": ...} object", Wire.excerpt(frame))
        // TGrid always sends the key, even for a null header: a frame without it is no header at all
        return obj["header"] ?: throw InvalidMessageException("the first frame has no \"header\": a {\"header\": ...} object was expected", Wire.excerpt(frame))
    }
}
