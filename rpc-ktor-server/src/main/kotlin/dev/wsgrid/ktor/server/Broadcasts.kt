package dev.wsgrid.ktor.server

import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlin.time.toJavaDuration

/*
 * Broadcasts from Kotlin, the driver type given as a type argument:
 *
 *     server.broadcast<IChatPrinter>("lobby") { it.print(name, message) }
 *     server.broadcastToAll<IChatPrinter> { it.print("server", "closing soon") }
 *
 * A room nobody is in gets nothing, and the result says so (nobody delivered, nobody failed).
 */

/** How long a broadcast waits for each member unless told otherwise. */
@PublishedApi
internal val DEFAULT_BROADCAST_WAIT: Duration = 10.seconds

/** Calls [call] on a driver of [T] of every member of the room [room] at once; see [Room.broadcast]. */
public suspend inline fun <reified T : Any> WebSocketServer<*, *>.broadcast(room: String, timeout: Duration = DEFAULT_BROADCAST_WAIT, noinline call: suspend (T) -> Unit): BroadcastResult = room(room).broadcastOrNone(T::class.java, timeout, call)

/** Calls [call] on a driver of [T] of every open connection of the server at once; see [Room.broadcast]. */
public suspend inline fun <reified T : Any> WebSocketServer<*, *>.broadcastToAll(timeout: Duration = DEFAULT_BROADCAST_WAIT, noinline call: suspend (T) -> Unit): BroadcastResult = broadcast(T::class.java, timeout.toJavaDuration(), call)

/** Calls [call] on a driver of [T] of every member of the room [room] of this route at once; see [Room.broadcast]. */
public suspend inline fun <reified T : Any> AcceptorRegistry<*, *>.broadcast(room: String, timeout: Duration = DEFAULT_BROADCAST_WAIT, noinline call: suspend (T) -> Unit): BroadcastResult = room(room).broadcastOrNone(T::class.java, timeout, call)

/** Calls [call] on a driver of [T] of every open connection of this route at once; see [Room.broadcast]. */
public suspend inline fun <reified T : Any> AcceptorRegistry<*, *>.broadcastToAll(timeout: Duration = DEFAULT_BROADCAST_WAIT, noinline call: suspend (T) -> Unit): BroadcastResult = broadcast(T::class.java, timeout.toJavaDuration(), call)

/** [Room.broadcast] on this room, or the result of a broadcast to nobody when there is no such room. */
@PublishedApi
internal suspend fun <T : Any> Room?.broadcastOrNone(type: Class<T>, timeout: Duration, call: suspend (T) -> Unit): BroadcastResult =
    this?.broadcast(type, timeout.toJavaDuration(), call) ?: BroadcastResult(emptyList(), emptyMap())
