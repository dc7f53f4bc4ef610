package dev.wsgrid.cluster.redis

import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.ktor.server.ClusterUnavailableException
import dev.wsgrid.ktor.server.ServerOptions
import dev.wsgrid.ktor.server.WebSocketAcceptor
import dev.wsgrid.ktor.server.WebSocketServer
import dev.wsgrid.rpc.IdConflictException
import dev.wsgrid.rpc.Notification
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.channels.Channel
import kotlinx.serialization.Serializable
import java.time.Duration

@Serializable
data class Hello(val name: String, val room: String? = null)

/** What each client serves: the servers call it directly, through rooms, and from other nodes. */
interface IMember {
    suspend fun print(text: String): String

    @Notification
    suspend fun note(text: String)

    suspend fun fail(text: String): String

    suspend fun hold(): String
}

/** What the servers serve to each client. */
interface IHub {
    suspend fun rename(name: String): Boolean
    suspend fun enter(room: String): Boolean
}

/** A client's provider: it records what it was told. */
class Member(val name: String) : IMember {
    val printed = Channel<String>(Channel.UNLIMITED)
    val notes = Channel<String>(Channel.UNLIMITED)

    override suspend fun print(text: String): String {
        printed.send(text)
        return "$name printed $text"
    }

    override suspend fun note(text: String) {
        notes.send(text)
    }

    override suspend fun fail(text: String): String = throw IllegalStateException("$name refuses: $text")

    override suspend fun hold(): String = awaitCancellation()
}

class Hub(private val acceptor: WebSocketAcceptor<Hello, IHub>) : IHub {
    override suspend fun rename(name: String): Boolean = try {
        acceptor.changeId(name)
        true
    } catch (e: IdConflictException) {
        false
    }

    override suspend fun enter(room: String): Boolean = acceptor.enter(room)
}

/** A cluster adapter for tests: heartbeats every 100 ms, a node dead after 1 s of silence, a hung command failed after 500 ms. */
fun testCluster(redis: RedisServer, prefix: String): RedisClusterAdapter =
    RedisClusterAdapter.builder(redis.uri).prefix(prefix)
        .heartbeatInterval(Duration.ofMillis(100)).nodeTimeout(Duration.ofSeconds(1)).commandTimeout(Duration.ofMillis(500))
        .maxReconnectDelay(Duration.ofMillis(200)).build()

/** A wsgrid server of [cluster]: a client's header names it (its id) and the room it enters. */
suspend fun clusterServer(cluster: RedisClusterAdapter): WebSocketServer<Hello, IHub> {
    val server = WebSocketServer<Hello, IHub>(Hello::class.java, ServerOptions.builder().cluster(cluster).build())
    server.open("127.0.0.1", 0) { acceptor ->
        if (acceptor.header.name.isNotEmpty()) acceptor.id = acceptor.header.name // else a random id
        try {
            acceptor.accept(Hub(acceptor))
        } catch (e: IdConflictException) {
            acceptor.reject(4009, e.message!!)
            return@open
        } catch (e: ClusterUnavailableException) {
            acceptor.reject(1013, "try again later")
            return@open
        }
        acceptor.header.room?.let { acceptor.enter(it) }
    }
    return server
}

/** A client named [name] on [server], in [room]. */
suspend fun member(server: WebSocketServer<*, *>, name: String, room: String? = null): Pair<WebSocketConnector<Hello, IMember>, Member> {
    val member = Member(name)
    val connector = WebSocketConnector<Hello, IMember>(Hello(name, room), member)
    connector.connect("ws://127.0.0.1:${server.port}/")
    return connector to member
}
