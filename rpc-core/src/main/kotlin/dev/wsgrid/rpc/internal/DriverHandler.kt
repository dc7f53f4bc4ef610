package dev.wsgrid.rpc.internal

import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.future.future
import java.lang.reflect.InvocationHandler
import java.lang.reflect.Method
import java.lang.reflect.Proxy
import java.time.Duration
import java.util.concurrent.CompletableFuture
import kotlin.coroutines.Continuation
import kotlin.coroutines.intrinsics.startCoroutineUninterceptedOrReturn

/** What a driver needs from its communicator. */
internal interface DriverHost {
    val bindings: ServiceBindings
    suspend fun call(listener: String, quoted: String, f: BoundFunction, args: Array<out Any?>?, timeout: Duration?): Any?
    fun stream(listener: String, quoted: String, f: BoundFunction, args: Array<out Any?>?): kotlinx.coroutines.flow.Flow<Any?>
    fun callAsFuture(listener: String, quoted: String, f: BoundFunction, args: Array<out Any?>?, timeout: Duration?): CompletableFuture<Any?>
}

/**
 * The proxy behind a driver: every service method becomes a call to [prefix] + its name.
 * Nested objects become nested drivers (made once); `Object` methods and default methods stay local.
 */
internal class DriverHandler(
    private val host: DriverHost,
    private val service: BoundService,
    private val prefix: String,
    private val timeout: Duration?,
) : InvocationHandler {
    private class Route(val listener: String, val quoted: String, val function: BoundFunction)

    private val routes = HashMap<Method, Any>()

    init {
        for ((method, member) in service.byMethod) {
            routes[method] = when (member) {
                is BoundFunction -> {
                    val listener = prefix + member.member.name
                    Route(listener, Wire.quote(listener), member)
                }
                is NestedMember -> lazy {
                    create(host, host.bindings.forDriver(member.type), prefix + member.name + ".", timeout, member.type)
                }
                else -> error("unexpected member $member")
            }
        }
    }

    override fun invoke(proxy: Any, method: Method, args: Array<out Any?>?): Any? {
        when (val route = routes[method]) {
            is Route -> {
                val f = route.function
                val streamKind = f.member.resultStream
                if (streamKind != null) {
                    // a cold stream: nothing is sent until it is collected (subscribed to)
                    return Extensions.asDeclared(host.stream(route.listener, route.quoted, f, args), streamKind)
                }
                return if (f.member.style == CallStyle.SUSPEND) {
                    @Suppress("UNCHECKED_CAST")
                    val continuation = args!![args.size - 1] as Continuation<Any?>
                    val call: suspend () -> Any? = { host.call(route.listener, route.quoted, f, args, timeout) }
                    call.startCoroutineUninterceptedOrReturn(continuation)
                } else {
                    host.callAsFuture(route.listener, route.quoted, f, args, timeout)
                }
            }
            is Lazy<*> -> return route.value
        }
        if (method.declaringClass == Any::class.java) {
            return when (method.name) {
                "equals" -> proxy === args?.get(0)
                "hashCode" -> System.identityHashCode(proxy)
                "toString" -> "Driver<${service.descriptor.name}>" + if (prefix.isEmpty()) "" else "(${prefix.dropLast(1)})"
                else -> throw UnsupportedOperationException("${method.name} is not available on a driver")
            }
        }
        if (method.isDefault) return InvocationHandler.invokeDefault(proxy, method, *(args ?: emptyArray()))
        throw IllegalStateException("${method.declaringClass.simpleName}.${method.name} is not a remote function of ${service.descriptor.name}")
    }

    companion object {
        fun <T> create(host: DriverHost, service: BoundService, prefix: String, timeout: Duration?, type: Class<T>): T =
            type.cast(Proxy.newProxyInstance(type.classLoader, arrayOf(type), DriverHandler(host, service, prefix, timeout)))
    }
}

/** Starts a call as a future; the send happens before this returns, so calls keep their order. */
internal fun DriverHost.startFuture(
    scope: kotlinx.coroutines.CoroutineScope,
    listener: String,
    quoted: String,
    f: BoundFunction,
    args: Array<out Any?>?,
    timeout: Duration?,
): CompletableFuture<Any?> =
    scope.future(dev.wsgrid.rpc.CallTimeout.forFutureCall(), CoroutineStart.UNDISPATCHED) { call(listener, quoted, f, args, timeout) }
