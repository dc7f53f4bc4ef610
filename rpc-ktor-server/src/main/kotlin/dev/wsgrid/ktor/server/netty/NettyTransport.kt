// Over 400 lines on purpose: one Netty handler owns a connection on its event loop (reading,
// writing with the byte-bounded queue, pings, the close handshake); every field here is touched
// by that loop only, and splitting the handler would spread that loop-owned state over classes.

package dev.wsgrid.ktor.server.netty

import dev.wsgrid.ktor.OutgoingLimits
import dev.wsgrid.ktor.WebSocketTransport
import dev.wsgrid.rpc.CloseCodes
import dev.wsgrid.rpc.ConnectionClosedException
import dev.wsgrid.rpc.FrameReceiver
import dev.wsgrid.rpc.HeartbeatLostException
import dev.wsgrid.rpc.TransportFrame
import dev.wsgrid.rpc.internal.PeerText
import dev.wsgrid.rpc.internal.WarningLimiter
import io.netty.buffer.ByteBufUtil
import io.netty.channel.Channel
import io.netty.channel.ChannelHandlerContext
import io.netty.channel.ChannelInboundHandlerAdapter
import io.netty.handler.codec.TooLongFrameException
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame
import io.netty.handler.codec.http.websocketx.WebSocketFrame
import io.netty.util.ReferenceCountUtil
import io.netty.util.concurrent.ScheduledFuture
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.first
import org.slf4j.LoggerFactory
import java.io.IOException
import java.time.Duration
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicLong

/**
 * A wsgrid [WebSocketTransport] that is the last handler of a Netty channel whose WebSocket
 * upgrade wsgrid owns (see [OwnedUpgrade]): frames are read, handed to the receiver and answered
 * on the channel's own event loop, with no other thread in between, and written with one flush
 * per batch of frames read.
 *
 * ## Threads
 * Every field not marked otherwise is owned by the event loop. [sendText] and [sendBinary] from
 * the loop write at once (flushed when the read batch ends, or on the loop's next task); from any
 * other thread they go through [outbox], drained by one task of the loop per batch.
 *
 * ## Slow peers
 * The channel's write buffer water marks are the limits' high-water mark: above it the channel
 * stops reading and [awaitWritable] waits. A peer that leaves it above for the send timeout, or
 * lets the frames waiting reach the limit, is dropped with 1008.
 */
internal class NettyTransport(
    private val channel: Channel,
    private val limits: OutgoingLimits,
) : ChannelInboundHandlerAdapter(), WebSocketTransport {
    private var ctx: ChannelHandlerContext? = null
    private val loop = channel.eventLoop()

    override val dispatcher: EventLoopDispatcher = EventLoopDispatcher(loop)

    private var receiver: FrameReceiver? = null
    private val started = AtomicBoolean()

    /** The end, once reported to the receiver (or waiting for [start] to report it). */
    private var end: TransportFrame.Closed? = null
    private var reported = false

    /** How this side closed, once it started to; read from any thread. */
    @Volatile
    private var closedHere: TransportFrame.Closed? = null

    /** Why this side dropped the connection without a close handshake (heartbeat lost), when it did. */
    @Volatile
    private var brokenHere: TransportFrame.Closed? = null

    /** The peer's close, when it sent one. */
    private var closedByPeer: TransportFrame.Closed? = null

    private var inReadBatch = false
    private var flushPending = false
    private var flushScheduled = false
    private val flushTask = Runnable {
        flushScheduled = false
        if (flushPending) {
            flushPending = false
            channel.flush()
        }
    }

    /** Frames sent from other threads, waiting for the loop; any thread adds, the loop drains. */
    private val outbox = ConcurrentLinkedQueue<WebSocketFrame>()
    private val outboxBytes = AtomicLong()
    private val drainScheduled = AtomicBoolean()
    private val drainTask = Runnable { drain() }

    /** Whether the channel takes more now; senders that can wait watch it. Any thread reads it. */
    private val writable = MutableStateFlow(true)
    private var stallCheck: ScheduledFuture<*>? = null
    private var unwritableSince = 0L

    private var heartbeat: ScheduledFuture<*>? = null
    private var pongDeadline: ScheduledFuture<*>? = null
    private var closeDeadline: ScheduledFuture<*>? = null

    override fun handlerAdded(ctx: ChannelHandlerContext) {
        this.ctx = ctx
        val high = limits.highWater.coerceAtMost(Int.MAX_VALUE.toLong()).toInt()
        channel.config().writeBufferWaterMark = io.netty.channel.WriteBufferWaterMark(high / 2, high)
    }

    // ------------------------------------------------------------------ starting

    /** Frames a read already under way delivered before [start]; replayed to the receiver then. */
    private var early: ArrayList<WebSocketFrame>? = null

    override fun start(receiver: FrameReceiver) {
        check(started.compareAndSet(false, true)) { "the transport was started already" }
        onLoop {
            this.receiver = receiver
            early?.let { frames ->
                early = null
                for (f in frames) channelRead(ctx!!, f)
                channelReadComplete(ctx!!)
            }
            val e = end
            if (e != null) {
                report(e)
            } else {
                channel.config().isAutoRead = true
                channel.read()
            }
        }
    }

    private inline fun onLoop(crossinline action: () -> Unit) {
        if (loop.inEventLoop()) action() else loop.execute { action() }
    }

    // ------------------------------------------------------------------ receiving

    override fun channelRead(ctx: ChannelHandlerContext, msg: Any) {
        inReadBatch = true
        if (msg !is WebSocketFrame) {
            ReferenceCountUtil.release(msg)
            return
        }
        val r = receiver
        if (r == null) {
            // a read requested before the take-over completed: keep the frame for the receiver
            (early ?: ArrayList<WebSocketFrame>(2).also { early = it }).add(msg)
            return
        }
        try {
            when (msg) {
                is TextWebSocketFrame -> {
                    val text = msg.content().toString(Charsets.UTF_8)
                    if (closedHere == null) deliver { r.onText(text) }
                }
                is BinaryWebSocketFrame -> {
                    val data = ByteBufUtil.getBytes(msg.content())
                    if (closedHere == null) deliver { r.onBinary(data) }
                }
                is PingWebSocketFrame -> write(PongWebSocketFrame(msg.content().retain()))
                is PongWebSocketFrame -> {
                    pongDeadline?.cancel(false)
                    pongDeadline = null
                }
                is CloseWebSocketFrame -> onPeerClose(msg.statusCode(), msg.reasonText() ?: "")
                else -> {}
            }
        } finally {
            msg.release()
        }
    }

    private inline fun deliver(action: () -> Unit) {
        try {
            action()
        } catch (e: Exception) {
            log.error("a frame receiver failed", e)
        }
    }

    override fun channelReadComplete(ctx: ChannelHandlerContext) {
        inReadBatch = false
        if (flushPending) {
            flushPending = false
            ctx.flush()
        }
    }

    /** The peer's close: answer it (unless this side closed first) and end the connection. */
    private fun onPeerClose(status: Int, reason: String) {
        val mine = closedHere
        if (mine == null) {
            // RFC 6455: echo the code; -1 (no status) is answered with an empty close frame
            val answer = if (status < 0) CloseWebSocketFrame() else CloseWebSocketFrame(status, "")
            closedByPeer = TransportFrame.Closed(if (status < 0) NO_STATUS else status, reason, byPeer = true)
            channel.writeAndFlush(answer).addListener { channel.close() }
        } else {
            channel.close()
        }
    }

    override fun channelInactive(ctx: ChannelHandlerContext) {
        finish(
            closedByPeer ?: brokenHere ?: closedHere ?: TransportFrame.Closed(CloseCodes.ABNORMAL, "", byPeer = true),
        )
        ctx.fireChannelInactive()
    }

    @Suppress("OVERRIDE_DEPRECATION")
    override fun exceptionCaught(ctx: ChannelHandlerContext, cause: Throwable) {
        when (cause) {
            is CorruptedWebSocketFrameException -> {
                // the decoder skips the rest; the close goes out and the peer, still sending, can read it
                // (closing the socket at once would reset it, and the peer would see 1006 instead)
                val code = cause.closeStatus()?.code() ?: CloseCodes.PROTOCOL_ERROR
                // (the decoder reads nothing more, not even the peer's close: the wait is short)
                closeWaiting(code, PeerText.cut(cause.message ?: "protocol violation", 120), VIOLATION_WAIT_MS)
            }
            is TooLongFrameException -> close(CloseCodes.MESSAGE_TOO_BIG, "a message of more than the frame limit (maxFrameSize)")
            is IOException -> {
                // a peer vanishing is ordinary: no stack, one line at DEBUG
                log.debug("connection {} lost: {}", channel.remoteAddress(), cause.message)
                if (brokenHere == null) brokenHere = TransportFrame.Closed(CloseCodes.ABNORMAL, cause.message ?: "", byPeer = true, cause = cause)
                channel.close()
            }
            else -> {
                WarningLimiter.PEER_INPUT.warn(log, "connection {} failed: {}", channel.remoteAddress(), PeerText.forLog(cause.toString()))
                channel.close()
            }
        }
    }

    /** Reports [closed] to the receiver once, now or when it starts. */
    private fun finish(closed: TransportFrame.Closed) {
        if (end != null) return
        end = closed
        heartbeat?.cancel(false)
        pongDeadline?.cancel(false)
        closeDeadline?.cancel(false)
        stallCheck?.cancel(false)
        dropOutbox()
        early?.forEach { it.release() }
        early = null
        writable.value = true // waiting senders wake and find the connection closed
        if (receiver != null) report(closed)
    }

    private fun report(closed: TransportFrame.Closed) {
        if (reported) return
        reported = true
        deliver { receiver!!.onClosed(closed) }
    }

    // ------------------------------------------------------------------ sending

    private fun closedError(): ConnectionClosedException? {
        val e = closedHere ?: brokenHere ?: (if (!channel.isActive) TransportFrame.Closed(CloseCodes.ABNORMAL, "the connection is closed", byPeer = true) else null)
            ?: return null
        return ConnectionClosedException(e.code, e.reason)
    }

    override fun sendText(text: String) {
        closedError()?.let { throw it }
        // within a broadcast's batch on this loop, the members sending one text share its bytes
        val batch = if (loop.inEventLoop()) FanOut.current() else null
        send(TextWebSocketFrame(batch?.encoded(text, channel.alloc()) ?: ByteBufUtil.writeUtf8(channel.alloc(), text)))
    }

    override fun sendBinary(data: ByteArray) {
        closedError()?.let { throw it }
        send(BinaryWebSocketFrame(channel.alloc().buffer(data.size).writeBytes(data)))
    }

    private fun send(frame: WebSocketFrame) {
        val n = frame.content().readableBytes()
        val waiting = queuedBytes()
        if (waiting > 0 && waiting + n > limits.maxQueued) {
            frame.release()
            val why = "the peer did not read: ${waiting + n} bytes would wait to be sent (maxOutgoingBytes ${limits.maxQueued})"
            drop(TransportFrame.Closed(CloseCodes.POLICY_VIOLATION, why, byPeer = false))
            throw ConnectionClosedException(CloseCodes.POLICY_VIOLATION, why)
        }
        if (loop.inEventLoop()) {
            write(frame)
        } else {
            outboxBytes.addAndGet(n.toLong())
            outbox.add(frame)
            if (drainScheduled.compareAndSet(false, true)) loop.execute(drainTask)
        }
    }

    /** Bytes accepted and not yet written to the socket. */
    private fun queuedBytes(): Long = (channel.unsafe().outboundBuffer()?.totalPendingWriteBytes() ?: 0L) + outboxBytes.get()

    /** Writes [frame] on the loop, flushed when the read batch ends or on the loop's next task. */
    private fun write(frame: WebSocketFrame) {
        val c = ctx
        if (c == null || end != null) {
            frame.release()
            return
        }
        c.write(frame, c.voidPromise())
        if (flushPending) return
        flushPending = true
        if (inReadBatch) return
        val batch = FanOut.current()
        if (batch != null) {
            batch.touch(this)
        } else if (!flushScheduled) {
            flushScheduled = true
            loop.execute(flushTask)
        }
    }

    /** Flushes what was written, now (a broadcast's batch ends). Loop only. */
    fun flushNow() {
        if (flushPending && !inReadBatch) {
            flushPending = false
            channel.flush()
        }
    }

    /** The event loop this connection's frames are handled on. */
    val eventLoop: io.netty.channel.EventLoop get() = loop

    private fun drain() {
        drainScheduled.set(false)
        val c = ctx
        var wrote = false
        while (true) {
            val f = outbox.poll() ?: break
            outboxBytes.addAndGet(-f.content().readableBytes().toLong())
            if (c == null || end != null) {
                f.release()
            } else {
                c.write(f, c.voidPromise())
                wrote = true
            }
        }
        if (wrote) {
            if (inReadBatch) flushPending = true else c!!.flush()
        }
    }

    private fun dropOutbox() {
        while (true) {
            val f = outbox.poll() ?: break
            outboxBytes.addAndGet(-f.content().readableBytes().toLong())
            f.release()
        }
    }

    override fun channelWritabilityChanged(ctx: ChannelHandlerContext) {
        val ok = channel.isWritable
        // a peer that does not read what it is sent gets nothing more read either
        channel.config().isAutoRead = ok && receiver != null
        writable.value = ok
        if (!ok) {
            unwritableSince = System.nanoTime()
            if (stallCheck == null) stallCheck = loop.scheduleAtFixedRate(::checkStall, limits.sendTimeout.toMillis() / 4 + 1, limits.sendTimeout.toMillis() / 4 + 1, TimeUnit.MILLISECONDS)
        } else {
            stallCheck?.cancel(false)
            stallCheck = null
        }
        ctx.fireChannelWritabilityChanged()
    }

    private fun checkStall() {
        if (channel.isWritable || System.nanoTime() - unwritableSince < limits.sendTimeout.toNanos()) return
        val why = "the peer did not read its frames for ${limits.sendTimeout.toMillis()} ms (${queuedBytes()} bytes waiting, sendTimeout)"
        drop(TransportFrame.Closed(CloseCodes.POLICY_VIOLATION, why, byPeer = false))
    }

    override suspend fun awaitWritable() {
        closedError()?.let { throw it }
        if (writable.value) return
        writable.first { it }
        closedError()?.let { throw it }
    }

    // ------------------------------------------------------------------ closing

    override fun close(code: Int, reason: String) {
        closeWaiting(code, reason, CLOSE_WAIT_MS)
    }

    private fun closeWaiting(code: Int, reason: String, waitMs: Long) {
        onLoop {
            if (closedHere == null && end == null) {
                closedHere = TransportFrame.Closed(code, reason, byPeer = false)
                heartbeat?.cancel(false)
                if (!started.get()) channel.config().isAutoRead = true
                // after the frames already queued, as RFC 6455 wants; then the peer's close ends it
                drain()
                channel.writeAndFlush(CloseWebSocketFrame(code, reason))
                closeDeadline = loop.schedule({ channel.close() }, waitMs, TimeUnit.MILLISECONDS)
            }
        }
    }

    /** Drops the connection without a close handshake, reporting [why]. */
    private fun drop(why: TransportFrame.Closed) {
        onLoop {
            if (why.byPeer) {
                if (brokenHere == null) brokenHere = why
            } else if (closedHere == null) {
                closedHere = why
            }
            channel.close()
        }
    }

    override fun ping(interval: Duration, pongTimeout: Duration) {
        require(!interval.isNegative && !interval.isZero) { "the ping interval must be positive, was $interval" }
        require(!pongTimeout.isNegative && !pongTimeout.isZero) { "the pong timeout must be positive, was $pongTimeout" }
        onLoop {
            heartbeat?.cancel(false)
            var n = 0L
            heartbeat = loop.scheduleAtFixedRate({
                if (end != null || closedHere != null) return@scheduleAtFixedRate
                write(PingWebSocketFrame(channel.alloc().buffer().writeBytes((++n).toString().toByteArray())))
                if (pongDeadline == null) {
                    pongDeadline = loop.schedule({
                        val lost = HeartbeatLostException(pongTimeout)
                        drop(TransportFrame.Closed(CloseCodes.ABNORMAL, lost.message!!, byPeer = true, cause = lost))
                    }, pongTimeout.toMillis(), TimeUnit.MILLISECONDS)
                }
            }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS)
        }
    }

    override fun toString(): String = "NettyTransport(${channel.remoteAddress()})"

    private companion object {
        val log = LoggerFactory.getLogger(NettyTransport::class.java)

        /** RFC 6455's code for a close frame without a status. */
        const val NO_STATUS = 1005

        /** How long this side waits for the peer's answer to its close before dropping the connection. */
        const val CLOSE_WAIT_MS = 5_000L

        /** How long a connection that broke the protocol is kept open for its close frame to be read. */
        const val VIOLATION_WAIT_MS = 1_000L
    }
}
