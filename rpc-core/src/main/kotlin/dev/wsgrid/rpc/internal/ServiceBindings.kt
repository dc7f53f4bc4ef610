package dev.wsgrid.rpc.internal

import dev.wsgrid.rpc.Codec
import dev.wsgrid.rpc.ValueAdapter
import java.lang.reflect.Method
import java.lang.reflect.Type
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage
import java.util.concurrent.ConcurrentHashMap

/** A [FunctionMember] with the codec's adapters for its values. */
internal class BoundFunction(
    val member: FunctionMember,
    val parameters: Array<ValueAdapter>,
    /** Adapter of the elements of a variadic last parameter. */
    val varargElement: ValueAdapter?,
    /** `null` when the function returns nothing. */
    val result: ValueAdapter?,
)

/** A [ServiceDescriptor] bound to one codec. */
internal class BoundService(
    val descriptor: ServiceDescriptor,
    val functions: Map<String, List<BoundFunction>>,
    val byMethod: Map<Method, Any>,
) {
    /** The function [name] that takes [count] parameters, or `null`. */
    fun function(name: String, count: Int): BoundFunction? {
        val candidates = functions[name] ?: return null
        for (f in candidates) if (f.member.accepts(count)) return f
        return null
    }
}

/**
 * Service interfaces bound to one [Codec], parsed and validated once, then shared by every
 * communicator using the same options.
 */
internal class ServiceBindings(private val codec: Codec) {
    private val bound = ConcurrentHashMap<Class<*>, BoundService>()
    private val validDrivers: MutableSet<Class<*>> = ConcurrentHashMap.newKeySet()
    private val validProviders: MutableSet<Class<*>> = ConcurrentHashMap.newKeySet()

    fun of(type: Class<*>): BoundService = bound[type] ?: bind(ServiceDescriptor.of(type)).also { bound.putIfAbsent(type, it) }

    /** [type] bound and checked for use as a driver, with every nested interface it reaches. */
    fun forDriver(type: Class<*>): BoundService {
        if (type !in validDrivers) {
            reachable(type).forEach { checkDriver(of(it).descriptor) }
            validDrivers.add(type)
        }
        return of(type)
    }

    /** [type] bound and checked for use as a provider, with every nested interface it reaches. */
    fun forProvider(type: Class<*>): BoundService {
        if (type !in validProviders) {
            reachable(type).forEach { checkOverloads(of(it).descriptor.functions.values.flatten()) }
            validProviders.add(type)
        }
        return of(type)
    }

    private fun reachable(root: Class<*>): Set<Class<*>> {
        val seen = LinkedHashSet<Class<*>>()
        val todo = ArrayDeque(listOf(root))
        while (todo.isNotEmpty()) {
            val t = todo.removeFirst()
            if (seen.add(t)) ServiceDescriptor.of(t).nested.values.forEach { todo.add(it.type) }
        }
        return seen
    }

    private fun bind(d: ServiceDescriptor): BoundService {
        val functions = LinkedHashMap<String, List<BoundFunction>>()
        val byMethod = HashMap<Method, Any>()
        for ((name, members) in d.functions) {
            functions[name] = members.map { m ->
                val f = BoundFunction(
                    m,
                    Array(m.parameterTypes.size) { i -> adapter(m.parameterTypes[i], m, "parameter ${i + 1}") },
                    m.varargElementType?.let { adapter(it, m, "the variadic elements") },
                    if (m.resultIsUnit) null else adapter(m.resultType, m, "the result"),
                )
                f
            }
        }
        for ((method, member) in d.byMethod) {
            byMethod[method] = when (member) {
                is NestedMember -> member
                is FunctionMember -> functions.getValue(member.name).first { it.member === member }
            }
        }
        return BoundService(d, functions, byMethod)
    }

    private fun adapter(type: Type, m: FunctionMember, what: String): ValueAdapter =
        try {
            // a ByteBuffer travels as the codec's ByteArray where it cannot go as binary (TGrid peers)
            if (type == java.nio.ByteBuffer::class.java) ByteBufferAdapter(codec.adapter(ByteArray::class.java)) else codec.adapter(type)
        } catch (e: IllegalArgumentException) {
            throw IllegalArgumentException("cannot encode $what (${type.typeName}): ${e.message}\n    for method ${m.where}", e)
        }

    private fun checkDriver(d: ServiceDescriptor) {
        for (m in d.functions.values.flatten()) {
            val ok = when (m.style) {
                CallStyle.SUSPEND -> true
                CallStyle.BLOCKING -> m.resultStream != null
                CallStyle.FUTURE -> m.method.returnType == CompletableFuture::class.java || m.method.returnType == CompletionStage::class.java
            }
            require(ok) {
                "a driver method must be a Kotlin suspend function or return CompletableFuture<T>, CompletionStage<T>, " +
                    "Flow<T> or Flow.Publisher<T>, " +
                    "but this one returns ${m.method.genericReturnType.typeName}\n    for method ${m.where}"
            }
        }
    }

    companion object {
        /** Refuses two functions of one name whose arities overlap: a call could not be routed. */
        fun checkOverloads(functions: List<FunctionMember>) {
            val byName = functions.groupBy { it.name }
            for ((name, list) in byName) {
                for (i in list.indices) for (j in i + 1 until list.size) {
                    val a = list[i]
                    val b = list[j]
                    val overlap = when {
                        a.varargElementType != null && b.varargElementType != null -> true
                        a.varargElementType != null -> b.fixedArity >= a.fixedArity
                        b.varargElementType != null -> a.fixedArity >= b.fixedArity
                        else -> a.fixedArity == b.fixedArity
                    }
                    require(!overlap) {
                        "${a.signature()} and ${b.signature()} cannot be told apart on the wire: " +
                            "both are called '$name' with ${a.arityText()} parameter(s)\n    for method ${b.where}"
                    }
                }
            }
        }
    }
}
