package dev.wsgrid.rpc.internal

import dev.wsgrid.rpc.CommunicatorOptions
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import java.time.Duration
import java.util.concurrent.CompletableFuture

/**
 * One driver call recorded once to be sent to many connections (a broadcast): TGrid's invoke
 * without its uid, its arguments encoded once. Each connection sends it with a uid of its own;
 * a notification's frame is the same for every connection, and built once.
 *
 * Public for the server module (rooms) and the cluster adapters (which carry it to other nodes).
 */
@InternalWsgridApi
public class RecordedCall(
    /** The function path, `print` or `scientific.sqrt`. */
    public val listener: String,
    /** The arguments, each as JSON text, spread as TGrid sends them. */
    public val arguments: List<String>,
    /** Whether no return is awaited (a `@Notification`). */
    public val oneWay: Boolean,
) {
    internal val quoted: String = Wire.quote(listener)
    private val encoded: Array<String> = arguments.toTypedArray()

    /** This call's frame with [uid]. */
    public fun frame(uid: Long): String = Wire.call(uid, quoted, encoded)

    /** The notification's frame, the same for every connection. */
    public val notificationFrame: String by lazy { Wire.call(Wire.NOTIFICATION_UID, quoted, encoded) }

    override fun toString(): String = "RecordedCall($listener, ${arguments.size} arguments${if (oneWay) ", one-way" else ""})"

    /** A call frame read back (from another node): its [uid] and the [call] it makes. */
    public class Received(
        /** The caller's uid; [NOTIFICATION_UID] for a one-way call. */
        public val uid: Long,
        /** The call, one-way when [uid] is [NOTIFICATION_UID]. */
        public val call: RecordedCall,
    )

    /** Recording, and reading calls back. */
    @InternalWsgridApi
    public companion object {
        /** The uid of every one-way call (a notification). */
        public const val NOTIFICATION_UID: Long = Wire.NOTIFICATION_UID

        /**
         * Reads a call frame as TGrid writes it (`{"uid":N,"listener":...,"parameters":[...]}`):
         * the inverse of [frame], for a call that a node relays to a connection it holds.
         *
         * @throws dev.wsgrid.rpc.InvalidMessageException when [text] is not a call frame.
         */
        public fun parse(text: String): Received {
            val env = Envelope.parse(text)
            if (env is Parsed.BadCall) throw env.error
            env as Envelope
            if (!env.isCall) throw dev.wsgrid.rpc.InvalidMessageException("invalid invoke: a call was expected, got a return", Wire.excerpt(text), env.uid)
            val args = List(env.parameterCount) { env.parameterText(it) }
            return Received(env.uid, RecordedCall(env.listener!!, args, env.uid == Wire.NOTIFICATION_UID))
        }

        /** A return frame for [uid]: [value] is JSON text, or `null` to leave `value` out (TGrid's `undefined`). */
        public fun returnFrame(uid: Long, success: Boolean, value: String?): String = Wire.ret(uid, success, value)

        /**
         * Runs [call] once on a recording driver of [type] bound with [options]' codec, and answers
         * the one call it made; the call never completes (nothing was sent), and the block is
         * cancelled once recorded.
         *
         * @throws IllegalArgumentException when [call] makes no call, a second one, or calls a
         *   function that streams.
         */
        public suspend fun <T : Any> record(type: Class<T>, options: CommunicatorOptions, call: suspend (T) -> Unit): RecordedCall {
            val recorder = Recorder(options.bindings)
            val driver = DriverHandler.create(recorder, options.bindings.forDriver(type), "", null, type)
            return coroutineScope {
                val block = launch(start = CoroutineStart.UNDISPATCHED) {
                    call(driver)
                    recorder.outcome.completeExceptionally(IllegalArgumentException("a broadcast must call one function of ${type.simpleName}, but the block called none"))
                }
                try {
                    recorder.outcome.await()
                } finally {
                    block.cancel()
                }
            }
        }
    }

    /** A driver host that records the first call and never sends anything. */
    private class Recorder(override val bindings: ServiceBindings) : DriverHost {
        val outcome = CompletableDeferred<RecordedCall>()

        private fun record(listener: String, f: BoundFunction, args: Array<out Any?>?) {
            val recorded = try {
                require(f.member.resultStream == null && !f.member.hasStreamParameters) { "a broadcast cannot stream, but $listener does" }
                RecordedCall(listener, Arguments.encode(f, args, listener, null, null).asList(), f.member.oneWay)
            } catch (e: Exception) {
                outcome.completeExceptionally(e)
                return
            }
            if (!outcome.complete(recorded)) {
                outcome.completeExceptionally(IllegalArgumentException("a broadcast sends one call, but the block called $listener after ${outcome.getCompleted().listener}"))
            }
        }

        override suspend fun call(listener: String, quoted: String, f: BoundFunction, args: Array<out Any?>?, timeout: Duration?): Any? {
            record(listener, f, args)
            awaitCancellation()
        }

        override fun stream(listener: String, quoted: String, f: BoundFunction, args: Array<out Any?>?): kotlinx.coroutines.flow.Flow<Any?> =
            throw IllegalArgumentException("a broadcast cannot stream, but $listener does")

        override fun callAsFuture(listener: String, quoted: String, f: BoundFunction, args: Array<out Any?>?, timeout: Duration?): CompletableFuture<Any?> {
            record(listener, f, args)
            return CompletableFuture()
        }
    }
}
