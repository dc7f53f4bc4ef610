package dev.wsgrid.examples.guide

import dev.wsgrid.cluster.redis.RedisClusterAdapter
import dev.wsgrid.examples.IChatPrinter
import dev.wsgrid.ktor.server.BroadcastResult
import dev.wsgrid.ktor.server.ClusterUnavailableException
import dev.wsgrid.ktor.server.ServerOptions
import dev.wsgrid.ktor.server.WebSocketServer
import dev.wsgrid.ktor.server.broadcast
import dev.wsgrid.rpc.IdConflictException
import dev.wsgrid.rpc.withCallTimeout
import kotlinx.serialization.Serializable
import java.time.Duration
import kotlin.time.Duration.Companion.seconds

// The Kotlin samples of docs/guide/scaling.md, run by GuideSamplesRunSpec on a real Redis.

@Serializable
data class Member(val user: String)

/** Opens one node of the chat cluster at [redisUrl], as the guide shows; the caller closes it. */
suspend fun startClusterNode(redisUrl: String): WebSocketServer<Member, Any> {
    // region kotlin-cluster-node
    val cluster = RedisClusterAdapter.builder(redisUrl)       // the same on every node: one Redis, one prefix
        .prefix("chat")
        .build()
    val server = WebSocketServer<Member, Any>(Member::class.java, ServerOptions.builder().cluster(cluster).build())
    server.open("127.0.0.1", 0) { acceptor ->
        acceptor.id = acceptor.header.user                   // unique on every node of the cluster
        try {
            acceptor.accept(null)
        } catch (e: IdConflictException) {
            acceptor.reject(4009, "${acceptor.id} is connected already")      // on this node or another
            return@open
        } catch (e: ClusterUnavailableException) {
            acceptor.reject(1013, "try again later")          // Redis is unreachable: the id cannot be checked
            return@open
        }
        acceptor.enter("lobby")                               // local: no Redis round trip
    }
    // endregion
    return server
}

/** Broadcasts to the lobby and calls [user] wherever it is, as the guide shows; returns what it printed. */
suspend fun clusterBroadcastAndLocate(server: WebSocketServer<Member, Any>, user: String): List<String> {
    val printed = mutableListOf<String>()
    fun println(value: Any) = printed.add(value.toString())
    // region kotlin-cluster-broadcast
    val result: BroadcastResult = server.room("lobby")!!.broadcast<IChatPrinter> { it.print("server", "hello, everyone") }
    println("delivered to ${result.delivered.size}, failed ${result.failed.keys}")   // members on every node
    for ((node, why) in result.failedNodes) println("node $node did not answer: ${why.message}")
    // endregion
    // region kotlin-cluster-locate
    val member = server.locate(user)                          // here, on another node, or null
    if (member != null) {
        withCallTimeout(2.seconds) { member.getDriver<IChatPrinter>().print("server", "just you") }
    }
    // endregion
    println(if (member != null) "called $user" else "$user is nowhere")
    return printed
}

/** The adapter's settings the guide lists, so a change of name breaks the build, not the page. */
fun clusterTuning(redisUrl: String): RedisClusterAdapter =
    // region kotlin-cluster-tuning
    RedisClusterAdapter.builder(redisUrl)
        .heartbeatInterval(Duration.ofSeconds(1))   // how often each node says it is alive
        .nodeTimeout(Duration.ofSeconds(5))          // silent this long: dead, its ids free, named in reports
        .commandTimeout(Duration.ofSeconds(2))       // a hung Redis fails a command after this
        .build()
    // endregion
