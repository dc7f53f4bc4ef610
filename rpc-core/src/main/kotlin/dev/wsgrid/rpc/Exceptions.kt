package dev.wsgrid.rpc

import dev.wsgrid.rpc.internal.PlainJson
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.contentOrNull
import java.time.Duration

/**
 * The root of every failure wsgrid reports. Unchecked, so Kotlin `suspend` drivers and
 * Java futures surface it unchanged; catch a subtype to handle one cause.
 */
public open class WsgridException(message: String, cause: Throwable? = null) : RuntimeException(message, cause)

/**
 * The remote provider failed the call: it threw, or refused it (unknown member, bad
 * arguments, a security rule).
 *
 * TGrid sends a thrown JavaScript `Error` as `{name, message, stack, ...own properties}` and
 * any other thrown value unchanged; [data] keeps that value whole, so extra properties such as
 * `code` stay readable. A provider may also throw a `RemoteException` itself to control the
 * `name` and the extra properties the caller sees.
 *
 * @property name the remote error's `name` (`"Error"`, `"RangeError"`, a JVM exception's
 *   simple class name), or `null` when the remote side threw a value that is not an error object.
 * @property remoteMessage the remote error's `message`, or the thrown value as text.
 * @property data the whole error value as it travelled (from Java: [properties], [dataJson]).
 * @property listener the dotted path of the call that failed, when known (`scientific.sqrt`).
 */
public class RemoteException @JvmOverloads constructor(
    public val name: String?,
    public val remoteMessage: String,
    @get:JvmSynthetic
    public val data: JsonElement = JsonNull,
    public val listener: String? = null,
) : WsgridException(remoteMessage) {

    /** The remote error's own property [key] (for example `code`), or `null` if it has none. */
    @JvmSynthetic
    public fun property(key: String): JsonElement? = (data as? JsonObject)?.get(key)

    /**
     * The remote error's own properties as plain Java values (`Map`, `List`, `String`, `Long`,
     * `Double`, `Boolean`, `null`); empty when the remote side threw a value that is not an object.
     */
    @Suppress("UNCHECKED_CAST")
    public val properties: Map<String, Any?> get() = (PlainJson.toPlain(data as? JsonObject) as Map<String, Any?>?).orEmpty()

    /** The whole error value as JSON text, for callers that read it with another JSON library (Jackson). */
    public val dataJson: String get() = data.toString()

    /** The remote `stack` text, when the remote side sent one. */
    public val remoteStack: String?
        get() = (property("stack") as? JsonPrimitive)?.takeIf { it.isString }?.contentOrNull

    override fun toString(): String =
        "RemoteException(${name ?: "value"}${listener?.let { " from $it" } ?: ""}): $remoteMessage"
}

/**
 * The connection closed while the call was pending, or before it could be sent.
 *
 * @property code the WebSocket close code (`1000` normal, `1006` abnormal, ...).
 * @property reason the close reason, possibly empty.
 */
public class ConnectionClosedException @JvmOverloads constructor(
    public val code: Int,
    public val reason: String,
    message: String = "connection closed (code $code${if (reason.isEmpty()) "" else ", reason \"$reason\""})",
    cause: Throwable? = null,
) : WsgridException(message, cause)

/**
 * A call, join or close was made in a state that does not allow it, for example calling
 * before the connection is open: `cannot call plus: connection is CONNECTING`.
 *
 * @property state the state the communicator was in.
 */
public class NotConnectedException(
    public val state: CommunicatorState,
    message: String,
) : WsgridException(message)

/**
 * A call got no return within its timeout. Its pending entry is gone and a late return is ignored.
 *
 * @property listener the dotted path of the call.
 * @property timeout the limit that was exceeded.
 */
public class CallTimeoutException(
    public val listener: String,
    public val timeout: Duration,
) : WsgridException("call to $listener timed out after ${timeout.toMillis()} ms")

/**
 * A configured limit was exceeded: pending calls, concurrent incoming calls, frame size.
 *
 * @property limit the name of the option that sets the limit (`maxPendingCalls`).
 * @property value the limit's value.
 */
public class LimitExceededException(
    public val limit: String,
    public val value: Long,
    message: String,
) : WsgridException(message)

/**
 * A frame that is not a TGrid invoke: not JSON, a wrong shape, a `uid` that is not a
 * positive integer, a return for no pending call. The connection lives on; the frame is
 * skipped, or answered with an error when it carries a call's `uid`.
 *
 * @property frame the offending frame's text, cut to 200 characters.
 * @property uid the `uid` the frame carried, when it could be read.
 */
public class InvalidMessageException(
    message: String,
    public val frame: String,
    public val uid: Long? = null,
    cause: Throwable? = null,
) : WsgridException(message, cause)

/**
 * The server refused the connection: it closed the socket instead of accepting the header.
 *
 * @property code the close code the server sent (`1008` is TGrid's usual one).
 * @property reason the close reason the server sent.
 */
public class HandshakeRejectedException @JvmOverloads constructor(
    public val code: Int,
    public val reason: String,
    message: String = "the server rejected the connection (code $code${if (reason.isEmpty()) "" else ", reason \"$reason\""})",
) : WsgridException(message)

/**
 * The handshake did not finish in time: a server got no header, or a connector got no answer.
 *
 * @property timeout the limit that was exceeded.
 */
public class HandshakeTimeoutException(
    public val timeout: Duration,
    message: String,
) : WsgridException(message)

/**
 * A connection could not be opened: the server is unreachable, the URL is wrong, the WebSocket
 * upgrade was refused with an HTTP status.
 *
 * @property url the URL that was tried.
 */
public class ConnectException(
    public val url: String,
    message: String,
    cause: Throwable? = null,
) : WsgridException(message, cause)

/**
 * The remote side stopped answering heartbeat pings within the dead-peer timeout; the
 * connection was closed and the calls pending on it failed with this as their cause.
 *
 * @property timeout the dead-peer timeout.
 */
public class HeartbeatLostException(
    public val timeout: Duration,
) : WsgridException("heartbeat lost: no answer from the remote side within ${timeout.toMillis()} ms")

/**
 * An id asked for a connection is already another open connection's.
 *
 * @property id the id in conflict.
 */
public class IdConflictException @JvmOverloads constructor(
    public val id: String,
    message: String = "the id '$id' is taken by another connection",
) : WsgridException(message)
