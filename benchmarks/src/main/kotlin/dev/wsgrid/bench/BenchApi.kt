package dev.wsgrid.bench

import dev.wsgrid.rpc.Notification
import kotlinx.coroutines.flow.Flow
import kotlinx.serialization.Serializable

/** What every benchmark server serves (wsgrid here, TGrid in benchmarks/node/bench-server.js). */
interface BenchService {
    suspend fun plus(x: Double, y: Double): Double

    /** Returns its argument: the payload workload sends ~4 KB each way. */
    suspend fun echo(payload: Payload): Payload

    /** Fails with a RangeError-like error: the soak counts remote errors. */
    suspend fun fail(message: String): Double

    /** Answers after [ms]: the soak's calls that time out. */
    suspend fun slow(ms: Long): Long

    /** Enters this connection into [room]. */
    suspend fun join(room: String): Int

    /** Sends `deliver(seq)` to every member of [room] as a notification; returns how many were sent. */
    suspend fun broadcast(room: String, seq: Int): Int

    /** Streams 1..[count] (wsgrid.v1 only): the stream workload. */
    fun numbers(count: Int): Flow<Int>

    /** Takes [id] as this connection's id (cluster-wide on a cluster): the locate workload's target. */
    suspend fun rename(id: String): Boolean

    /** Calls `twice(x)` on the connection [id], on whichever node holds it: the locate workload. */
    suspend fun callMember(id: String, x: Double): Double

    /** The server process's heap, threads, connections and pending calls; [gc] collects first. */
    suspend fun stats(gc: Boolean): ServerStats
}

/** What a benchmark client serves back to the server: the fan-out target. */
interface BenchMember {
    @Notification
    suspend fun deliver(seq: Int)

    /** Answers `2 * x`: what the locate workload calls through the server. */
    suspend fun twice(x: Double): Double
}

@Serializable
data class ServerStats(
    val heapUsedBytes: Long,
    val threads: Int,
    val connections: Int,
    val pendingCalls: Int,
    val runningCalls: Int,
)

/** The payload workload's argument and result, the same shape the node and Java clients send. */
@Serializable
data class Payload(
    val id: Int,
    val name: String,
    val tags: List<String>,
    val values: List<Double>,
    val note: String,
) {
    companion object {
        /** About 4 KB of JSON; node's bench-client.js and the Java client build the same value. */
        fun sample(id: Int): Payload = Payload(
            id = id,
            name = "payload-$id",
            tags = List(32) { "tag-$it" },
            values = List(256) { it * 1.5 },
            note = "x".repeat(1200),
        )
    }
}
