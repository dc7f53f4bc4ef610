package dev.wsgrid.rpc.internal

import dev.wsgrid.rpc.InvalidMessageException
import dev.wsgrid.rpc.InvokeEvent
import dev.wsgrid.rpc.InvokeFunction
import dev.wsgrid.rpc.InvokeListener
import dev.wsgrid.rpc.InvokeParameter
import dev.wsgrid.rpc.InvokeReturn
import kotlinx.coroutines.CancellationException
import kotlinx.serialization.json.JsonElement
import org.slf4j.LoggerFactory
import java.time.Instant

/**
 * Who watches a connection's invokes: nobody ([NONE], the fast path that never builds a JSON
 * tree), or the communicator's [InvokeListener]s, which see (and may change) every call and
 * return as trees. The requester and the responder go through this one interface and never ask
 * which it is.
 */
internal interface InvokeObserver {
    /** The frame of a call of this side; fires *send*. Stream and binary arguments come from [placeholders] and [blobs]. */
    fun callFrame(
        uid: Long,
        listener: String,
        quoted: String,
        f: BoundFunction,
        args: Array<out Any?>?,
        placeholders: ValuePlaceholders?,
        blobs: MutableList<ByteArray>?,
        trace: String?,
    ): Sent

    /** The frame of a recorded call (a broadcast) sent with [uid]; fires *send*. */
    fun recordedFrame(uid: Long, call: RecordedCall): Sent

    /** A call of the remote side, resolved to [f]: its arguments for the provider; fires *receive*. */
    fun received(env: Envelope, f: BoundFunction, placeholders: ValuePlaceholders?, blobs: List<ByteArray>?): Received

    /** The frame of a successful return; fires *return*. */
    fun returnFrame(uid: Long, f: BoundFunction, result: Any?, call: Received): String

    /** The frame of a failed return; fires *return* when [call] was resolved. */
    fun errorFrame(uid: Long, listener: String, error: JsonElement, call: Received?): String

    /** A return for [sent] arrived: what the caller decodes (the tree when listeners changed it); fires *complete*. */
    fun completed(env: Envelope, sent: Sent): JsonElement?

    /** A frame could not be understood. */
    fun invalid(e: InvalidMessageException)

    /** A call of this side as it went out. */
    class Sent(val text: String, val function: InvokeFunction?, val requestedAt: Instant?, val listener: String)

    /** A call of the remote side as the provider gets it. */
    class Received(val arguments: Array<Any?>, val function: InvokeFunction?, val requestedAt: Instant?)

    companion object {
        /** Nobody watches: values go straight between their text and the codec. */
        val NONE: InvokeObserver = Unobserved

        fun of(listeners: List<InvokeListener>, description: () -> String): InvokeObserver =
            if (listeners.isEmpty()) NONE else Listeners(listeners, description)
    }
}

private object Unobserved : InvokeObserver {
    override fun callFrame(
        uid: Long, listener: String, quoted: String, f: BoundFunction, args: Array<out Any?>?,
        placeholders: ValuePlaceholders?, blobs: MutableList<ByteArray>?, trace: String?,
    ) = InvokeObserver.Sent(Wire.call(uid, quoted, Arguments.encode(f, args, listener, placeholders, blobs), trace), null, null, listener)

    override fun recordedFrame(uid: Long, call: RecordedCall) =
        InvokeObserver.Sent(if (uid == Wire.NOTIFICATION_UID) call.notificationFrame else call.frame(uid), null, null, call.listener)

    override fun received(env: Envelope, f: BoundFunction, placeholders: ValuePlaceholders?, blobs: List<ByteArray>?) =
        InvokeObserver.Received(Arguments.decode(env, f, placeholders, blobs), null, null)

    override fun returnFrame(uid: Long, f: BoundFunction, result: Any?, call: InvokeObserver.Received): String =
        Wire.ret(uid, true, Arguments.encodeResult(f, result))

    override fun errorFrame(uid: Long, listener: String, error: JsonElement, call: InvokeObserver.Received?): String =
        Wire.ret(uid, false, error.toString())

    override fun completed(env: Envelope, sent: InvokeObserver.Sent): JsonElement? = null

    override fun invalid(e: InvalidMessageException) {}
}

/** The communicator's listeners: every value as a tree they may read and replace. */
private class Listeners(private val listeners: List<InvokeListener>, private val description: () -> String) : InvokeObserver {
    override fun callFrame(
        uid: Long, listener: String, quoted: String, f: BoundFunction, args: Array<out Any?>?,
        placeholders: ValuePlaceholders?, blobs: MutableList<ByteArray>?, trace: String?,
    ): InvokeObserver.Sent {
        // binary values travel inside the JSON the listeners see, never as blobs
        val model = InvokeFunction(uid, listener, Arguments.toJson(f, args, listener, placeholders))
        val now = Instant.now()
        fire { it.onSend(InvokeEvent.Send(now, model)) }
        val text = Wire.call(uid, Wire.quote(model.listener), Array(model.parameters.size) { model.parameters[it].value.toString() }, trace)
        return InvokeObserver.Sent(text, model, now, listener)
    }

    override fun recordedFrame(uid: Long, call: RecordedCall): InvokeObserver.Sent {
        val parameters = call.arguments.mapTo(ArrayList(call.arguments.size)) { text ->
            val json = kotlinx.serialization.json.Json.parseToJsonElement(text)
            InvokeParameter(Wire.typeOf(json), json)
        }
        val model = InvokeFunction(uid, call.listener, parameters)
        val now = Instant.now()
        fire { it.onSend(InvokeEvent.Send(now, model)) }
        val text = Wire.call(uid, Wire.quote(model.listener), Array(model.parameters.size) { model.parameters[it].value.toString() })
        return InvokeObserver.Sent(text, model, now, call.listener)
    }

    override fun received(env: Envelope, f: BoundFunction, placeholders: ValuePlaceholders?, blobs: List<ByteArray>?): InvokeObserver.Received {
        val parameters = MutableList(env.parameterCount) { i ->
            val json = env.parameterJson(i)
            InvokeParameter(Wire.typeOf(json), json)
        }
        val model = InvokeFunction(env.uid, env.listener!!, parameters)
        val now = Instant.now()
        fire { it.onReceive(InvokeEvent.Receive(now, model)) }
        return InvokeObserver.Received(Arguments.decode(model.parameters, model.listener, f, placeholders, blobs), model, now)
    }

    override fun returnFrame(uid: Long, f: BoundFunction, result: Any?, call: InvokeObserver.Received): String {
        val ret = InvokeReturn(uid, true, Arguments.resultJson(f, result))
        fireReturn(call, ret)
        return Wire.format(ret)
    }

    override fun errorFrame(uid: Long, listener: String, error: JsonElement, call: InvokeObserver.Received?): String {
        val ret = InvokeReturn(uid, false, error)
        if (call != null) fireReturn(call, ret)
        return Wire.format(ret)
    }

    private fun fireReturn(call: InvokeObserver.Received, ret: InvokeReturn) {
        val fn = call.function ?: return
        val event = InvokeEvent.Return(fn, ret, call.requestedAt ?: Instant.now(), Instant.now())
        fire { it.onReturn(event) }
    }

    override fun completed(env: Envelope, sent: InvokeObserver.Sent): JsonElement? {
        val ret = InvokeReturn(env.uid, env.success, env.valueJson())
        val fn = sent.function ?: InvokeFunction(env.uid, sent.listener, ArrayList())
        val event = InvokeEvent.Complete(fn, ret, sent.requestedAt ?: Instant.now(), Instant.now())
        fire { it.onComplete(event) }
        return ret.value ?: kotlinx.serialization.json.JsonNull
    }

    override fun invalid(e: InvalidMessageException) {
        fire { it.onInvalidMessage(e) }
    }

    private inline fun fire(action: (InvokeListener) -> Unit) {
        for (l in listeners) {
            try {
                action(l)
            } catch (e: Throwable) {
                if (e is CancellationException) throw e
                log.warn("{}: an invoke listener threw; the call goes on", description(), e)
            }
        }
    }

    private companion object {
        val log = LoggerFactory.getLogger(InvokeObserver::class.java)
    }
}
