package dev.wsgrid.rpc.internal

import dev.wsgrid.rpc.Blocking
import dev.wsgrid.rpc.NonBlocking
import java.lang.reflect.GenericArrayType
import java.lang.reflect.Method
import java.lang.reflect.Modifier
import java.lang.reflect.ParameterizedType
import java.lang.reflect.Type
import java.lang.reflect.TypeVariable
import java.lang.reflect.WildcardType
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage
import kotlin.coroutines.Continuation
import kotlin.reflect.KParameter
import kotlin.reflect.jvm.kotlinFunction

/** How a service method delivers its result. */
internal enum class CallStyle {
    /** A Kotlin `suspend` function. */
    SUSPEND,

    /** Returns a `CompletionStage` (a `CompletableFuture` on drivers). */
    FUTURE,

    /** Returns its result directly, blocking its thread: providers only. */
    BLOCKING,
}

/** One remote member of a service interface: a function, or a nested object. */
internal sealed class ServiceMember(val method: Method, val name: String) {
    /** `ICalculator.plus`, for error messages. */
    val where: String get() = "${method.declaringClass.simpleName}.${method.name}"
}

/** A remote function: its wire name, call style and value types, parsed once. */
internal class FunctionMember(
    method: Method,
    name: String,
    val style: CallStyle,
    /** The value parameters, without a trailing `Continuation`. */
    val parameterTypes: List<Type>,
    val parameterNullable: BooleanArray,
    /** The element type when the last parameter is variadic (`vararg`, `...`). */
    val varargElementType: Type?,
    /** The result type; `Void` for `void`, `Unit` and `CompletableFuture<Void>`. */
    val resultType: Type,
    val resultIsUnit: Boolean,
    val resultNullable: Boolean,
    /** Marked [dev.wsgrid.rpc.Notification]: sent without waiting for a return. */
    val oneWay: Boolean = false,
    /** How the result streams, when it is a `Flow<T>` or a `Flow.Publisher<T>`; [resultType] is then `T`. */
    val resultStream: StreamKind? = null,
    /** Per value parameter: how it streams, or `null`; [parameterTypes] hold the element types of those that do. */
    val parameterStreams: Array<StreamKind?> = arrayOfNulls(parameterTypes.size),
    /** Per fixed value parameter: whether it is binary (`ByteArray`, `ByteBuffer`), sent as such between wsgrid peers. */
    val parameterBinary: Array<BinaryKind?> = arrayOfNulls(parameterTypes.size),
    /** Whether the result is binary. */
    val resultBinary: BinaryKind? = null,
    /**
     * Whether a provider runs it on the connection's own thread (`suspend` and future functions,
     * and plain ones marked [dev.wsgrid.rpc.NonBlocking]) rather than on the blocking pool (plain
     * functions, and any marked [dev.wsgrid.rpc.Blocking]), as the service interface declares it.
     */
    val inline: Boolean = style != CallStyle.BLOCKING,
) : ServiceMember(method, name) {
    /** Whether any parameter is binary. */
    val hasBinaryParameters: Boolean = parameterBinary.any { it != null }

    /** Whether any parameter is a stream. */
    val hasStreamParameters: Boolean = parameterStreams.any { it != null }

    /** The runtime class of the variadic elements, for building the array. */
    val varargElementClass: Class<*>? = varargElementType?.let { rawClass(it) }

    val fixedArity: Int = if (varargElementType != null) parameterTypes.size - 1 else parameterTypes.size

    /** Whether a call with [count] wire parameters can reach this function. */
    fun accepts(count: Int): Boolean = if (varargElementType != null) count >= fixedArity else count == fixedArity

    fun arityText(): String = if (varargElementType != null) "$fixedArity or more" else "$fixedArity"

    fun signature(): String =
        "$where(${parameterTypes.joinToString { it.typeName.substringAfterLast('.') }})"
}

internal fun rawClass(t: Type): Class<*> = when (t) {
    is Class<*> -> t
    is ParameterizedType -> rawClass(t.rawType)
    is GenericArrayType -> java.lang.reflect.Array.newInstance(rawClass(t.genericComponentType), 0).javaClass
    is WildcardType -> rawClass(t.upperBounds.first())
    else -> Any::class.java
}

/** The stream types a service method may take or return (wsgrid extension, `docs/guide/extensions.md`). */
internal enum class StreamKind {
    /** `kotlinx.coroutines.flow.Flow<T>`. */
    FLOW,

    /** `java.util.concurrent.Flow.Publisher<T>`. */
    PUBLISHER,
    ;

    companion object {
        /** The kind of stream [t] is, with its element type, or `null` when it is no stream. */
        fun of(t: Type): Pair<StreamKind, Type>? {
            val raw = rawClass(t)
            val kind = when (raw) {
                kotlinx.coroutines.flow.Flow::class.java -> FLOW
                java.util.concurrent.Flow.Publisher::class.java -> PUBLISHER
                else -> return null
            }
            val arg = (t as? ParameterizedType)?.actualTypeArguments?.firstOrNull() ?: return kind to Any::class.java
            return kind to if (arg is WildcardType) (arg.upperBounds.firstOrNull() ?: Any::class.java) else arg
        }
    }
}

/** A member that returns another service interface: a path segment (`scientific` in `scientific.sqrt`). */
internal class NestedMember(method: Method, name: String, val type: Class<*>) : ServiceMember(method, name)

/**
 * A service interface, parsed once and cached: its remote functions by wire name, its nested
 * objects, and every member by [Method] for driver dispatch.
 */
internal class ServiceDescriptor private constructor(
    val type: Class<*>,
    val functions: Map<String, List<FunctionMember>>,
    val nested: Map<String, NestedMember>,
    val byMethod: Map<Method, ServiceMember>,
) {
    val name: String get() = type.simpleName

    companion object {
        private val cache = object : ClassValue<Result<ServiceDescriptor>>() {
            override fun computeValue(type: Class<*>): Result<ServiceDescriptor> = runCatching { parse(type) }
        }

        /** The descriptor of [type]; throws [IllegalArgumentException] naming the method at fault. */
        fun of(type: Class<*>): ServiceDescriptor = cache.get(type).getOrThrow()

        private val OBJECT_METHOD_NAMES = setOf(
            "getClass", "hashCode", "equals", "toString", "notify", "notifyAll", "wait", "clone", "finalize",
        )

        private fun parse(type: Class<*>): ServiceDescriptor {
            require(type.isInterface) {
                "${type.name} is not an interface: drivers and providers are defined by service interfaces"
            }
            val isKotlin = type.isAnnotationPresent(Metadata::class.java)
            val bySignature = LinkedHashMap<String, MutableList<Method>>()
            for (m in type.methods) {
                if (Modifier.isStatic(m.modifiers) || m.isSynthetic || m.isBridge) continue
                bySignature.getOrPut(m.name + m.parameterTypes.joinToString(",", "(", ")") { it.name }) { ArrayList() }.add(m)
            }
            val functions = LinkedHashMap<String, MutableList<FunctionMember>>()
            val nested = LinkedHashMap<String, NestedMember>()
            val byMethod = HashMap<Method, ServiceMember>()
            for (methods in bySignature.values) {
                // A default method anywhere for this signature makes it local to the driver, never remote.
                if (methods.any { it.isDefault }) continue
                val m = methods.first()
                // Non-public service interfaces (a private Kotlin interface, a package-private Java one) still work.
                runCatching { m.isAccessible = true }
                // Object's own methods, redeclared by an interface, stay local; a member that only shares
                // a name with one (a remote `wait(tag)`) is the interface's own and is remote.
                if (m.name in OBJECT_METHOD_NAMES && isObjectSignature(m)) continue
                val member = parseMember(m, isKotlin && m.declaringClass.isAnnotationPresent(Metadata::class.java))
                when (member) {
                    is NestedMember -> {
                        val previous = nested.put(member.name, member)
                        require(previous == null) {
                            "${previous!!.where} and ${member.where} both name the nested object '${member.name}'\n" +
                                "    for method ${member.where}"
                        }
                    }
                    is FunctionMember -> functions.getOrPut(member.name) { ArrayList() }.add(member)
                }
                methods.forEach { byMethod[it] = member }
            }
            return ServiceDescriptor(type, functions, nested, byMethod)
        }

        private fun isObjectSignature(m: Method): Boolean =
            try {
                Any::class.java.getDeclaredMethod(m.name, *m.parameterTypes)
                true
            } catch (_: NoSuchMethodException) {
                false
            }

        private fun parseMember(m: Method, isKotlin: Boolean): ServiceMember {
            fun fail(why: String): Nothing =
                throw IllegalArgumentException("$why\n    for method ${m.declaringClass.simpleName}.${m.name}")

            val generic = m.genericParameterTypes
            val raw = m.parameterTypes
            val isSuspend = raw.isNotEmpty() && raw.last() == Continuation::class.java
            val valueTypes = if (isSuspend) generic.dropLast(1) else generic.toList()

            val style: CallStyle
            val resultType: Type
            when {
                isSuspend -> {
                    style = CallStyle.SUSPEND
                    resultType = continuationResult(generic.last()) ?: fail("cannot read the result type of this suspend function")
                }
                CompletionStage::class.java.isAssignableFrom(m.returnType) -> {
                    style = CallStyle.FUTURE
                    resultType = futureResult(m.genericReturnType)
                        ?: fail("a future result must name its type: declare CompletableFuture<T> or CompletionStage<T>, not ${m.genericReturnType.typeName}")
                }
                valueTypes.isEmpty() && m.returnType.isInterface && !isPlatformType(m.returnType) ->
                    return NestedMember(m, nestedName(m.name), m.returnType)
                else -> {
                    style = CallStyle.BLOCKING
                    resultType = m.genericReturnType
                }
            }
            (valueTypes + resultType).forEach { t -> findTypeVariable(t)?.let { fail("type variable $it cannot be serialized; declare a concrete type") } }

            val kFunction = if (isKotlin) runCatching { m.kotlinFunction }.getOrNull() else null
            val kParams = kFunction?.parameters?.filter { it.kind == KParameter.Kind.VALUE }
            val isVararg = m.isVarArgs || (kParams?.lastOrNull()?.isVararg ?: false)
            val varargElement = if (isVararg) {
                when (val last = valueTypes.last()) {
                    is GenericArrayType -> last.genericComponentType
                    is Class<*> -> last.componentType
                    else -> null
                } ?: fail("cannot read the element type of the variadic parameter")
            } else {
                null
            }
            val nullable = BooleanArray(valueTypes.size) { i ->
                val k = kParams?.getOrNull(i)
                if (k != null) k.type.isMarkedNullable else !(raw[i].isPrimitive)
            }
            val isUnit = resultType == Void.TYPE || resultType == Void::class.java || resultType == Unit::class.java
            val resultNullable = when {
                isUnit -> true
                style == CallStyle.FUTURE -> true
                kFunction != null -> kFunction.returnType.isMarkedNullable
                else -> !(resultType is Class<*> && resultType.isPrimitive)
            }
            val oneWay = m.isAnnotationPresent(dev.wsgrid.rpc.Notification::class.java)
            if (oneWay && !isUnit) fail("a @Notification cannot return a value, but this one returns ${resultType.typeName}")
            val resultStream = StreamKind.of(resultType)
            if (resultStream != null && style == CallStyle.FUTURE) {
                fail("a stream is returned as is (Flow<T> or Flow.Publisher<T>), not inside a future")
            }
            val paramStreams = valueTypes.map { StreamKind.of(it) }
            if (paramStreams.any { it != null } && varargElement != null) fail("a function with a stream parameter cannot be variadic")
            val streamAware = valueTypes.mapIndexed { i, t -> paramStreams[i]?.second ?: t }
            val fixedCount = if (varargElement != null) valueTypes.size - 1 else valueTypes.size
            val paramBinary = Array(valueTypes.size) { i -> if (i < fixedCount && paramStreams[i] == null) BinaryKind.of(valueTypes[i]) else null }
            val resultBinary = if (resultStream == null && !isUnit) BinaryKind.of(resultType) else null
            val blocking = m.isAnnotationPresent(Blocking::class.java) || m.declaringClass.isAnnotationPresent(Blocking::class.java)
            val nonBlocking = m.isAnnotationPresent(NonBlocking::class.java) || m.declaringClass.isAnnotationPresent(NonBlocking::class.java)
            if (blocking && nonBlocking) fail("a function cannot be both @Blocking and @NonBlocking")
            val inline = if (style == CallStyle.BLOCKING) nonBlocking else !blocking
            return FunctionMember(
                m, m.name, style, streamAware, nullable, varargElement,
                if (isUnit) Void::class.java else resultStream?.second ?: resultType, isUnit,
                if (resultStream != null) false else resultNullable, oneWay,
                resultStream?.first, Array(valueTypes.size) { paramStreams[it]?.first },
                paramBinary, resultBinary, inline,
            )
        }

        /** `Continuation<? super T>` → `T`. */
        private fun continuationResult(t: Type): Type? {
            val arg = (t as? ParameterizedType)?.actualTypeArguments?.firstOrNull() ?: return null
            return if (arg is WildcardType) arg.lowerBounds.firstOrNull() ?: arg.upperBounds.firstOrNull() else arg
        }

        /** `CompletableFuture<T>` / `CompletionStage<T>` → `T`. */
        private fun futureResult(t: Type): Type? {
            if (t !is ParameterizedType) return null
            val rawType = t.rawType
            if (rawType != CompletableFuture::class.java && rawType != CompletionStage::class.java) return null
            val arg = t.actualTypeArguments.first()
            return if (arg is WildcardType) arg.upperBounds.first() else arg
        }

        private fun findTypeVariable(t: Type): TypeVariable<*>? = when (t) {
            is TypeVariable<*> -> t
            is ParameterizedType -> t.actualTypeArguments.firstNotNullOfOrNull { findTypeVariable(it) }
            is WildcardType -> (t.upperBounds + t.lowerBounds).firstNotNullOfOrNull { findTypeVariable(it) }
            is GenericArrayType -> findTypeVariable(t.genericComponentType)
            else -> null
        }

        private fun isPlatformType(c: Class<*>): Boolean {
            val n = c.name
            return n.startsWith("java.") || n.startsWith("javax.") || n.startsWith("kotlin.") || n.startsWith("kotlinx.")
        }

        /** `getScientific` → `scientific`; `scientific` stays. */
        internal fun nestedName(methodName: String): String {
            if (methodName.length > 3 && methodName.startsWith("get") && methodName[3].isUpperCase()) {
                val rest = methodName.substring(3)
                return if (rest.length > 1 && rest[1].isUpperCase()) rest else rest.replaceFirstChar { it.lowercaseChar() }
            }
            return methodName
        }
    }
}
