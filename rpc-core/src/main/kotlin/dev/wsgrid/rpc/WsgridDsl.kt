package dev.wsgrid.rpc

/**
 * Marks wsgrid's option builders as a DSL, so a nested block (`communicator { ... }` inside
 * `ServerOptions { ... }`) sets only its own options:
 *
 * ```kotlin
 * val options = ServerOptions {
 *     handshakeTimeout = 3.seconds
 *     maxConnections = 1_000
 *     communicator { callTimeout = 10.seconds }
 * }
 * ```
 */
@DslMarker
@Target(AnnotationTarget.CLASS)
public annotation class WsgridDsl
