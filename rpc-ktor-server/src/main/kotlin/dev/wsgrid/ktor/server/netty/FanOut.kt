package dev.wsgrid.ktor.server.netty

import io.netty.buffer.ByteBuf
import io.netty.buffer.ByteBufUtil
import io.netty.buffer.ByteBufAllocator
import io.netty.channel.EventLoop

/**
 * One event loop's share of a broadcast: every member on that loop is written to within one task,
 * the frame's text is encoded once (members sending the very same text share its bytes), and each
 * touched channel is flushed once, at the end. Loop-owned; found through [current] while it runs.
 */
internal class FanOut private constructor() {
    private var text: String? = null
    private var bytes: ByteBuf? = null
    private val touched = ArrayList<NettyTransport>()

    /** The bytes of [text], encoded once for the batch; the caller owns the returned duplicate. */
    fun encoded(text: String, alloc: ByteBufAllocator): ByteBuf {
        if (text !== this.text) {
            bytes?.release()
            this.text = text
            bytes = ByteBufUtil.writeUtf8(alloc, text)
        }
        return bytes!!.retainedDuplicate()
    }

    /** [transport] wrote a frame: it is flushed when the batch ends, once. */
    fun touch(transport: NettyTransport) {
        touched.add(transport)
    }

    private fun finish() {
        for (t in touched) t.flushNow()
        touched.clear()
        bytes?.release()
        bytes = null
        text = null
    }

    companion object {
        private val running = ThreadLocal<FanOut?>()

        /** The batch running on this thread, if any. */
        fun current(): FanOut? = running.get()

        /** Runs [block] as one batch on [loop]: at once when on it, else as one task of it. */
        fun on(loop: EventLoop, block: () -> Unit) {
            val task = Runnable {
                val batch = FanOut()
                running.set(batch)
                try {
                    block()
                } finally {
                    running.set(null)
                    batch.finish()
                }
            }
            if (loop.inEventLoop()) task.run() else loop.execute(task)
        }
    }
}
