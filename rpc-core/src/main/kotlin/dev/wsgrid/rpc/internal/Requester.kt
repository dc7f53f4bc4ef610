package dev.wsgrid.rpc.internal

import dev.wsgrid.rpc.CallOutcome
import dev.wsgrid.rpc.CallSide
import dev.wsgrid.rpc.CallTimeoutException
import dev.wsgrid.rpc.EventListener
import dev.wsgrid.rpc.ObservedCall
import dev.wsgrid.rpc.ConnectionClosedException
import dev.wsgrid.rpc.InvalidMessageException
import dev.wsgrid.rpc.LimitExceededException
import dev.wsgrid.rpc.TransportFrame
import dev.wsgrid.rpc.WireProtocol
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.onCompletion
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.serialization.json.JsonElement
import java.time.Duration
import java.util.concurrent.ConcurrentHashMap
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException

/**
 * This side's calls on one connection: it sends them, keeps each in the pending table until its
 * return arrives, and hands the return to the waiting caller, who decodes it on its own thread.
 *
 * [pending] is written by callers (any thread) and by the receiving thread ([onReturn],
 * [failAll]); each entry is removed exactly once, by whoever takes it first.
 */
internal class Requester(
    private val sink: FrameSink,
    private val host: SessionHost,
    private val extensions: Extensions?,
) {
    private val pending = ConcurrentHashMap<Long, Pending>()
    private val abandoned = AbandonedUids(1024)

    /**
     * A call waiting for its return. The return may arrive (on the receiving thread) before the
     * caller suspends for it: [state] hands it over either way, exactly once.
     */
    private class Pending(val listener: String, val sent: InvokeObserver.Sent) {
        /** `null` while nothing happened; then the suspended caller, or the outcome that came first. */
        private val state = java.util.concurrent.atomic.AtomicReference<Any?>(null)

        /** Delivers [outcome] (a [Returned] or a Throwable) to the caller. */
        fun complete(outcome: Any) {
            while (true) {
                when (val s = state.get()) {
                    null -> if (state.compareAndSet(null, outcome)) return
                    is CancellableContinuation<*> -> if (state.compareAndSet(s, DONE)) {
                        @Suppress("UNCHECKED_CAST")
                        val cont = s as CancellableContinuation<Returned>
                        if (outcome is Throwable) cont.resumeWithException(outcome) else cont.resume(outcome as Returned)
                        return
                    }
                    else -> return
                }
            }
        }

        suspend fun await(): Returned = suspendCancellableCoroutine { cont ->
            while (true) {
                when (val s = state.get()) {
                    null -> if (state.compareAndSet(null, cont)) return@suspendCancellableCoroutine
                    is Throwable -> {
                        state.set(DONE)
                        cont.resumeWithException(s)
                        return@suspendCancellableCoroutine
                    }
                    is Returned -> {
                        state.set(DONE)
                        cont.resume(s)
                        return@suspendCancellableCoroutine
                    }
                    else -> error("a call awaited twice")
                }
            }
        }

        private companion object {
            val DONE = Any()
        }
    }

    /** A return as the receiving thread hands it over: decoded later, by the caller. */
    private class Returned(val env: Envelope, val json: JsonElement?, val blobs: List<ByteArray>?)

    val pendingCount: Int get() = pending.size

    private fun checkPendingLimit(listener: String) {
        val max = sink.options.maxPendingCalls
        if (pending.size >= max) {
            sink.limitExceeded("maxPendingCalls")
            throw LimitExceededException(
                "maxPendingCalls", max.toLong(),
                "cannot call $listener: $max calls are already waiting for their return on this connection (maxPendingCalls)",
            )
        }
    }

    private fun failIfClosing(listener: String) {
        sink.closing?.let { throw sink.closedError(listener, it) }
    }

    private inline fun <T> sending(listener: String, block: () -> T): T = try {
        block()
    } catch (e: ConnectionClosedException) {
        throw ConnectionClosedException(e.code, e.reason, "cannot call $listener: ${e.message}", e)
    }

    // ------------------------------------------------------------------ observing

    /** Whether this call is watched: by an event listener, or by a DEBUG log. Read once per call. */
    private fun tracking(): Boolean = sink.events !== EventListener.NONE || log.isDebugEnabled

    private fun started(listener: String, oneWay: Boolean): ObservedCall {
        val c = ObservedCall(sink.communicator, listener, CallSide.CALLED, oneWay, null)
        val events = sink.events
        if (events !== EventListener.NONE) Observing.fire({ sink.description }) { events.callStarted(c) }
        return c
    }

    private fun finished(c: ObservedCall, outcome: CallOutcome) {
        val nanos = System.nanoTime() - c.startNanos
        val events = sink.events
        if (events !== EventListener.NONE) Observing.fire({ sink.description }) { events.callFinished(c, outcome, nanos) }
        if (log.isDebugEnabled) Observing.withMdc(sink.mdc) { log.debug("{}: called {}: {} in {} µs", sink.description, c.listener, outcome.tag, nanos / 1000) }
    }

    /** Runs the call [block] between [started] and [finished], which is told how it ended. */
    private inline fun <T> observing(c: ObservedCall, block: () -> T): T {
        var outcome = CallOutcome.SUCCESS
        try {
            return block()
        } catch (e: Throwable) {
            outcome = Observing.outcomeOf(e, sink.closing != null)
            throw e
        } finally {
            finished(c, outcome)
        }
    }

    /** The trace context a call sends: the listener's, and only to a wsgrid peer. */
    private fun traceOf(c: ObservedCall, trace: String?): String? = if (extensions == null) trace else c.traceParent ?: trace

    // ------------------------------------------------------------------ calling

    /** Calls [f] as [listener] and waits for its return, at most [timeout] when one is given. */
    suspend fun call(listener: String, quoted: String, f: BoundFunction, args: Array<out Any?>?, timeout: Duration?, trace: String?): Any? {
        if (f.member.oneWay) return notify(listener, quoted, f, args, trace)
        checkPendingLimit(listener)
        failIfClosing(listener)
        if (!tracking()) return send(listener, quoted, f, args, timeout, trace)
        val c = started(listener, false)
        return observing(c) { send(listener, quoted, f, args, timeout, traceOf(c, trace)) }
    }

    private suspend fun send(listener: String, quoted: String, f: BoundFunction, args: Array<out Any?>?, timeout: Duration?, trace: String?): Any? {
        val uid = sink.nextId()
        val sids = if (f.member.hasStreamParameters) ArrayList<Long>() else null
        val observer = host.observer
        // binary values go as binary frames between wsgrid peers, unless invoke listeners watch the JSON
        val blobs = if (extensions != null && f.member.hasBinaryParameters) ArrayList<ByteArray>() else null
        val sent = observer.callFrame(uid, listener, quoted, f, args, extensions?.placeholders(sids), blobs, trace)
        val entry = Pending(listener, sent)
        try {
            val returned = if (timeout == null) {
                sendAndAwait(uid, entry, blobs)
            } else {
                withTimeoutOrNull(timeout.toMillis().coerceAtLeast(1)) { sendAndAwait(uid, entry, blobs) } ?: throw CallTimeoutException(listener, timeout)
            }
            if (!returned.env.success) throw Errors.decode(returned.json ?: returned.env.valueJson(), listener)
            return Arguments.decodeResult(f, listener, uid, returned.env, returned.json, returned.blobs)
        } finally {
            if (pending.remove(uid) != null) {
                abandoned.add(uid)
                sink.callAbandoned(uid)
                // given up (cancelled, timed out): the remote side stops running it
                extensions?.cancelRemote(uid)
            }
            if (sids != null) extensions?.dropArguments(sids)
        }
    }

    /** Registers [entry], sends its frame (in the order calls were made) and waits for its return. */
    private suspend fun sendAndAwait(uid: Long, entry: Pending, blobs: List<ByteArray>?): Returned {
        pending[uid] = entry
        try {
            // a close that came in between has failed every entry already, or comes after this one is in
            failIfClosing(entry.listener)
            sending(entry.listener) {
                if (blobs.isNullOrEmpty()) sink.sendInOrder(entry.sent.text, null) else sink.sendInOrder(null, BinaryPayloads.encode(entry.sent.text, blobs))
            }
        } catch (e: Throwable) {
            pending.remove(uid) // never sent: nothing to cancel on the other side
            throw e
        }
        return entry.await()
    }

    /**
     * Sends a call recorded once for many connections (a broadcast) and, unless it is one-way,
     * waits for its return, at most [timeout]; its value is not decoded, its failure is thrown.
     */
    suspend fun callRecorded(call: RecordedCall, timeout: Duration?) {
        callRecorded(call, timeout, wantValue = false)
    }

    /**
     * [callRecorded], answering the return's value as JSON text (`null` when it had none) for a
     * call relayed from another node: a binary value (wsgrid.v1) becomes the codec's JSON for it.
     */
    suspend fun callRecordedForValue(call: RecordedCall, timeout: Duration?): String? = callRecorded(call, timeout, wantValue = true)

    private suspend fun callRecorded(call: RecordedCall, timeout: Duration?, wantValue: Boolean): String? {
        val listener = call.listener
        if (call.oneWay) {
            notifyRecorded(call)
            return null
        }
        checkPendingLimit(listener)
        failIfClosing(listener)
        if (!tracking()) return sendRecorded(call, timeout, wantValue)
        return observing(started(listener, false)) { sendRecorded(call, timeout, wantValue) }
    }

    private suspend fun sendRecorded(call: RecordedCall, timeout: Duration?, wantValue: Boolean): String? {
        val listener = call.listener
        val uid = sink.nextId()
        val entry = Pending(listener, host.observer.recordedFrame(uid, call))
        try {
            val returned = if (timeout == null) {
                sendAndAwait(uid, entry, null)
            } else {
                withTimeoutOrNull(timeout.toMillis().coerceAtLeast(1)) { sendAndAwait(uid, entry, null) } ?: throw CallTimeoutException(listener, timeout)
            }
            if (!returned.env.success) throw Errors.decode(returned.json ?: returned.env.valueJson(), listener)
            if (!wantValue) return null
            returned.json?.let { return it.toString() }
            if (!returned.env.hasValue) return null
            val blobs = returned.blobs
            if (!blobs.isNullOrEmpty()) {
                val k = returned.env.valueJson()?.let { BinaryPayloads.indexOf(it) }
                if (k != null && k in blobs.indices) return sink.options.codec.adapter(ByteArray::class.java).encode(blobs[k])
            }
            return returned.env.valueText()
        } finally {
            if (pending.remove(uid) != null) {
                abandoned.add(uid)
                sink.callAbandoned(uid)
                extensions?.cancelRemote(uid)
            }
        }
    }

    /** Queues a recorded one-way call now, waiting for nothing: a peer that does not read is dropped at its queue's limit. */
    fun notifyRecorded(call: RecordedCall) {
        failIfClosing(call.listener)
        if (!tracking()) {
            sending(call.listener) { sink.send(host.observer.recordedFrame(Wire.NOTIFICATION_UID, call).text) }
            return
        }
        observing(started(call.listener, true)) {
            sending(call.listener) { sink.send(host.observer.recordedFrame(Wire.NOTIFICATION_UID, call).text) }
        }
    }

    /**
     * A call of a function that returns a stream: collecting the flow sends the call, and the
     * items arrive as the collector takes them (wsgrid extension).
     */
    fun streamCall(listener: String, quoted: String, f: BoundFunction, args: Array<out Any?>?, trace: String?): Flow<Any?> {
        val ext = extensions ?: throw UnsupportedOperationException(
            "cannot call $listener: it returns a stream, which needs a wsgrid peer, but this connection " +
                "speaks plain TGrid (the peer did not agree to ${WireProtocol.SUBPROTOCOL})",
        )
        checkPendingLimit(listener)
        val uid = sink.nextId()
        val sids = if (f.member.hasStreamParameters) ArrayList<Long>() else null
        val text = Wire.call(uid, quoted, Arguments.encode(f, args, listener, ext.placeholders(sids), null), trace)
        val flow = ext.resultStream(uid, listener, f.result) {
            failIfClosing(listener)
            sending(listener) { sink.sendInOrder(text, null) }
        }
        return if (sids == null) flow else flow.onCompletion { ext.dropArguments(sids) }
    }

    /** Sends a one-way call: nothing is kept for it, and its return (a TGrid peer sends one) is dropped. */
    private suspend fun notify(listener: String, quoted: String, f: BoundFunction, args: Array<out Any?>?, trace: String?): Any? {
        failIfClosing(listener)
        if (!tracking()) return sendNotification(listener, quoted, f, args, trace)
        val c = started(listener, true)
        return observing(c) { sendNotification(listener, quoted, f, args, traceOf(c, trace)) }
    }

    private suspend fun sendNotification(listener: String, quoted: String, f: BoundFunction, args: Array<out Any?>?, trace: String?): Any? {
        val sent = host.observer.callFrame(Wire.NOTIFICATION_UID, listener, quoted, f, args, extensions?.placeholders(null), null, trace)
        sending(listener) { sink.sendInOrder(sent.text, null) }
        return if (f.member.style == CallStyle.SUSPEND) Unit else null
    }

    /** A return arrived (on the receiving thread): the waiting caller takes it. */
    fun onReturn(env: Envelope, blobs: List<ByteArray>?) {
        if (env.uid == Wire.NOTIFICATION_UID) return // the answer to a notification: nobody waits for it
        val entry = pending.remove(env.uid)
        if (entry == null) {
            if (!abandoned.remove(env.uid)) {
                sink.reportInvalid(
                    InvalidMessageException("a return for uid ${env.uid}, which no call is waiting for", Wire.excerpt(env.text), env.uid),
                )
            }
            return
        }
        val json = host.observer.completed(env, entry.sent)
        entry.complete(Returned(env, json, blobs))
    }

    /** The connection ended: every waiting call fails with the reason. */
    fun failAll(end: TransportFrame.Closed) {
        for (key in pending.keys) {
            val entry = pending.remove(key) ?: continue
            entry.complete(sink.closedError(entry.listener, end))
        }
    }
}

private val log = org.slf4j.LoggerFactory.getLogger(Requester::class.java)

/** The uids of calls given up (cancelled, timed out), so their late returns are dropped silently. Bounded. */
internal class AbandonedUids(private val capacity: Int) {
    private val set = LinkedHashSet<Long>()

    @Synchronized
    fun add(uid: Long) {
        if (set.size >= capacity) set.remove(set.first())
        set.add(uid)
    }

    @Synchronized
    fun remove(uid: Long): Boolean = set.remove(uid)
}
