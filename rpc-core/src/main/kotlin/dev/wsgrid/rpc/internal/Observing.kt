package dev.wsgrid.rpc.internal

import dev.wsgrid.rpc.CallOutcome
import dev.wsgrid.rpc.CallScope
import dev.wsgrid.rpc.CallTimeoutException
import dev.wsgrid.rpc.ConnectionClosedException
import dev.wsgrid.rpc.EventListener
import dev.wsgrid.rpc.RemoteException
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.ThreadContextElement
import org.slf4j.LoggerFactory
import org.slf4j.MDC
import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext

/** Helpers of the session's [EventListener] calls: each is guarded, sized and classified here. */
internal object Observing {
    private val log = LoggerFactory.getLogger(EventListener::class.java)
    private val failures = WarningLimiter()

    /** Whether the SLF4J binding keeps no MDC (slf4j-simple, or none): then wsgrid sets none. */
    val mdcIsNoop: Boolean by lazy { MDC.getMDCAdapter() is org.slf4j.helpers.NOPMDCAdapter }

    /** MDC keys wsgrid sets; see `CommunicatorOptions.mdc`. */
    const val MDC_CONNECTION = "wsgrid.connection"
    const val MDC_REMOTE = "wsgrid.remote"
    const val MDC_LISTENER = "wsgrid.listener"

    /**
     * Runs one hook; a hook that throws is logged and skipped. [description] is read only then: a
     * communicator's description is built each time it is read.
     */
    inline fun fire(description: () -> String, hook: () -> Unit) {
        try {
            hook()
        } catch (e: Throwable) {
            if (e is CancellationException) throw e
            failed(description(), e)
        }
    }

    fun failed(description: String, e: Throwable) {
        failures.warn(log, "{}: an event listener threw; the call goes on: {}", description, e.toString())
    }

    /** How a call of this side that threw [e] ended. */
    fun outcomeOf(e: Throwable, closing: Boolean): CallOutcome = when (e) {
        is RemoteException -> CallOutcome.REMOTE_ERROR
        is CallTimeoutException -> CallOutcome.TIMEOUT
        is ConnectionClosedException -> CallOutcome.CLOSED
        is CancellationException -> if (closing) CallOutcome.CLOSED else CallOutcome.CANCELLED
        else -> CallOutcome.ERROR
    }

    /** The UTF-8 length of [text], without encoding it. */
    fun utf8Size(text: String): Int {
        var n = text.length
        var i = 0
        val len = text.length
        while (i < len) {
            val c = text[i]
            if (c.code >= 0x80) {
                if (c.code < 0x800) {
                    n += 1
                } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(text[i + 1])) {
                    n += 2 // 4 bytes for 2 chars
                    i++
                } else {
                    n += 2
                }
            }
            i++
        }
        return n
    }

    /** Runs [block] with [entries] (key, value, key, value...) in the MDC, restoring it after. */
    inline fun <T> withMdc(entries: Array<String?>?, block: () -> T): T {
        if (entries == null) return block()
        val previous = MDC.getCopyOfContextMap()
        try {
            var i = 0
            while (i < entries.size) {
                val v = entries[i + 1]
                if (v != null) MDC.put(entries[i], v)
                i += 2
            }
            return block()
        } finally {
            if (previous == null) MDC.clear() else MDC.setContextMap(previous)
        }
    }
}

/**
 * Opens an [ObservedCall][dev.wsgrid.rpc.ObservedCall]'s [CallScope] each time the provider's
 * coroutine runs on a thread, and closes it when it leaves.
 */
internal class CallScopeElement(private val scope: CallScope, private val sink: FrameSink) :
    AbstractCoroutineContextElement(Key), ThreadContextElement<AutoCloseable?> {
    companion object Key : CoroutineContext.Key<CallScopeElement>

    override fun updateThreadContext(context: CoroutineContext): AutoCloseable? = try {
        scope.open()
    } catch (e: Throwable) {
        Observing.failed(sink.description, e)
        null
    }

    override fun restoreThreadContext(context: CoroutineContext, oldState: AutoCloseable?) {
        try {
            oldState?.close()
        } catch (e: Throwable) {
            Observing.failed(sink.description, e)
        }
    }
}
