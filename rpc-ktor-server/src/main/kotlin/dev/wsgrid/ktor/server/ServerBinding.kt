package dev.wsgrid.ktor.server

import dev.wsgrid.rpc.internal.InternalWsgridApi

/**
 * Something that adds itself to a server's options, such as `wsgrid-micrometer`'s `WsgridMetrics`:
 * what the Java facade's `ServerConfig.Builder.bind(...)` takes, so a Java user binds it in one
 * call without meeting the Kotlin options. From Kotlin, call the binding's own `bind(options)`.
 */
public interface ServerBinding {
    /** [options] with this binding added; applied after every other setting. */
    @InternalWsgridApi
    public fun applyTo(options: ServerOptions): ServerOptions
}
