package dev.wsgrid.rpc.internal

import dev.wsgrid.rpc.ConnectionClosedException
import dev.wsgrid.rpc.InvalidMessageException
import dev.wsgrid.rpc.LimitExceededException
import dev.wsgrid.rpc.ValueAdapter
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Job
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.FlowCollector
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.isActive
import kotlinx.coroutines.jdk9.asFlow
import kotlinx.coroutines.jdk9.asPublisher
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.serialization.json.JsonElement
import org.slf4j.LoggerFactory
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicLong

/**
 * What a session does beyond TGrid, on connections that agreed on wsgrid.v1: cancelling calls
 * across the wire and streaming with credit-based backpressure. See `docs/guide/extensions.md`.
 *
 * Four tables, so that ids chosen by either side never collide:
 * - [running]: the remote side's calls running here, by its uid (a `cancel` with `uid` cancels one);
 * - [resultProducers]: the streams those calls return, by the same uid (`request` with `uid`);
 * - [resultConsumers]: streams this side's calls receive, by this side's uid (`next`/`complete`/`error` with `uid`);
 * - [argumentProducers] / [argumentConsumers]: stream arguments this side sends (by its own sid) or
 *   receives (by the remote side's sid), addressed with `sid`.
 */
internal class Extensions(private val session: FrameSink) {
    private val bufferSize = session.options.streamBufferSize
    private val running = ConcurrentHashMap<Long, Job>()
    private val resultProducers = ConcurrentHashMap<Long, Producer>()
    private val resultConsumers = ConcurrentHashMap<Long, Consumer>()
    private val argumentProducers = ConcurrentHashMap<Long, Producer>()
    private val argumentConsumers = ConcurrentHashMap<Long, Consumer>()

    /** Credit the consumer granted and the producer has not used yet; [acquire] waits for some. */
    class Producer(val onCall: Boolean, val id: Long, val flow: Flow<Any?>?, val adapter: ValueAdapter?) {
        private val credit = AtomicLong()
        private val signal = Channel<Unit>(Channel.CONFLATED)
        val started = AtomicBoolean()

        @Volatile
        var job: Job? = null

        fun grant(n: Long) {
            credit.getAndUpdate { c -> if (c > Long.MAX_VALUE - n) Long.MAX_VALUE else c + n }
            signal.trySend(Unit)
        }

        suspend fun acquire() {
            while (true) {
                val c = credit.get()
                if (c > 0) {
                    if (credit.compareAndSet(c, c - 1)) return
                } else {
                    signal.receive()
                }
            }
        }
    }

    /** Items received and not yet taken by the collector: never more than the credit granted. */
    class Consumer(val onCall: Boolean, val id: Long, val listener: String, capacity: Int) {
        val items = Channel<JsonElement>(capacity)

        @Volatile
        var terminated = false
    }

    // ------------------------------------------------------------------ cancellation

    /** Tracks a running call of the remote side so that its `cancel` frame can reach it. */
    fun track(uid: Long, job: Job) {
        running[uid] = job
        job.invokeOnCompletion { running.remove(uid, job) }
    }

    /** Tells the remote side that this side gave up its call [uid]. */
    fun cancelRemote(uid: Long) {
        sendLater(ExtensionWire.cancel(true, uid))
    }

    /** Sends a control frame now, unless the connection is closing; sends never wait. */
    private fun sendLater(text: String) {
        if (session.closing != null) return
        session.sendQuietly(text)
    }

    /** How the arguments of one call offer and receive streams; the ids of those offered are added to [sids]. */
    fun placeholders(sids: MutableList<Long>?): ValuePlaceholders = object : ValuePlaceholders {
        override fun offerStream(f: BoundFunction, index: Int, stream: Any?, listener: String): String {
            val sid = session.nextId()
            sids?.add(sid)
            return offerArgument(sid, stream, f.member.parameterStreams[index]!!, f.parameters[index], "argument ${index + 1} of $listener")
        }

        override fun receiveStream(f: BoundFunction, index: Int, json: JsonElement, listener: String): Any {
            val sid = ExtensionWire.streamArgumentId(json)
                ?: throw IllegalArgumentException("cannot call $listener: parameter ${index + 1} must be a stream ({\"${ExtensionWire.STREAM_ARGUMENT}\": id})")
            return asDeclared(argumentStream(sid, listener, f.parameters[index]), f.member.parameterStreams[index]!!)
        }
    }

    // ------------------------------------------------------------------ frames

    fun onFrame(text: String) {
        val f = ExtensionWire.parse(text)
        when (f.kind) {
            ExtensionWire.CANCEL -> if (f.onCall) {
                running[f.id]?.cancel(RemoteCancellation("the caller cancelled the call (uid ${f.id})"))
            } else {
                argumentProducers.remove(f.id)?.job?.cancel(RemoteCancellation("the receiver cancelled the stream argument (sid ${f.id})"))
            }
            ExtensionWire.REQUEST -> {
                val p = (if (f.onCall) resultProducers[f.id] else argumentProducers[f.id]) ?: return
                p.grant(f.n)
                if (!f.onCall && p.started.compareAndSet(false, true)) startArgument(p)
            }
            ExtensionWire.NEXT, ExtensionWire.COMPLETE, ExtensionWire.ERROR -> {
                val c = (if (f.onCall) resultConsumers[f.id] else argumentConsumers[f.id]) ?: return // a late frame after a cancel
                when (f.kind) {
                    ExtensionWire.NEXT -> {
                        val values = f.values
                        if (values != null) {
                            for (v in values) if (!offer(c, v)) break
                            return
                        }
                        val value = f.value ?: throw InvalidMessageException("invalid extension frame: 'next' without a 'value' or 'values'", Wire.excerpt(text))
                        offer(c, value)
                    }
                    ExtensionWire.COMPLETE -> {
                        c.terminated = true
                        c.items.close()
                    }
                    else -> {
                        c.terminated = true
                        c.items.close(Errors.decode(f.value, c.listener))
                    }
                }
            }
            else -> throw InvalidMessageException("invalid extension frame: unknown kind '${f.kind}'", Wire.excerpt(text))
        }
    }

    /** Hands one received item to its collector; fails the stream when the producer exceeded its credit. */
    private fun offer(c: Consumer, value: JsonElement): Boolean {
        if (c.items.trySend(value).isSuccess) return true
        if (!c.terminated) {
            c.terminated = true
            session.limitExceeded("streamBufferSize")
            c.items.close(
                LimitExceededException(
                    "streamBufferSize", bufferSize.toLong(),
                    "the stream of ${c.listener} sent more items than were requested (streamBufferSize $bufferSize)",
                ),
            )
            sendLater(ExtensionWire.cancel(c.onCall, c.id))
        }
        return false
    }

    /** The connection ended: every stream this side receives fails with [error]. */
    fun finish(error: (String) -> ConnectionClosedException) {
        for (table in listOf(resultConsumers, argumentConsumers)) {
            for (key in table.keys) {
                val c = table.remove(key) ?: continue
                c.terminated = true
                c.items.close(error(c.listener))
            }
        }
        resultProducers.clear()
        argumentProducers.clear()
    }

    // ------------------------------------------------------------------ producing

    /** Registers the result stream of the remote side's call [uid] before it runs, so its first `request` finds it. */
    fun resultProducer(uid: Long): Producer = Producer(true, uid, null, null).also { resultProducers[uid] = it }

    fun dropResultProducer(uid: Long) {
        resultProducers.remove(uid)
    }

    /** Sends the items of [stream] (a `Flow` or a `Flow.Publisher`) as the credit allows, then its end. */
    suspend fun produce(p: Producer, stream: Any?, kind: StreamKind, adapter: ValueAdapter?, what: String) {
        try {
            val flow = toFlow(stream, kind, what)
            coroutineScope {
                // items the stream produced within its credit, waiting to be sent: bounded, and drained in
                // batches, so a fast stream shares frames while a slow one sends each item at once
                val queue = Channel<String>(SEND_QUEUE)
                launch(CoroutineName("wsgrid-stream-source")) {
                    try {
                        flow.collect { item ->
                            p.acquire()
                            queue.send(encode(adapter, item, what))
                        }
                        queue.close()
                    } catch (e: Throwable) {
                        // the sender sends what came before, then fails with e
                        queue.close(e)
                    }
                }
                sendBatches(p, queue)
            }
            session.awaitWritable()
            session.send(ExtensionWire.complete(p.onCall, p.id))
        } catch (e: CancellationException) {
            // cancelled by the consumer or the connection's end: nothing is sent; a CancellationException
            // thrown by the stream itself while this coroutine is active is the stream's error
            if (!currentCoroutineContext().isActive) throw e
            session.sendQuietly(ExtensionWire.error(p.onCall, p.id, Errors.encode(e, session.options.exposeStackTraces).toString()))
        } catch (e: ConnectionClosedException) {
            log.debug("the stream {} ended with its connection: {}", what, e.message)
        } catch (e: Throwable) {
            session.sendQuietly(ExtensionWire.error(p.onCall, p.id, Errors.encode(Errors.unwrap(e), session.options.exposeStackTraces).toString()))
        } finally {
            if (p.onCall) resultProducers.remove(p.id, p) else argumentProducers.remove(p.id, p)
        }
    }

    /** Sends the items of [queue] until it closes: each frame takes every item waiting, up to a batch's limits. */
    private suspend fun sendBatches(p: Producer, queue: Channel<String>) {
        val batch = ArrayList<String>()
        while (true) {
            val first = queue.receiveCatching()
            if (first.isClosed) {
                first.exceptionOrNull()?.let { throw it }
                return
            }
            batch.add(first.getOrThrow())
            var chars = batch[0].length
            while (batch.size < MAX_BATCH_ITEMS && chars < MAX_BATCH_CHARS) {
                val more = queue.tryReceive().getOrNull() ?: break
                batch.add(more)
                chars += more.length
            }
            session.awaitWritable()
            session.send(
                if (batch.size == 1) ExtensionWire.next(p.onCall, p.id, batch[0]) else ExtensionWire.nextBatch(p.onCall, p.id, batch, chars),
            )
            batch.clear()
        }
    }

    private fun encode(adapter: ValueAdapter?, item: Any?, what: String): String = try {
        adapter?.encode(item) ?: "null"
    } catch (e: Exception) {
        throw IllegalStateException("cannot encode an item of $what: ${e.message}", e)
    }

    /** Offers [stream] as an argument of a call: it starts when the receiver first requests items. */
    fun offerArgument(sid: Long, stream: Any?, kind: StreamKind, adapter: ValueAdapter, what: String): String {
        @Suppress("UNCHECKED_CAST")
        val flow = toFlow(stream ?: throw IllegalArgumentException("a stream argument cannot be null"), kind, what)
        argumentProducers[sid] = Producer(false, sid, flow, adapter)
        return ExtensionWire.streamArgument(sid)
    }

    /** The call that carried stream arguments [sids] has ended: streams nobody collected are dropped. */
    fun dropArguments(sids: List<Long>) {
        for (sid in sids) {
            val p = argumentProducers.remove(sid) ?: continue
            p.job?.cancel(RemoteCancellation("the call that carried the stream argument (sid $sid) has ended"))
        }
    }

    private fun startArgument(p: Producer) {
        p.job = session.scope.launch(CoroutineName("wsgrid-stream-argument-${p.id}")) {
            produce(p, p.flow, StreamKind.FLOW, p.adapter, "stream argument ${p.id}")
        }
    }

    // ------------------------------------------------------------------ consuming

    /** The stream a call of this side receives: collecting it sends the call (by [start]), then requests items. */
    fun resultStream(uid: Long, listener: String, adapter: ValueAdapter?, start: suspend () -> Unit): Flow<Any?> {
        val c = Consumer(true, uid, listener, bufferSize)
        return flow {
            resultConsumers[uid] = c
            consume(c, adapter, resultConsumers, start)
        }
    }

    /** The stream argument [sid] the remote side sent, received by collecting the returned flow (once). */
    fun argumentStream(sid: Long, listener: String, adapter: ValueAdapter): Flow<Any?> {
        val collected = AtomicBoolean()
        return flow {
            check(collected.compareAndSet(false, true)) { "the stream argument of $listener can be collected only once" }
            val c = Consumer(false, sid, listener, bufferSize)
            argumentConsumers[sid] = c
            consume(c, adapter, argumentConsumers) {}
        }
    }

    private suspend fun FlowCollector<Any?>.consume(
        c: Consumer,
        adapter: ValueAdapter?,
        table: ConcurrentHashMap<Long, Consumer>,
        start: suspend () -> Unit,
    ) {
        try {
            start()
            sendFor(c, ExtensionWire.request(c.onCall, c.id, bufferSize.toLong()))
            val refill = (bufferSize / 2).coerceAtLeast(1)
            var taken = 0
            for (json in c.items) {
                val value = try {
                    adapter?.fromJson(json)
                } catch (e: Exception) {
                    throw InvalidMessageException("an item of the stream of ${c.listener} does not fit its type: ${e.message}", Wire.excerpt(json.toString()), c.id, e)
                }
                emit(value)
                if (++taken >= refill) {
                    sendFor(c, ExtensionWire.request(c.onCall, c.id, taken.toLong()))
                    taken = 0
                }
            }
        } finally {
            table.remove(c.id, c)
            if (!c.terminated) sendLater(ExtensionWire.cancel(c.onCall, c.id))
        }
    }

    private suspend fun sendFor(c: Consumer, text: String) {
        try {
            session.awaitWritable()
            session.send(text)
        } catch (e: ConnectionClosedException) {
            c.terminated = true
            val what = if (c.onCall) "the stream of ${c.listener}" else "a stream argument of ${c.listener}"
            throw ConnectionClosedException(e.code, e.reason, "cannot receive $what: ${e.message}", e)
        }
    }

    companion object {
        private val log = LoggerFactory.getLogger(Extensions::class.java)

        /** Encoded items a producer may hold for sending, beyond which its stream waits. */
        const val SEND_QUEUE = 64

        /** At most this many items share one `next` frame... */
        const val MAX_BATCH_ITEMS = 256

        /** ...and a frame takes no more items once it holds this many characters. */
        const val MAX_BATCH_CHARS = 64 * 1024

        @Suppress("UNCHECKED_CAST")
        fun toFlow(stream: Any?, kind: StreamKind, what: String): Flow<Any?> = when {
            stream == null -> throw IllegalStateException("$what returned null instead of a stream")
            kind == StreamKind.PUBLISHER || stream is java.util.concurrent.Flow.Publisher<*> ->
                (stream as java.util.concurrent.Flow.Publisher<Any>).asFlow()
            else -> stream as Flow<Any?>
        }

        /** [flow] as the caller declared it: a `Flow`, or a `Flow.Publisher`. */
        @Suppress("UNCHECKED_CAST")
        fun asDeclared(flow: Flow<Any?>, kind: StreamKind): Any = when (kind) {
            StreamKind.FLOW -> flow
            // a Publisher may not signal null: a null item fails the subscriber with a NullPointerException
            StreamKind.PUBLISHER -> (flow as Flow<Any>).asPublisher()
        }
    }
}

/** Why a running call or stream stopped: the remote side cancelled it. */
internal class RemoteCancellation(message: String) : CancellationException(message)
