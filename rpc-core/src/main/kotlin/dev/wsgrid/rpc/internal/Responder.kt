package dev.wsgrid.rpc.internal

import dev.wsgrid.rpc.InvalidMessageException
import dev.wsgrid.rpc.LimitExceededException
import dev.wsgrid.rpc.RemoteException
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.future.await
import kotlinx.coroutines.launch
import kotlinx.coroutines.runInterruptible
import org.slf4j.LoggerFactory
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

    /** A call arrived. */
    fun onCall(env: Envelope, blobs: List<ByteArray>?) {
        val listener = env.listener!!
        val max = sink.options.maxConcurrentCalls
        if (running.incrementAndGet() > max) {
            running.decrementAndGet()
            val e = LimitExceededException(
                "maxConcurrentCalls", max.toLong(),
                "refused to call ${PeerText.name(listener)}: $max calls of this connection are already running (maxConcurrentCalls)",
            )
            sendError(env.uid, e, null)
            return
        }
        val target = try {
            host.providerBinding?.resolve(listener, env.parameterCount)
                ?: throw RemoteException("IllegalStateException", "cannot call ${PeerText.name(listener)}: this side has no provider", listener = PeerText.name(listener))
        } catch (e: Exception) {
            running.decrementAndGet()
            sendError(env.uid, e, null)
            return
        }
        val f = target.function
        if (f.member.resultStream != null) {
            stream(env, target, blobs)
            return
        }
        val received = try {
            host.observer.received(env, f, extensions?.placeholders(null), blobs)
        } catch (e: Exception) {
            running.decrementAndGet()
            sendError(env.uid, e, null)
            return
        }
        val job = launch(target) {
            try {
                execute(env.uid, listener, target, received)
            } finally {
                running.decrementAndGet()
            }
        }
        extensions?.track(env.uid, job)
    }

    /**
     * Starts a call's coroutine: on this thread until it suspends when the function runs inline,
     * else dispatched to the blocking pool, even when this thread belongs to that pool too, so
     * the receiving thread goes back to its frames at once.
     */
    private fun launch(target: Target, block: suspend kotlinx.coroutines.CoroutineScope.() -> Unit): kotlinx.coroutines.Job =
        if (target.inline) {
            sink.scope.launch(start = CoroutineStart.UNDISPATCHED, block = block)
        } else {
            sink.scope.launch(sink.options.blockingDispatcher, block = block)
        }

    /** A call whose uid could be read but which is broken: answered with [error]. */
    fun refuse(uid: Long, error: InvalidMessageException) {
        sink.sendQuietly(Wire.ret(uid, false, Errors.error("InvalidMessageException", error.message ?: "").toString()))
    }

    private suspend fun execute(uid: Long, listener: String, target: Target, received: InvokeObserver.Received) {
        val f = target.function
        val result = try {
            invoke(target, received.arguments)
        } catch (e: CancellationException) {
            throw e
        } catch (e: Throwable) {
            sendError(uid, e, received)
            return
        }
        val binary = f.member.resultBinary
        if (binary != null && result != null && extensions != null && received.function == null) {
            val frame = BinaryPayloads.encode(Wire.ret(uid, true, BinaryPayloads.placeholder(0)), listOf(BinaryPayloads.toBytes(result, binary)))
            try {
                sink.sendBinary(frame)
            } catch (e: dev.wsgrid.rpc.ConnectionClosedException) {
                log.debug("{}: a return was not sent: {}", sink.description, e.message)
            }
            return
        }
        val text = try {
            host.observer.returnFrame(uid, f, result, received)
        } catch (e: Exception) {
            sendError(uid, IllegalStateException("cannot encode the result of $listener: ${e.message}", e), received)
            return
        }
        sink.sendQuietly(text)
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
        val job = launch(target) {
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
