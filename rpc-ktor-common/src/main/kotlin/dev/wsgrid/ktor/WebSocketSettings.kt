package dev.wsgrid.ktor

import dev.wsgrid.rpc.internal.InternalWsgridApi
import io.ktor.websocket.ChannelOverflow
import io.ktor.websocket.WebSocketChannelsConfig
import io.ktor.websocket.WebSocketDeflateExtension
import io.ktor.websocket.WebSocketExtensionsConfig

// The settings wsgrid gives Ktor's WebSockets plugin, the same on the client's and the server's.

/** Agrees to permessage-deflate and compresses frames of at least [threshold] bytes. */
@InternalWsgridApi
public fun WebSocketExtensionsConfig.deflateFrom(threshold: Int) {
    install(WebSocketDeflateExtension) { compressIfBiggerThan(threshold) }
}

/** Bounds both directions of a Ktor session to [frames] frames; a sender waits for room. */
@InternalWsgridApi
public fun WebSocketChannelsConfig.boundTo(frames: Int) {
    incoming = bounded(frames, ChannelOverflow.SUSPEND)
    outgoing = bounded(frames, ChannelOverflow.SUSPEND)
}
