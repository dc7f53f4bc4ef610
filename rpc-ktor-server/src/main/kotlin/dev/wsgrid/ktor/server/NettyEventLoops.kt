package dev.wsgrid.ktor.server

import dev.wsgrid.ktor.server.netty.OwnedUpgrade
import io.ktor.server.netty.NettyApplicationEngine

/**
 * Lets the [wsgrid] routes of an application on Ktor's Netty engine serve each connection on its
 * own event loop (wsgrid's fast path): it adds wsgrid's gate to every HTTP/1 pipeline, after
 * whatever [channelPipelineConfig][NettyApplicationEngine.Configuration.channelPipelineConfig]
 * the configuration had. Without it the routes serve through Ktor's WebSocket sessions.
 *
 * ```kotlin
 * embeddedServer(Netty, configure = {
 *     connector { port = 8080 }
 *     wsgridEventLoops()
 * }) { install(WebSockets); routing { wsgrid<Credentials, ICalculator>("/calc") { it.accept(Calculator()) } } }
 * ```
 *
 * HTTP/2 connections (h2 over TLS with ALPN, or h2c) have no HTTP/1 pipeline and are served
 * through Ktor's sessions all the same.
 */
public fun NettyApplicationEngine.Configuration.wsgridEventLoops() {
    val previous = channelPipelineConfig
    channelPipelineConfig = {
        previous()
        OwnedUpgrade.installGate(this)
    }
}
