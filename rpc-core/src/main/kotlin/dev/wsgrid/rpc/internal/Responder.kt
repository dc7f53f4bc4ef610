package dev.wsgrid.rpc.internal

import dev.wsgrid.rpc.CallOutcome
import dev.wsgrid.rpc.CallSide
import dev.wsgrid.rpc.EventListener
import dev.wsgrid.rpc.InvalidMessageException
import dev.wsgrid.rpc.ObservedCall
import dev.wsgrid.rpc.LimitExceededException
import dev.wsgrid.rpc.RemoteException
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.future.await
import kotlinx.coroutines.launch
import kotlinx.coroutines.runInterruptible
import kotlinx.coroutines.slf4j.MDCContext
import org.slf4j.LoggerFactory
import org.slf4j.MDC
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext
import java.lang.reflect.InvocationTargetException
import java.util.concurrent.CompletionStage
import java.util.concurrent.atomic.AtomicInteger
import kotlin.coroutines.intrinsics.suspendCoroutineUninterceptedOrReturn

/**
 * The remote side's calls on one connection: it finds each call's function in the provider,
 * runs it where its kind says (inline on the connection's thread until it suspends, or on the
 * blocking pool), and sends its return or error.
 *
 * [onCall] runs on the receiving thread; a call's coroutine then runs where it was started and
 * resumed; [running] counts calls from their arrival until their return is queued.
 */
internal class Responder(
    private val sink: FrameSink,
    private val host: SessionHost,
    private val extensions: Extensions?,
) {
    private val running = AtomicInteger()

    val runningCount: Int get() = running.get()

    /** Whether this call is watched: by an event listener, or by a DEBUG log. Read once per call. */
    private fun tracking(): Boolean = sink.events !== EventListener.NONE || log.isDebugEnabled

    private fun serveStarted(listener: String, env: Envelope, oneWay: Boolean): ObservedCall {
        // only a wsgrid peer's trace context is read: a TGrid connection's frames have no such key
        val c = ObservedCall(sink.communicator, listener, CallSide.SERVED, oneWay, if (extensions != null) env.trace else null)
        val events = sink.events
        if (events !== EventListener.NONE) Observing.fire({ sink.description }) { events.serveStarted(c) }
        return c
    }

    private fun serveFinished(c: ObservedCall, outcome: CallOutcome) {
        val nanos = System.nanoTime() - c.startNanos
        val events = sink.events
        if (events !== EventListener.NONE) Observing.fire({ sink.description }) { events.serveFinished(c, outcome, nanos) }
        if (log.isDebugEnabled) log.debug("{}: served {}: {} in {} µs", sink.description, c.listener, outcome.tag, nanos / 1000)
    }

    /** A call arrived. */
    fun onCall(env: Envelope, blobs: List<ByteArray>?) {
        val listener = env.listener!!
        val max = sink.options.maxConcurrentCalls
        if (running.incrementAndGet() > max) {
            running.decrementAndGet()
            sink.limitExceeded("maxConcurrentCalls")
            val e = LimitExceededException(
                "maxConcurrentCalls", max.toLong(),
                "refused to call ${PeerText.name(listener)}: $max calls of this connection are already running (maxConcurrentCalls)",
            )
            sendError(env.uid, e, null)
            return
        }
        val tracked = tracking()
        val target = try {
            host.providerBinding?.resolve(listener, env.parameterCount)
                ?: throw RemoteException("IllegalStateException", "cannot call ${PeerText.name(listener)}: this side has no provider", listener = PeerText.name(listener))
        } catch (e: Exception) {
            running.decrementAndGet()
            // a name the peer chose is never reported: it did not resolve to a declared member
            if (tracked) serveFinished(serveStarted(ObservedCall.UNKNOWN, env, false), CallOutcome.REMOTE_ERROR)
            sendError(env.uid, e, null)
            return
        }
        val f = target.function
        if (f.member.resultStream != null) {
            stream(env, target, blobs)
            return
        }
        val c = if (tracked) serveStarted(listener, env, f.member.oneWay) else null
        val received = try {
            host.observer.received(env, f, extensions?.placeholders(null), blobs)
        } catch (e: Exception) {
            running.decrementAndGet()
            if (c != null) serveFinished(c, CallOutcome.REMOTE_ERROR)
            sendError(env.uid, e, null)
            return
        }
        val job = launch(target, listener, c) {
            var outcome = CallOutcome.CANCELLED
            try {
                outcome = execute(env.uid, listener, target, received, c)
            } catch (e: CancellationException) {
                if (sink.closing != null) outcome = CallOutcome.CLOSED
                throw e
            } finally {
                running.decrementAndGet()
                if (c != null) serveFinished(c, outcome)
            }
        }
        extensions?.track(env.uid, job)
    }

    /** Whether [target] runs as a plain blocking call on the pool (its MDC and scope are set around it, not per resumption). */
    private fun blocking(target: Target): Boolean = !target.inline && target.function.member.style == CallStyle.BLOCKING

    /** What a call's coroutine carries: the MDC of the call (unless off) and the listener's scope. */
    private fun callContext(target: Target, listener: String, c: ObservedCall?): CoroutineContext {
        if (blocking(target)) return EmptyCoroutineContext
        var context: CoroutineContext = EmptyCoroutineContext
        val mdc = sink.mdc
        if (mdc != null) context += MDCContext(mdcMap(mdc, listener))
        val scope = c?.scope
        if (scope != null) context += CallScopeElement(scope, sink)
        return context
    }

    /** The MDC of each function's calls on this connection, made once: only resolved (declared) paths come here. */
    private val mdcMaps = java.util.concurrent.ConcurrentHashMap<String, Map<String, String>>()

    private fun mdcMap(entries: Array<String?>, listener: String): Map<String, String> =
        mdcMaps[listener] ?: mdcMaps.computeIfAbsent(listener) { newMdcMap(entries, it) }

    private fun newMdcMap(entries: Array<String?>, listener: String): Map<String, String> {
        val map = HashMap<String, String>(8)
        var i = 0
        while (i < entries.size) {
            entries[i + 1]?.let { map[entries[i]!!] = it }
            i += 2
        }
        map[Observing.MDC_LISTENER] = listener
        return map
    }

    /**
     * Starts a call's coroutine: on this thread until it suspends when the function runs inline,
     * else dispatched to the blocking pool, even when this thread belongs to that pool too, so
     * the receiving thread goes back to its frames at once.
     */
    private fun launch(target: Target, listener: String?, c: ObservedCall?, block: suspend kotlinx.coroutines.CoroutineScope.() -> Unit): kotlinx.coroutines.Job {
        val context = if (listener == null) EmptyCoroutineContext else callContext(target, listener, c)
        return if (target.inline) {
            sink.scope.launch(context, start = CoroutineStart.UNDISPATCHED, block = block)
        } else {
            sink.scope.launch(sink.options.blockingDispatcher + context, block = block)
        }
    }

    /** A call whose uid could be read but which is broken: answered with [error]. */
    fun refuse(uid: Long, error: InvalidMessageException) {
        sink.sendQuietly(Wire.ret(uid, false, Errors.error("InvalidMessageException", error.message ?: "").toString()))
    }

    /** Runs the call and sends its return; answers how it ended. */
    private suspend fun execute(uid: Long, listener: String, target: Target, received: InvokeObserver.Received, c: ObservedCall?): CallOutcome {
        val f = target.function
        val result = try {
            if (blocking(target) && (sink.mdc != null || c?.scope != null)) invokeBlockingInContext(target, received.arguments, listener, c) else invoke(target, received.arguments)
        } catch (e: CancellationException) {
            throw e
        } catch (e: Throwable) {
            sendError(uid, e, received)
            return CallOutcome.REMOTE_ERROR
        }
        val binary = f.member.resultBinary
        if (binary != null && result != null && extensions != null && received.function == null) {
            val frame = BinaryPayloads.encode(Wire.ret(uid, true, BinaryPayloads.placeholder(0)), listOf(BinaryPayloads.toBytes(result, binary)))
            try {
                sink.sendBinary(frame)
            } catch (e: dev.wsgrid.rpc.ConnectionClosedException) {
                log.debug("{}: a return was not sent: {}", sink.description, e.message)
                return CallOutcome.CLOSED
            }
            return CallOutcome.SUCCESS
        }
        val text = try {
            host.observer.returnFrame(uid, f, result, received)
        } catch (e: Exception) {
            sendError(uid, IllegalStateException("cannot encode the result of $listener: ${e.message}", e), received)
            return CallOutcome.ERROR
        }
        sink.sendQuietly(text)
        return CallOutcome.SUCCESS
    }

    /** A blocking function on the pool, with the call's MDC and the listener's scope around it on its thread. */
    private suspend fun invokeBlockingInContext(target: Target, args: Array<Any?>, listener: String, c: ObservedCall?): Any? = runInterruptible {
        val scope = c?.scope?.let { s ->
            try {
                s.open()
            } catch (e: Throwable) {
                Observing.failed(sink.description, e)
                null
            }
        }
        try {
            val mdc = sink.mdc
            if (mdc == null) {
                call(target.receiver, target.function.member, args)
            } else {
                Observing.withMdc(mdc) {
                    MDC.put(Observing.MDC_LISTENER, listener)
                    call(target.receiver, target.function.member, args)
                }
            }
        } finally {
            try {
                scope?.close()
            } catch (e: Throwable) {
                Observing.failed(sink.description, e)
            }
        }
    }

    /** A function that returns a stream: run it, then send its items as the caller requests them. */
    private fun stream(env: Envelope, target: Target, blobs: List<ByteArray>?) {
        val ext = extensions
        if (ext == null) {
            running.decrementAndGet()
            val e = UnsupportedOperationException(
                "cannot call ${env.listener}: it returns a stream, which only a wsgrid peer can receive (this connection speaks plain TGrid)",
            )
            sendError(env.uid, e, null)
            return
        }
        val f = target.function
        val producer = ext.resultProducer(env.uid)
        val job = launch(target, null, null) {
            try {
                val stream = try {
                    invoke(target, Arguments.decode(env, f, ext.placeholders(null), blobs))
                } catch (e: CancellationException) {
                    throw e
                } catch (e: Throwable) {
                    sink.sendQuietly(ExtensionWire.error(true, env.uid, Errors.encode(Errors.unwrap(e), sink.options.exposeStackTraces).toString()))
                    return@launch
                }
                ext.produce(producer, stream, f.member.resultStream!!, f.result, env.listener!!)
            } finally {
                ext.dropResultProducer(env.uid)
                running.decrementAndGet()
            }
        }
        ext.track(env.uid, job)
    }

    /** Runs the function; a call not [Target.inline] is on the blocking pool already (see [launch]). */
    private suspend fun invoke(target: Target, args: Array<Any?>): Any? {
        val m = target.function.member
        // a blocking function may be interrupted when its call is cancelled
        if (!target.inline && m.style == CallStyle.BLOCKING) return runInterruptible { call(target.receiver, m, args) }
        return invokeInline(target.receiver, m, args)
    }

    private suspend fun invokeInline(receiver: Any, m: FunctionMember, args: Array<Any?>): Any? = when (m.style) {
        CallStyle.SUSPEND -> suspendCoroutineUninterceptedOrReturn { cont ->
            args[args.size - 1] = cont
            call(receiver, m, args)
        }
        CallStyle.FUTURE -> (call(receiver, m, args) as CompletionStage<*>? ?: throw IllegalStateException("${m.where} returned null instead of a future")).await()
        CallStyle.BLOCKING -> call(receiver, m, args)
    }

    private fun call(receiver: Any, m: FunctionMember, args: Array<Any?>): Any? = try {
        m.method.invoke(receiver, *args)
    } catch (e: InvocationTargetException) {
        throw e.targetException
    }

    private fun sendError(uid: Long, e: Throwable, received: InvokeObserver.Received?) {
        val json = Errors.encode(e, sink.options.exposeStackTraces)
        sink.sendQuietly(host.observer.errorFrame(uid, received?.function?.listener ?: "", json, received))
    }

    private companion object {
        val log = LoggerFactory.getLogger(Responder::class.java)
    }
}
