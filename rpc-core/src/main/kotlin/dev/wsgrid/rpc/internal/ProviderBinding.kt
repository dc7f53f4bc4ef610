package dev.wsgrid.rpc.internal

import dev.wsgrid.rpc.RemoteException

/**
 * The function a call resolved to, the object to call it on, and whether it runs on the
 * connection's own thread ([inline]) or on the blocking pool.
 */
internal class Target(val receiver: Any, val function: BoundFunction, val inline: Boolean)

/** How a provider's class overrides where its functions run: `true` inline, `false` on the pool, `null` as declared. */
private val classModes = object : ClassValue<Boolean?>() {
    override fun computeValue(type: Class<*>): Boolean? = when {
        type.isAnnotationPresent(dev.wsgrid.rpc.Blocking::class.java) -> false
        type.isAnnotationPresent(dev.wsgrid.rpc.NonBlocking::class.java) -> true
        else -> null
    }
}

private fun target(receiver: Any, f: BoundFunction): Target {
    val mode = classModes.get(receiver.javaClass)
    val inline = when (mode) {
        null -> f.member.inline
        false -> false
        // @NonBlocking on a class: its plain functions run inline, unless the interface marks them @Blocking
        true -> f.member.inline || (f.member.style == CallStyle.BLOCKING && !f.member.method.isAnnotationPresent(dev.wsgrid.rpc.Blocking::class.java))
    }
    return Target(receiver, f, inline)
}

/**
 * A provider object seen through its service interfaces: the only way a call reaches it.
 * Nothing outside those interfaces (no `Object` method, no default or static method, no
 * member of the implementation class) can be named by a listener path.
 */
internal class ProviderBinding(
    val provider: Any,
    private val roots: List<BoundService>,
    private val bindings: ServiceBindings,
) {
    private val rootNames = roots.joinToString(", ") { it.descriptor.name }

    /** Finds the function of [listener] taking [count] parameters, or throws an error the caller will receive. */
    fun resolve(listener: String, count: Int): Target {
        val segments = if (listener.indexOf('.') < 0) listOf(listener) else listener.split('.')
        // what error replies quote of a name the peer chose: never the whole of a long one
        val shown = PeerText.name(listener)
        for (s in segments) checkSegment(s, shown)
        var receiver: Any = provider
        var services: List<BoundService> = roots
        var names = rootNames
        for (k in 0 until segments.size - 1) {
            val seg = segments[k]
            val nested = services.firstNotNullOfOrNull { it.descriptor.nested[seg] }
                ?: throw noSuchMember("'${path(segments, k)}' is not an object of $names", shown)
            receiver = try {
                nested.method.invoke(receiver)
            } catch (e: Exception) {
                throw Errors.unwrap(e)
            } ?: throw noSuchMember("'${path(segments, k)}' is null in the provider", shown)
            services = listOf(bindings.forProvider(nested.type))
            names = nested.type.simpleName
        }
        val name = segments.last()
        var any: BoundFunction? = null
        for (s in services) {
            val candidates = s.functions[name] ?: continue
            any = any ?: candidates.first()
            for (f in candidates) if (f.member.accepts(count)) return target(receiver, f)
        }
        if (any != null) {
            throw RemoteException(
                "IllegalArgumentException",
                "cannot call $shown with $count parameter(s): ${any.member.signature()} takes ${any.member.arityText()}",
                listener = shown,
            )
        }
        if (services.any { name in it.descriptor.nested }) {
            throw noSuchMember("'$shown' is an object, not a function", shown)
        }
        throw noSuchMember("'$shown' is not a function of $names", shown)
    }

    private fun path(segments: List<String>, upTo: Int) = PeerText.name(segments.subList(0, upTo + 1).joinToString("."))

    private fun noSuchMember(message: String, listener: String) =
        RemoteException("NoSuchMethodException", "cannot call $listener: $message", listener = listener)

    private fun checkSegment(s: String, listener: String) {
        val why = when {
            s.isEmpty() -> "an empty member name"
            s.startsWith('_') -> "a member whose name starts with '_'"
            s.endsWith('_') -> "a member whose name ends with '_'"
            s == "constructor" || s == "prototype" -> "'$s'"
            else -> return
        }
        throw RemoteException("SecurityException", "refused to call $listener: remote calls may not reach $why", listener = listener)
    }

    companion object {
        /** Binds [provider] through [interfaces], or through every service interface its class implements. */
        fun create(provider: Any, interfaces: List<Class<*>>, bindings: ServiceBindings): ProviderBinding {
            val chosen = if (interfaces.isNotEmpty()) {
                for (i in interfaces) {
                    require(i.isInstance(provider)) {
                        "${provider.javaClass.name} does not implement ${i.name}, so it cannot be exposed as one"
                    }
                }
                interfaces
            } else {
                serviceInterfaces(provider.javaClass).also {
                    require(it.isNotEmpty()) {
                        "${provider.javaClass.name} implements no service interface; a provider is reached only " +
                            "through the members of its interfaces (expose one explicitly with setProvider(provider, ICalculator::class.java))"
                    }
                }
            }
            // An interface another chosen one extends adds nothing.
            val roots = chosen.distinct().filter { a -> chosen.none { b -> b != a && a.isAssignableFrom(b) } }
            val bound = roots.map { bindings.forProvider(it) }
            if (bound.size > 1) {
                val all = bound.flatMap { b -> b.functions.values.flatten().map { it.member } }.distinctBy { it.method }
                ServiceBindings.checkOverloads(all)
            }
            return ProviderBinding(provider, bound, bindings)
        }

        /** The interfaces of [type] and its superclasses, without the JDK's and Kotlin's own. */
        fun serviceInterfaces(type: Class<*>): List<Class<*>> {
            val out = LinkedHashSet<Class<*>>()
            var c: Class<*>? = type
            while (c != null && c != Any::class.java) {
                for (i in c.interfaces) {
                    val n = i.name
                    if (!(n.startsWith("java.") || n.startsWith("javax.") || n.startsWith("kotlin.") || n.startsWith("kotlinx."))) out.add(i)
                }
                c = c.superclass
            }
            return out.toList()
        }
    }
}
