package dev.wsgrid.ktor.server.netty

import dev.wsgrid.rpc.internal.WarningLimiter
import io.netty.channel.Channel
import io.netty.channel.ChannelHandler
import io.netty.channel.ChannelHandlerContext
import io.netty.channel.ChannelInboundHandlerAdapter
import io.netty.util.AttributeKey
import io.netty.util.concurrent.ScheduledFuture
import org.slf4j.LoggerFactory
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger

/**
 * The standalone server's first look at every socket, on its server channel before Netty
 * initialises anything for it: it counts open sockets from the accept, and gives each one
 * [upgradeTimeoutMs] to complete its WebSocket upgrade.
 *
 * Up to [maxConnections] sockets are served. The next [OVER_LIMIT_GRACE] are let through only to
 * be refused with a close a client can read (1013, `too many connections`) within one second;
 * beyond those, a socket is closed at once, before TLS or HTTP state is built for it.
 */
@ChannelHandler.Sharable
internal class AcceptGuard(private val maxConnections: Int, private val upgradeTimeoutMs: Long) : ChannelInboundHandlerAdapter() {
    /** Sockets open now, from accept to close. */
    val open = AtomicInteger()

    override fun channelRead(ctx: ChannelHandlerContext, msg: Any) {
        val child = msg as Channel
        val n = open.incrementAndGet()
        if (n > maxConnections + OVER_LIMIT_GRACE) {
            open.decrementAndGet()
            WarningLimiter.PEER_INPUT.warn(log, "refused a connection from {}: {} sockets open (maxConnections {})", child.remoteAddress(), n - 1, maxConnections)
            child.unsafe().closeForcibly()
            return
        }
        child.closeFuture().addListener { open.decrementAndGet() }
        val over = n > maxConnections
        if (over) child.attr(OVER_LIMIT).set(true)
        child.pipeline().addFirst(DEADLINE, UpgradeDeadline(if (over) minOf(upgradeTimeoutMs, 1_000) else upgradeTimeoutMs))
        ctx.fireChannelRead(child)
    }

    companion object {
        const val DEADLINE = "wsgrid-upgrade-deadline"

        /** Sockets over the limit that still get a readable refusal. */
        const val OVER_LIMIT_GRACE = 64

        /** Set on a socket accepted over the limit: its upgrade is answered with a refusal. */
        val OVER_LIMIT: AttributeKey<Boolean> = AttributeKey.valueOf("wsgrid.overLimit")

        private val log = LoggerFactory.getLogger(AcceptGuard::class.java)
    }
}

/**
 * Closes a socket whose WebSocket upgrade has not completed within [ms] of its accept: a total
 * deadline, not an idle timer, so a client dribbling a byte now and then is cut all the same. The
 * upgrade removes it (and its timer) with Ktor's HTTP handlers. Loop-owned.
 */
internal class UpgradeDeadline(private val ms: Long) : ChannelInboundHandlerAdapter() {
    private var timer: ScheduledFuture<*>? = null

    override fun handlerAdded(ctx: ChannelHandlerContext) {
        if (ctx.channel().isRegistered) arm(ctx)
    }

    override fun channelRegistered(ctx: ChannelHandlerContext) {
        arm(ctx)
        ctx.fireChannelRegistered()
    }

    private fun arm(ctx: ChannelHandlerContext) {
        if (timer != null) return
        timer = ctx.executor().schedule({
            log.debug("closed {}: no complete WebSocket upgrade within {} ms", ctx.channel().remoteAddress(), ms)
            ctx.close()
        }, ms, TimeUnit.MILLISECONDS)
    }

    override fun handlerRemoved(ctx: ChannelHandlerContext) {
        timer?.cancel(false)
    }

    private companion object {
        val log = LoggerFactory.getLogger(UpgradeDeadline::class.java)
    }
}
