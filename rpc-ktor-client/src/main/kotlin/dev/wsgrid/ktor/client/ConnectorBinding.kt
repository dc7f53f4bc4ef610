package dev.wsgrid.ktor.client

import dev.wsgrid.rpc.internal.InternalWsgridApi

/**
 * Something that adds itself to a connector's options, such as `wsgrid-micrometer`'s
 * `WsgridMetrics`: what the Java facade's `ConnectorConfig.Builder.bind(...)` takes, so a Java user
 * binds it in one call without meeting the Kotlin options. From Kotlin, call the binding's own
 * `bind(options)`.
 */
public interface ConnectorBinding {
    /** [options] with this binding added; applied after every other setting. */
    @InternalWsgridApi
    public fun applyTo(options: ConnectorOptions): ConnectorOptions
}
