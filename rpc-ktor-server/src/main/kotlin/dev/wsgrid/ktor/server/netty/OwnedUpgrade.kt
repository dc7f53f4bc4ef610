package dev.wsgrid.ktor.server.netty

import dev.wsgrid.ktor.OutgoingLimits
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpMethod
import io.ktor.http.HttpStatusCode
import io.ktor.http.content.OutgoingContent
import io.ktor.server.application.ApplicationCall
import io.ktor.server.netty.NettyApplicationCall
import io.ktor.server.response.respond
import io.ktor.server.routing.RoutingCall
import io.ktor.server.routing.RoutingPipelineCall
import io.netty.buffer.ByteBuf
import io.netty.channel.ChannelDuplexHandler
import io.netty.channel.ChannelHandlerContext
import io.netty.channel.ChannelPipeline
import io.netty.channel.ChannelPromise
import io.netty.handler.codec.http.HttpHeaderNames
import io.netty.handler.codec.http.HttpResponse
import io.netty.handler.codec.http.HttpServerCodec
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator
import io.netty.handler.ssl.SslHandler
import kotlinx.coroutines.CompletableDeferred
import java.security.MessageDigest
import java.util.Base64

/**
 * wsgrid's own WebSocket upgrade on Ktor's Netty engine: a `wsgrid` route, having run the
 * application's routing and plugins, answers `101 Switching Protocols` through Ktor, and right
 * after Ktor has written it (on the channel's event loop) takes the channel over: Ktor's HTTP
 * handlers leave the pipeline, Netty's WebSocket codec and a [NettyTransport] take their place,
 * and from then on every frame of the connection is handled on its event loop.
 *
 * It needs the [Gate] in the pipeline, right after Ktor's HTTP codec: the standalone server puts
 * it there, and a Ktor application on Netty does with [installGate] (see `wsgridEventLoops`).
 * Without it, the route serves through Ktor's own WebSocket session instead.
 */
internal object OwnedUpgrade {
    const val GATE = "wsgrid-gate"
    private const val WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /** The Netty call behind a routing call, or `null` on another engine. */
    fun nettyCall(call: ApplicationCall): NettyApplicationCall? = when (call) {
        is NettyApplicationCall -> call
        is RoutingCall -> call.pipelineCall.engineCall as? NettyApplicationCall
        is RoutingPipelineCall -> call.engineCall as? NettyApplicationCall
        else -> null
    }

    /** Whether [call] can be taken over: a Netty call whose pipeline has the [Gate]. */
    fun available(call: ApplicationCall): Boolean = nettyCall(call)?.context?.pipeline()?.get(GATE) != null

    /** Puts the [Gate] right after Ktor's HTTP/1 codec; a no-op for pipelines without one (HTTP/2). */
    fun installGate(pipeline: ChannelPipeline) {
        val codec = pipeline.context(HttpServerCodec::class.java) ?: return
        if (pipeline.get(GATE) == null) pipeline.addAfter(codec.name(), GATE, Gate())
    }

    private object SwitchingProtocols : OutgoingContent.NoContent() {
        override val status: HttpStatusCode get() = HttpStatusCode.SwitchingProtocols
    }

    /**
     * Checks the RFC 6455 handshake of [call] and answers it: with `101` and the channel taken over
     * (the returned transport, not started yet), or with an HTTP error naming what is wrong (then
     * `null`). Call only when [available].
     */
    suspend fun upgrade(call: ApplicationCall, maxFrameSize: Long, limits: OutgoingLimits): NettyTransport? {
        val nc = nettyCall(call)!!
        val h = call.request.headers
        if (call.request.local.method != HttpMethod.Get) {
            call.respond(HttpStatusCode.MethodNotAllowed, "a WebSocket upgrade is a GET request")
            return null
        }
        if (h[HttpHeaders.SecWebSocketVersion] != "13") {
            call.response.headers.append(HttpHeaders.SecWebSocketVersion, "13")
            call.respond(HttpStatusCode.UpgradeRequired, "only WebSocket version 13 is served")
            return null
        }
        val key = h[HttpHeaders.SecWebSocketKey]?.trim()
        if (key == null || runCatching { Base64.getDecoder().decode(key).size }.getOrNull() != 16) {
            call.respond(HttpStatusCode.BadRequest, "Sec-WebSocket-Key must be 16 bytes in base64")
            return null
        }
        val accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1").digest((key + WS_GUID).toByteArray(Charsets.US_ASCII)))
        val channel = nc.context.channel()
        val gateContext = channel.pipeline().context(GATE)!!
        val gate = gateContext.handler() as Gate
        gate.armed = true
        val taken = CompletableDeferred<NettyTransport?>()
        // Ktor's response writer completes this job on the channel's loop right after it wrote the 101
        // and swapped its HTTP codec out: the moment to rewire (earlier, Ktor's own swap would fail)
        nc.responseWriteJob.invokeOnCompletion {
            val takeOver = Runnable {
                taken.complete(
                    if (channel.isActive && nc.response.status() == HttpStatusCode.SwitchingProtocols && channel.pipeline().get(HttpServerCodec::class.java) == null) {
                        NettyTransport(channel, limits).also { gate.takeOver(gateContext, it, maxFrameSize) }
                    } else {
                        null
                    },
                )
            }
            if (channel.eventLoop().inEventLoop()) takeOver.run() else channel.eventLoop().execute(takeOver)
        }
        call.response.headers.append(HttpHeaders.Upgrade, "websocket", safeOnly = false)
        call.response.headers.append(HttpHeaders.Connection, "Upgrade", safeOnly = false)
        call.response.headers.append(HttpHeaders.SecWebSocketAccept, accept, safeOnly = false)
        call.respond(SwitchingProtocols)
        return taken.await() ?: run {
            channel.close()
            null
        }
    }

    /**
     * Sits right after Ktor's HTTP codec. Outbound it strips the `Content-Length: 0` Ktor puts on
     * an empty `101`; inbound, once Ktor has removed its codec, it holds the raw bytes a client sent
     * behind its upgrade request until the WebSocket decoder is in place. Loop-owned.
     */
    class Gate : ChannelDuplexHandler() {
        private val held = ArrayList<ByteBuf>(1)

        /** Set when wsgrid answers this connection's upgrade itself; Ktor's own upgrades pass through. */
        @Volatile
        var armed: Boolean = false

        override fun channelRead(ctx: ChannelHandlerContext, msg: Any) {
            if (armed && msg is ByteBuf) held.add(msg) else ctx.fireChannelRead(msg)
        }

        override fun channelReadComplete(ctx: ChannelHandlerContext) {
            if (held.isEmpty()) ctx.fireChannelReadComplete()
        }

        override fun write(ctx: ChannelHandlerContext, msg: Any, promise: ChannelPromise) {
            if (msg is HttpResponse && msg.status().code() == 101) msg.headers().remove(HttpHeaderNames.CONTENT_LENGTH)
            ctx.write(msg, promise)
        }

        /** Replaces every handler but TLS's and those that keep by the WebSocket codec and [transport]. */
        fun takeOver(ctx: ChannelHandlerContext, transport: NettyTransport, maxFrameSize: Long) {
            val channel = ctx.channel()
            val p = channel.pipeline()
            // reading resumes when the transport starts, so no frame comes before its receiver
            channel.config().isAutoRead = false
            for ((name, handler) in p.toMap()) {
                if (handler === this || handler is SslHandler || handler is KeepOnTakeOver) continue
                p.remove(name)
            }
            val max = maxFrameSize.coerceAtMost(Int.MAX_VALUE.toLong()).toInt()
            val config = WebSocketDecoderConfig.newBuilder()
                .expectMaskedFrames(true)
                .allowExtensions(false)
                .maxFramePayloadLength(max)
                .closeOnProtocolViolation(false)
                .build()
            p.addAfter(GATE, "wsgrid-ws-encoder", WebSocket13FrameEncoder(false))
            p.addAfter("wsgrid-ws-encoder", "wsgrid-ws-decoder", WebSocket13FrameDecoder(config))
            p.addAfter("wsgrid-ws-decoder", "wsgrid-ws-utf8", Utf8FrameValidator(false))
            p.addAfter("wsgrid-ws-utf8", "wsgrid-ws-aggregator", WebSocketFrameAggregator(max))
            p.addAfter("wsgrid-ws-aggregator", "wsgrid-transport", transport)
            if (held.isNotEmpty()) {
                for (b in held) ctx.fireChannelRead(b)
                held.clear()
                ctx.fireChannelReadComplete()
            }
            p.remove(this)
        }

        override fun handlerRemoved(ctx: ChannelHandlerContext) {
            for (b in held) b.release()
            held.clear()
        }
    }

    /** A handler that stays in the pipeline when the channel is taken over (counting, deadlines). */
    interface KeepOnTakeOver
}
