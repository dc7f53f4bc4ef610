package dev.wsgrid.rpc.internal

import dev.wsgrid.rpc.CallTimeoutException
import dev.wsgrid.rpc.CloseCodes
import dev.wsgrid.rpc.CommunicatorOptions
import dev.wsgrid.rpc.ConnectionClosedException
import dev.wsgrid.rpc.InvalidMessageException
import dev.wsgrid.rpc.InvokeEvent
import dev.wsgrid.rpc.InvokeFunction
import dev.wsgrid.rpc.InvokeListener
import dev.wsgrid.rpc.InvokeParameter
import dev.wsgrid.rpc.InvokeReturn
import dev.wsgrid.rpc.LimitExceededException
import dev.wsgrid.rpc.RemoteException
import dev.wsgrid.rpc.Transport
import dev.wsgrid.rpc.TransportFrame
import dev.wsgrid.rpc.WireProtocol
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.future.await
import kotlinx.coroutines.launch
import kotlinx.coroutines.runInterruptible
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.onCompletion
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import org.slf4j.LoggerFactory
import java.lang.reflect.InvocationTargetException
import java.time.Duration
import java.time.Instant
import java.util.concurrent.CompletionStage
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.intrinsics.suspendCoroutineUninterceptedOrReturn

/** What the session needs from the communicator that owns it. */
internal interface SessionHost {
    val options: CommunicatorOptions
    val invokeListeners: List<InvokeListener>
    val providerBinding: ProviderBinding?
    val description: String

    /** Called once when [session] has ended, after its pending calls failed and before joiners wake. */
    fun sessionEnded(session: Session, end: TransportFrame.Closed)
}

/**
 * One connection's life: the pending calls of this side, the running calls of the remote side,
 * and the loop that reads the transport. Made when a transport opens; finished when it closes.
 */
internal class Session(
    private val host: SessionHost,
    val transport: Transport,
    parent: Job?,
    context: CoroutineContext,
    /** What the connection agreed to speak; extension frames are used only with [WireProtocol.WSGRID_V1]. */
    val protocol: WireProtocol = WireProtocol.TGRID,
) {
    val options = host.options
    val scope: CoroutineScope = CoroutineScope(context + SupervisorJob(parent) + CoroutineName("wsgrid-session"))
    private val pending = ConcurrentHashMap<Long, Pending>()
    private val nextUid = AtomicLong()
    private val running = AtomicInteger()
    private val abandoned = AbandonedUids(1024)

    /** Cancellation across the wire and streams; `null` on a plain TGrid connection. */
    private val extensions: Extensions? = if (protocol.extensions) Extensions(this) else null

    /** Completed with how the connection ended, once every pending call has been failed. */
    val finished: CompletableDeferred<TransportFrame.Closed> = CompletableDeferred()

    /** Set when closing starts; from then on calls fail at once. */
    @Volatile
    var closing: TransportFrame.Closed? = null
        private set

    private class Pending(
        val listener: String,
        val deferred: CompletableDeferred<InvokeReturn>,
        val function: InvokeFunction?,
        val requestedAt: Instant?,
    ) {
        /** The binary values that came with the return, when it came as a binary frame. */
        @Volatile
        var blobs: List<ByteArray>? = null
    }

    val pendingCount: Int get() = pending.size

    val runningCount: Int get() = running.get()

    // ------------------------------------------------------------------ calls of this side

    private fun checkPendingLimit(listener: String) {
        val max = options.maxPendingCalls
        if (pending.size >= max) {
            throw LimitExceededException(
                "maxPendingCalls", max.toLong(),
                "cannot call $listener: $max calls are already waiting for their return on this connection (maxPendingCalls)",
            )
        }
    }

    suspend fun call(listener: String, quoted: String, f: BoundFunction, args: Array<out Any?>?, timeout: Duration?): Any? {
        if (f.member.oneWay) return notify(listener, quoted, f, args)
        checkPendingLimit(listener)
        val uid = nextUid.incrementAndGet()
        val listeners = host.invokeListeners
        val model: InvokeFunction?
        val text: String
        val sids = if (f.member.hasStreamParameters) ArrayList<Long>() else null
        // binary values go as binary frames between wsgrid peers, unless invoke listeners watch the JSON
        val blobs = if (extensions != null && f.member.hasBinaryParameters && listeners.isEmpty()) ArrayList<ByteArray>() else null
        if (listeners.isEmpty()) {
            model = null
            text = Wire.call(uid, quoted, encodeArguments(f, args, listener, sids, blobs))
        } else {
            model = InvokeFunction(uid, listener, jsonArguments(f, args, listener, sids))
            val event = InvokeEvent.Send(Instant.now(), model)
            fire(listeners) { it.onSend(event) }
            text = Wire.format(model)
        }
        val entry = Pending(listener, CompletableDeferred(), model, if (model != null) Instant.now() else null)
        pending[uid] = entry
        try {
            closing?.let { throw closedError(listener, it) }
            try {
                if (blobs.isNullOrEmpty()) transport.sendText(text) else transport.sendBinary(BinaryPayloads.encode(text, blobs))
            } catch (e: ConnectionClosedException) {
                throw ConnectionClosedException(e.code, e.reason, "cannot call $listener: ${e.message}", e)
            }
            val ret = if (timeout == null) {
                entry.deferred.await()
            } else {
                withTimeoutOrNull(timeout.toMillis().coerceAtLeast(1)) { entry.deferred.await() }
                    ?: throw CallTimeoutException(listener, timeout)
            }
            return decodeResult(f, ret, listener, entry.blobs)
        } finally {
            if (pending.remove(uid) != null) {
                abandoned.add(uid)
                // given up (cancelled, timed out): the remote side stops running it
                extensions?.cancelRemote(uid)
            }
            if (sids != null) extensions?.dropArguments(sids)
        }
    }

    /**
     * A call of a function that returns a stream: collecting the flow sends the call, and the
     * items arrive as the collector takes them (wsgrid extension).
     */
    fun streamCall(listener: String, quoted: String, f: BoundFunction, args: Array<out Any?>?): Flow<Any?> {
        val ext = extensions ?: throw UnsupportedOperationException(
            "cannot call $listener: it returns a stream, which needs a wsgrid peer, but this connection " +
                "speaks plain TGrid (the peer did not agree to ${WireProtocol.SUBPROTOCOL})",
        )
        checkPendingLimit(listener)
        val uid = nextUid.incrementAndGet()
        val sids = if (f.member.hasStreamParameters) ArrayList<Long>() else null
        val text = Wire.call(uid, quoted, encodeArguments(f, args, listener, sids))
        val flow = ext.resultStream(uid, listener, f.result) {
            closing?.let { throw closedError(listener, it) }
            try {
                transport.sendText(text)
            } catch (e: ConnectionClosedException) {
                throw ConnectionClosedException(e.code, e.reason, "cannot call $listener: ${e.message}", e)
            }
        }
        return if (sids == null) flow else flow.onCompletion { ext.dropArguments(sids) }
    }

    /** Sends a one-way call: nothing is kept for it, and its return (a TGrid peer sends one) is dropped. */
    private suspend fun notify(listener: String, quoted: String, f: BoundFunction, args: Array<out Any?>?): Any? {
        closing?.let { throw closedError(listener, it) }
        val listeners = host.invokeListeners
        val text = if (listeners.isEmpty()) {
            Wire.call(Wire.NOTIFICATION_UID, quoted, encodeArguments(f, args, listener))
        } else {
            val model = InvokeFunction(Wire.NOTIFICATION_UID, listener, jsonArguments(f, args, listener))
            val event = InvokeEvent.Send(Instant.now(), model)
            fire(listeners) { it.onSend(event) }
            Wire.format(model)
        }
        try {
            transport.sendText(text)
        } catch (e: ConnectionClosedException) {
            throw ConnectionClosedException(e.code, e.reason, "cannot call $listener: ${e.message}", e)
        }
        return if (f.member.style == CallStyle.SUSPEND) Unit else null
    }

    private fun encodeArguments(
        f: BoundFunction,
        args: Array<out Any?>?,
        listener: String,
        sids: MutableList<Long>? = null,
        blobs: MutableList<ByteArray>? = null,
    ): Array<String> {
        val m = f.member
        if (sids != null || blobs != null) {
            val fixed = Array(m.fixedArity) { i -> streamAwareArgument(f, args!![i], i, listener, sids, blobs) }
            if (f.varargElement == null) return fixed
            val spread = args!![m.fixedArity]
            val extra = if (spread != null) java.lang.reflect.Array.getLength(spread) else 0
            return Array(m.fixedArity + extra) { i -> if (i < m.fixedArity) fixed[i] else f.varargElement.encode(java.lang.reflect.Array.get(spread, i - m.fixedArity)) }
        }
        val fixed = m.fixedArity
        val spread = if (f.varargElement != null) args?.get(fixed) else null
        val extra = if (spread != null) java.lang.reflect.Array.getLength(spread) else 0
        return Array(fixed + extra) { i ->
            try {
                if (i < fixed) f.parameters[i].encode(args!![i]) else f.varargElement!!.encode(java.lang.reflect.Array.get(spread, i - fixed))
            } catch (e: Exception) {
                throw IllegalArgumentException("cannot encode argument ${i + 1} of $listener: ${e.message}", e)
            }
        }
    }

    private fun jsonArguments(f: BoundFunction, args: Array<out Any?>?, listener: String, sids: MutableList<Long>? = null): MutableList<InvokeParameter> {
        val m = f.member
        if (sids != null) {
            return MutableList(m.fixedArity) { i ->
                val json = Json.parseToJsonElement(streamAwareArgument(f, args!![i], i, listener, sids, null))
                InvokeParameter(Wire.typeOf(json), json)
            }
        }
        val fixed = m.fixedArity
        val spread = if (f.varargElement != null) args?.get(fixed) else null
        val extra = if (spread != null) java.lang.reflect.Array.getLength(spread) else 0
        val out = ArrayList<InvokeParameter>(fixed + extra)
        for (i in 0 until fixed + extra) {
            val json = try {
                if (i < fixed) f.parameters[i].toJson(args!![i]) else f.varargElement!!.toJson(java.lang.reflect.Array.get(spread, i - fixed))
            } catch (e: Exception) {
                throw IllegalArgumentException("cannot encode argument ${i + 1} of $listener: ${e.message}", e)
            }
            out.add(InvokeParameter(Wire.typeOf(json), json))
        }
        return out
    }

    /** Argument [i] as JSON text: a stream becomes `{"wsgrid.stream": sid}` and is offered to the remote side. */
    private fun streamAwareArgument(
        f: BoundFunction,
        arg: Any?,
        i: Int,
        listener: String,
        sids: MutableList<Long>?,
        blobs: MutableList<ByteArray>?,
    ): String {
        val binary = f.member.parameterBinary[i]
        if (blobs != null && binary != null && arg != null) {
            blobs.add(BinaryPayloads.toBytes(arg, binary))
            return BinaryPayloads.placeholder(blobs.size - 1)
        }
        val kind = f.member.parameterStreams[i]
        if (kind == null || sids == null) {
            return try {
                f.parameters[i].encode(arg)
            } catch (e: Exception) {
                throw IllegalArgumentException("cannot encode argument ${i + 1} of $listener: ${e.message}", e)
            }
        }
        val ext = extensions ?: throw UnsupportedOperationException(
            "cannot call $listener: parameter ${i + 1} is a stream, which needs a wsgrid peer, but this connection " +
                "speaks plain TGrid (the peer did not agree to ${WireProtocol.SUBPROTOCOL})",
        )
        val sid = nextUid.incrementAndGet()
        sids.add(sid)
        return ext.offerArgument(sid, arg, kind, f.parameters[i], "argument ${i + 1} of $listener")
    }

    private fun decodeResult(f: BoundFunction, ret: InvokeReturn, listener: String, blobs: List<ByteArray>? = null): Any? {
        if (!ret.success) throw Errors.decode(ret.value, listener)
        val adapter = f.result ?: return if (f.member.style == CallStyle.SUSPEND) Unit else null
        val json = ret.value ?: JsonNull
        val binary = f.member.resultBinary
        if (binary != null && blobs != null) {
            try {
                BinaryPayloads.valueOf(json, blobs, binary, "the return of $listener")?.let { return it }
            } catch (e: IllegalArgumentException) {
                throw InvalidMessageException(e.message ?: "", Wire.excerpt(json.toString()), ret.uid, e)
            }
        }
        val value = try {
            adapter.fromJson(json)
        } catch (e: Exception) {
            throw InvalidMessageException(
                "the return of $listener does not fit ${f.member.resultType.typeName}: ${e.message}",
                Wire.excerpt(json.toString()), ret.uid, e,
            )
        }
        if (value == null && !f.member.resultNullable) {
            throw InvalidMessageException(
                "$listener returned null, but ${f.member.where} declares a non-null ${f.member.resultType.typeName}",
                "null", ret.uid,
            )
        }
        return value
    }

    // ------------------------------------------------------------------ the receive loop

    /** Reads frames until the transport closes; never throws but for cancellation. */
    suspend fun run() {
        var end: TransportFrame.Closed
        try {
            while (true) {
                when (val frame = transport.receive()) {
                    is TransportFrame.Text -> onText(frame.text)
                    is TransportFrame.Binary -> if (extensions != null) onBinary(frame.data) else log.debug("{}: ignored a binary frame of {} bytes", host.description, frame.data.size)
                    is TransportFrame.Closed -> {
                        end = frame
                        break
                    }
                }
            }
        } catch (e: CancellationException) {
            finish(TransportFrame.Closed(CloseCodes.ABNORMAL, "connection cancelled", byPeer = false, cause = e))
            throw e
        } catch (e: Throwable) {
            log.warn("{}: the connection failed", host.description, e)
            end = TransportFrame.Closed(CloseCodes.ABNORMAL, e.message ?: e.javaClass.simpleName, byPeer = true, cause = e)
            try {
                transport.close(CloseCodes.INTERNAL_ERROR, "connection failed")
            } catch (_: Exception) {
            }
        }
        finish(end)
    }

    /** Marks the session as closing so that new calls fail at once. */
    fun markClosing(code: Int, reason: String) {
        if (closing == null) closing = TransportFrame.Closed(code, reason, byPeer = false)
    }

    private fun finish(end: TransportFrame.Closed) {
        if (closing == null) closing = end
        // The communicator moves on (CLOSED, or RECONNECTING) before any caller hears of the end, so
        // a caller that reacts to its failed call by connecting again finds the connector closed.
        try {
            host.sessionEnded(this, end)
        } catch (e: Exception) {
            log.warn("{}: a close hook failed", host.description, e)
        }
        extensions?.finish { listener -> closedError(listener, end) }
        // Calls registered after this pass see `closing` and fail by themselves.
        for (key in pending.keys) {
            val entry = pending.remove(key) ?: continue
            entry.deferred.completeExceptionally(closedError(entry.listener, end))
        }
        finished.complete(end)
        scope.cancel("the connection closed")
    }

    private fun closedError(listener: String?, end: TransportFrame.Closed): ConnectionClosedException {
        val what = buildString {
            if (listener != null) append("cannot call ").append(listener).append(": ")
            append("connection closed (code ").append(end.code)
            if (end.reason.isNotEmpty()) append(", reason \"").append(end.reason).append('"')
            append(if (end.byPeer) ", by the remote side)" else ", by this side)")
        }
        return ConnectionClosedException(end.code, end.reason, what, end.cause)
    }

    /** A call or return with binary values (wsgrid.v1 only). */
    private suspend fun onBinary(data: ByteArray) {
        val (text, blobs) = try {
            BinaryPayloads.decode(data)
        } catch (e: InvalidMessageException) {
            reportInvalid(e)
            return
        }
        onText(text, blobs)
    }

    private suspend fun onText(text: String, blobs: List<ByteArray>? = null) {
        if (blobs == null && extensions != null && ExtensionWire.isExtension(text)) {
            try {
                extensions.onFrame(text)
            } catch (e: InvalidMessageException) {
                reportInvalid(e)
            }
            return
        }
        val parsed = try {
            Wire.parse(text)
        } catch (e: InvalidMessageException) {
            reportInvalid(e)
            return
        }
        when (parsed) {
            is Parsed.Return -> onReturn(parsed.result, blobs)
            is Parsed.Call -> onCall(parsed.function, blobs)
            is Parsed.BadCall -> {
                reportInvalid(parsed.error)
                send(Wire.ret(parsed.uid, false, Errors.error("InvalidMessageException", parsed.error.message ?: "").toString()))
            }
        }
    }

    private fun reportInvalid(e: InvalidMessageException) {
        WarningLimiter.PEER_INPUT.warn(log, "{}: skipped a frame: {} in {}", host.description, PeerText.forLog(e.message), PeerText.forLog(e.frame))
        fire(host.invokeListeners) { it.onInvalidMessage(e) }
    }

    private fun onReturn(ret: InvokeReturn, blobs: List<ByteArray>? = null) {
        if (ret.uid == Wire.NOTIFICATION_UID) return // the answer to a notification: nobody waits for it
        val entry = pending.remove(ret.uid)
        if (entry == null) {
            if (!abandoned.remove(ret.uid)) {
                reportInvalid(InvalidMessageException("a return for uid ${ret.uid}, which no call is waiting for", Wire.excerpt(ret.toString()), ret.uid))
            }
            return
        }
        val listeners = host.invokeListeners
        if (listeners.isNotEmpty()) {
            val fn = entry.function ?: InvokeFunction(ret.uid, entry.listener, ArrayList())
            val event = InvokeEvent.Complete(fn, ret, entry.requestedAt ?: Instant.now(), Instant.now())
            fire(listeners) { it.onComplete(event) }
        }
        if (blobs != null) entry.blobs = blobs
        entry.deferred.complete(ret)
    }

    // ------------------------------------------------------------------ calls of the remote side

    private suspend fun onCall(fn: InvokeFunction, blobs: List<ByteArray>? = null) {
        val max = options.maxConcurrentCalls
        if (running.incrementAndGet() > max) {
            running.decrementAndGet()
            val e = LimitExceededException(
                "maxConcurrentCalls", max.toLong(),
                "refused to call ${PeerText.name(fn.listener)}: $max calls of this connection are already running (maxConcurrentCalls)",
            )
            sendError(fn, e, null)
            return
        }
        val binding = host.providerBinding
        val target = try {
            binding?.resolve(fn.listener, fn.parameters.size)
                ?: throw RemoteException("IllegalStateException", "cannot call ${PeerText.name(fn.listener)}: this side has no provider", listener = PeerText.name(fn.listener))
        } catch (e: Exception) {
            running.decrementAndGet()
            sendError(fn, e, null)
            return
        }
        val listeners = host.invokeListeners
        val requestedAt = if (listeners.isEmpty()) null else Instant.now()
        if (requestedAt != null) {
            val event = InvokeEvent.Receive(requestedAt, fn)
            fire(listeners) { it.onReceive(event) }
        }
        val ext = extensions
        if (target.function.member.resultStream != null) {
            if (ext == null) {
                running.decrementAndGet()
                val e = UnsupportedOperationException(
                    "cannot call ${fn.listener}: it returns a stream, which only a wsgrid peer can receive " +
                        "(this connection speaks plain TGrid)",
                )
                sendError(fn, e, requestedAt)
                return
            }
            val producer = ext.resultProducer(fn.uid)
            val job = scope.launch(start = CoroutineStart.UNDISPATCHED) {
                try {
                    executeStream(fn, target, producer, ext, blobs)
                } finally {
                    ext.dropResultProducer(fn.uid)
                    running.decrementAndGet()
                }
            }
            ext.track(fn.uid, job)
            return
        }
        val job = scope.launch(start = CoroutineStart.UNDISPATCHED) {
            try {
                execute(fn, target, requestedAt, blobs)
            } finally {
                running.decrementAndGet()
            }
        }
        ext?.track(fn.uid, job)
    }

    /** Runs a provider function that returns a stream and sends its items as the caller requests them. */
    private suspend fun executeStream(fn: InvokeFunction, target: Target, producer: Extensions.Producer, ext: Extensions, blobs: List<ByteArray>?) {
        val f = target.function
        val stream = try {
            invoke(target.receiver, f.member, decodeArguments(fn, f, blobs))
        } catch (e: CancellationException) {
            throw e
        } catch (e: Throwable) {
            send(ExtensionWire.error(true, fn.uid, Errors.encode(Errors.unwrap(e), options.exposeStackTraces).toString()))
            return
        }
        ext.produce(producer, stream, f.member.resultStream!!, f.result, fn.listener)
    }

    private suspend fun execute(fn: InvokeFunction, target: Target, requestedAt: Instant?, blobs: List<ByteArray>? = null) {
        val f = target.function
        val result = try {
            invoke(target.receiver, f.member, decodeArguments(fn, f, blobs))
        } catch (e: CancellationException) {
            throw e
        } catch (e: Throwable) {
            sendError(fn, e, requestedAt)
            return
        }
        val adapter = f.result
        val listeners = host.invokeListeners
        val binary = f.member.resultBinary
        if (binary != null && result != null && extensions != null && listeners.isEmpty()) {
            val frame = BinaryPayloads.encode(Wire.ret(fn.uid, true, BinaryPayloads.placeholder(0)), listOf(BinaryPayloads.toBytes(result, binary)))
            try {
                transport.sendBinary(frame)
            } catch (e: ConnectionClosedException) {
                log.debug("{}: a return was not sent: {}", host.description, e.message)
            }
            return
        }
        val text = try {
            if (listeners.isEmpty() || requestedAt == null) {
                Wire.ret(fn.uid, true, adapter?.encode(result))
            } else {
                val ret = InvokeReturn(fn.uid, true, adapter?.toJson(result))
                val event = InvokeEvent.Return(fn, ret, requestedAt, Instant.now())
                fire(listeners) { it.onReturn(event) }
                Wire.format(ret)
            }
        } catch (e: Exception) {
            val err = IllegalStateException("cannot encode the result of ${fn.listener}: ${e.message}", e)
            sendError(fn, err, requestedAt)
            return
        }
        send(text)
    }

    private fun decodeArguments(fn: InvokeFunction, f: BoundFunction, blobs: List<ByteArray>? = null): Array<Any?> {
        val m = f.member
        val params = fn.parameters
        val fixed = m.fixedArity
        val extra = if (m.style == CallStyle.SUSPEND) 1 else 0
        val args = arrayOfNulls<Any?>(m.parameterTypes.size + extra)
        if (m.hasStreamParameters || blobs != null) {
            for (i in 0 until fixed) {
                val kind = m.parameterStreams[i]
                val binary = m.parameterBinary[i]
                args[i] = when {
                    kind != null -> streamArgument(f, kind, params[i].value, i, fn.listener)
                    binary != null && blobs != null ->
                        BinaryPayloads.valueOf(params[i].value, blobs, binary, "cannot call ${fn.listener}: parameter ${i + 1}")
                            ?: decodeOne(f.parameters[i], params[i].value, i, fn.listener, m, m.parameterNullable[i])
                    else -> decodeOne(f.parameters[i], params[i].value, i, fn.listener, m, m.parameterNullable[i])
                }
            }
            if (f.varargElement == null) return args
        } else {
            for (i in 0 until fixed) args[i] = decodeOne(f.parameters[i], params[i].value, i, fn.listener, m, m.parameterNullable[i])
        }
        val element = f.varargElement
        if (element != null) {
            val count = params.size - fixed
            val array = java.lang.reflect.Array.newInstance(m.varargElementClass!!, count)
            for (j in 0 until count) {
                val v = decodeOne(element, params[fixed + j].value, fixed + j, fn.listener, m, !m.varargElementClass.isPrimitive)
                java.lang.reflect.Array.set(array, j, v)
            }
            args[fixed] = array
        }
        return args
    }

    private fun streamArgument(f: BoundFunction, kind: StreamKind, json: JsonElement, index: Int, listener: String): Any {
        val ext = extensions ?: throw IllegalArgumentException(
            "cannot call $listener: parameter ${index + 1} is a stream, which only a wsgrid peer can send (this connection speaks plain TGrid)",
        )
        val sid = ExtensionWire.streamArgumentId(json)
            ?: throw IllegalArgumentException("cannot call $listener: parameter ${index + 1} must be a stream ({\"${ExtensionWire.STREAM_ARGUMENT}\": id})")
        return Extensions.asDeclared(ext.argumentStream(sid, listener, f.parameters[index]), kind)
    }

    private fun decodeOne(
        adapter: dev.wsgrid.rpc.ValueAdapter,
        json: JsonElement,
        index: Int,
        listener: String,
        m: FunctionMember,
        nullable: Boolean,
    ): Any? {
        val v = try {
            adapter.fromJson(json)
        } catch (e: Exception) {
            // the codec's message may quote the value: a short excerpt at most
            throw IllegalArgumentException("cannot call $listener: parameter ${index + 1} does not fit ${typeName(m, index)}: ${PeerText.cut(e.message ?: "")}", e)
        }
        if (v == null && !nullable) throw IllegalArgumentException("cannot call $listener: parameter ${index + 1} must not be null")
        return v
    }

    private fun typeName(m: FunctionMember, index: Int): String =
        (if (index >= m.fixedArity && m.varargElementType != null) m.varargElementType else m.parameterTypes[index]).typeName

    private suspend fun invoke(receiver: Any, m: FunctionMember, args: Array<Any?>): Any? = when (m.style) {
        CallStyle.SUSPEND -> suspendCoroutineUninterceptedOrReturn { cont ->
            args[args.size - 1] = cont
            try {
                m.method.invoke(receiver, *args)
            } catch (e: InvocationTargetException) {
                throw e.targetException
            }
        }
        CallStyle.FUTURE -> {
            val stage = try {
                m.method.invoke(receiver, *args)
            } catch (e: InvocationTargetException) {
                throw e.targetException
            } as CompletionStage<*>? ?: throw IllegalStateException("${m.where} returned null instead of a future")
            stage.await()
        }
        CallStyle.BLOCKING -> runInterruptible(options.blockingDispatcher) {
            try {
                m.method.invoke(receiver, *args)
            } catch (e: InvocationTargetException) {
                throw e.targetException
            }
        }
    }

    private suspend fun sendError(fn: InvokeFunction, e: Throwable, requestedAt: Instant?) {
        val json = Errors.encode(e, options.exposeStackTraces)
        val listeners = host.invokeListeners
        val text = if (listeners.isEmpty()) {
            Wire.ret(fn.uid, false, json.toString())
        } else {
            val ret = InvokeReturn(fn.uid, false, json)
            val event = InvokeEvent.Return(fn, ret, requestedAt ?: Instant.now(), Instant.now())
            fire(listeners) { it.onReturn(event) }
            Wire.format(ret)
        }
        send(text)
    }

    /** Sends [text]; on a closed connection, only logs that it was not sent. */
    suspend fun sendQuietly(text: String): Unit = send(text)

    private suspend fun send(text: String) {
        try {
            transport.sendText(text)
        } catch (e: ConnectionClosedException) {
            log.debug("{}: a return was not sent: {}", host.description, e.message)
        }
    }

    private inline fun fire(listeners: List<InvokeListener>, action: (InvokeListener) -> Unit) {
        for (l in listeners) {
            try {
                action(l)
            } catch (e: Throwable) {
                if (e is CancellationException) throw e
                log.warn("{}: an invoke listener threw; the call goes on", host.description, e)
            }
        }
    }

    private companion object {
        val log = LoggerFactory.getLogger(Session::class.java)
    }
}

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
