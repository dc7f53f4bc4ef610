package dev.wsgrid.bench

import io.netty.bootstrap.ServerBootstrap
import io.netty.channel.Channel
import io.netty.channel.ChannelHandler
import io.netty.channel.ChannelHandlerContext
import io.netty.channel.ChannelInboundHandlerAdapter
import io.netty.channel.ChannelInitializer
import io.netty.channel.ChannelOption
import io.netty.channel.EventLoopGroup
import io.netty.channel.MultiThreadIoEventLoopGroup
import io.netty.channel.ServerChannel
import io.netty.channel.epoll.Epoll
import io.netty.channel.epoll.EpollIoHandler
import io.netty.channel.epoll.EpollServerSocketChannel
import io.netty.channel.nio.NioIoHandler
import io.netty.channel.socket.SocketChannel
import io.netty.channel.socket.nio.NioServerSocketChannel
import io.netty.handler.codec.http.HttpObjectAggregator
import io.netty.handler.codec.http.HttpServerCodec
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler
import io.netty.util.ReferenceCountUtil
import java.net.InetSocketAddress

/**
 * The JVM's ceiling for a WebSocket echo: Netty alone, no Ktor. Netty's HTTP codec and
 * WebSocketServerProtocolHandler (the RFC 6455 handshake, the version 13 frame codecs, pings and the
 * close handshake), then a handler that writes every data frame back on the event loop and flushes
 * once per read batch, in `channelReadComplete`.
 *
 * It takes the transport Ktor's Netty engine takes on this classpath: epoll when Netty's native
 * library is there, NIO otherwise (ktor-server-netty brings the epoll classes without the native
 * library, so NIO here).
 */
class NettyEchoServer private constructor(private val boss: EventLoopGroup, private val workers: EventLoopGroup, private val channel: Channel) : AutoCloseable {
    val port: Int get() = (channel.localAddress() as InetSocketAddress).port

    override fun close() {
        channel.close().syncUninterruptibly()
        workers.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS)
        boss.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS)
    }

    companion object {
        /** `epoll` or `nio`: what [start] runs on. */
        val transport: String get() = if (Epoll.isAvailable()) "epoll" else "nio"

        /** Listens on 127.0.0.1:[port] (0: a free one); echoes at `/raw` (and any path under it). */
        fun start(port: Int): NettyEchoServer {
            val epoll = Epoll.isAvailable()
            val factory = if (epoll) EpollIoHandler.newFactory() else NioIoHandler.newFactory()
            val boss = MultiThreadIoEventLoopGroup(1, factory)
            val workers = MultiThreadIoEventLoopGroup(factory) // Netty's default: 2 × cores
            val channelType: Class<out ServerChannel> = if (epoll) EpollServerSocketChannel::class.java else NioServerSocketChannel::class.java
            val ws = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/raw")
                .checkStartsWith(true)
                .maxFramePayloadLength(16 * 1024 * 1024)
                .build()
            val channel = ServerBootstrap()
                .group(boss, workers)
                .channel(channelType)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(object : ChannelInitializer<SocketChannel>() {
                    override fun initChannel(ch: SocketChannel) {
                        ch.pipeline().addLast(HttpServerCodec(), HttpObjectAggregator(64 * 1024), WebSocketServerProtocolHandler(ws), Echo)
                    }
                })
                .bind("127.0.0.1", port).syncUninterruptibly().channel()
            return NettyEchoServer(boss, workers, channel)
        }
    }

    /** Writes each text or binary frame back as it is (its buffer goes out again), flushing once per read batch. */
    @ChannelHandler.Sharable
    private object Echo : ChannelInboundHandlerAdapter() {
        override fun channelRead(ctx: ChannelHandlerContext, msg: Any) {
            if (msg is TextWebSocketFrame || msg is BinaryWebSocketFrame) ctx.write(msg, ctx.voidPromise()) else ReferenceCountUtil.release(msg)
        }

        override fun channelReadComplete(ctx: ChannelHandlerContext) {
            ctx.flush()
        }

        override fun exceptionCaught(ctx: ChannelHandlerContext, cause: Throwable) {
            ctx.close()
        }
    }
}
