package dev.wsgrid.rpc

/**
 * Marks a driver method as one-way, as `line`'s `sendWithoutResponse`: the call is sent and the
 * method returns at once, without waiting for (or keeping anything for) a return.
 *
 * ```kotlin
 * interface IChatPrinter {
 *     @Notification suspend fun print(name: String, message: String)
 * }
 * ```
 *
 * The method must return nothing (`Unit`, `void`, or `CompletableFuture<Void>`). The remote side
 * runs it like any call; a TGrid peer answers it anyway, and that answer is dropped at no cost.
 * A failure on the remote side is not reported to the caller.
 */
@Target(AnnotationTarget.FUNCTION)
@Retention(AnnotationRetention.RUNTIME)
@MustBeDocumented
public annotation class Notification
