package dev.wsgrid.ktor.server.netty

import io.netty.channel.EventLoop
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import java.util.concurrent.RejectedExecutionException
import kotlin.coroutines.CoroutineContext

/**
 * Runs a connection's coroutines on its Netty event loop: inline when already on the loop (no
 * task, no wake-up), as one task of the loop otherwise. A loop shutting down hands the task to
 * [Dispatchers.Default], so a coroutine can still see its cancellation.
 *
 * Inline resumption stacks frames: code on a loop must not resume its own coroutines back and
 * forth without end within one call stack (wsgrid's never does: a return resumes its caller once).
 */
internal class EventLoopDispatcher(val loop: EventLoop) : CoroutineDispatcher() {
    override fun isDispatchNeeded(context: CoroutineContext): Boolean = !loop.inEventLoop()

    override fun dispatch(context: CoroutineContext, block: Runnable) {
        try {
            loop.execute(block)
        } catch (_: RejectedExecutionException) {
            Dispatchers.Default.dispatch(context, block)
        }
    }

    override fun toString(): String = "EventLoopDispatcher($loop)"
}
