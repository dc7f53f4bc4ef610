package dev.wsgrid.micrometer.internal

import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.ktor.server.HandshakeRejection
import dev.wsgrid.ktor.server.WebSocketAcceptor
import dev.wsgrid.micrometer.MeterNames
import dev.wsgrid.micrometer.WsgridMetrics
import dev.wsgrid.rpc.CallOutcome
import dev.wsgrid.rpc.CallSide
import dev.wsgrid.rpc.Communicator
import dev.wsgrid.rpc.EventListener
import io.micrometer.core.instrument.Counter
import io.micrometer.core.instrument.Gauge
import io.micrometer.core.instrument.Meter
import io.micrometer.core.instrument.MeterRegistry
import io.micrometer.core.instrument.Timer
import java.net.URI
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.LongAdder

/**
 * The meters of one [WsgridMetrics], made once and cached: a call looks its timer up by its
 * listener in one map, and frames and bytes go to counters held in fields.
 */
internal class Meters(private val config: WsgridMetrics) : EventListener.Factory {
    val registry: MeterRegistry = config.meterRegistry
    val tracing: Tracing? = if (config.observationRegistry.isNoop) null else Tracing(config.observationRegistry)

    /** Calls of this side waiting for their return, over every connection bound: many threads add, a scrape sums. */
    val pending = LongAdder()

    /** Calls of remote sides running here. */
    val running = LongAdder()

    init {
        Gauge.builder(MeterNames.CALLS_PENDING, pending) { it.sum().toDouble() }.strongReference(true)
            .description("calls of this side waiting for their return").register(registry)
        Gauge.builder(MeterNames.CALLS_RUNNING, running) { it.sum().toDouble() }.strongReference(true)
            .description("calls of remote sides that providers are running").register(registry)
    }

    // ------------------------------------------------------------------ calls

    /** The six timers (one per outcome) of one listener and side, made as outcomes occur. */
    private inner class CallTimers(val side: CallSide, val listener: String) {
        private val timers = arrayOfNulls<Timer>(CallOutcome.entries.size)

        fun of(outcome: CallOutcome): Timer = timers[outcome.ordinal] ?: register(outcome).also { timers[outcome.ordinal] = it }

        private fun register(outcome: CallOutcome): Timer {
            val b = Timer.builder(MeterNames.CALLS)
                .description("wsgrid calls, by function, side and outcome")
                .tag(MeterNames.LISTENER, listener).tag(MeterNames.SIDE, side.tag).tag(MeterNames.OUTCOME, outcome.tag)
                .publishPercentileHistogram(config.percentileHistogram)
            if (config.percentiles.isNotEmpty()) b.publishPercentiles(*config.percentiles.toDoubleArray())
            return b.register(registry)
        }
    }

    private val called = ConcurrentHashMap<String, CallTimers>()
    private val served = ConcurrentHashMap<String, CallTimers>()

    fun timer(side: CallSide, listener: String, outcome: CallOutcome): Timer {
        val map = if (side == CallSide.CALLED) called else served
        val t = map[listener] ?: map.computeIfAbsent(listener) { CallTimers(side, it) }
        return t.of(outcome)
    }

    // ------------------------------------------------------------------ frames

    /** Frames and bytes: [in text, in binary, out text, out binary]. */
    val frames: Array<Counter> = Array(4) { i -> frameCounter(MeterNames.FRAMES, i, null) }
    val bytes: Array<Counter> = Array(4) { i -> frameCounter(MeterNames.BYTES, i, "bytes") }

    private fun frameCounter(name: String, i: Int, unit: String?): Counter =
        Counter.builder(name).tag(MeterNames.DIRECTION, if (i < 2) "in" else "out").tag(MeterNames.TYPE, if (i % 2 == 0) "text" else "binary")
            .baseUnit(unit).description(if (unit == null) "WebSocket frames of wsgrid connections" else "bytes of those frames (UTF-8 for text)")
            .register(registry)

    // ------------------------------------------------------------------ limits, handshakes, broadcasts, reconnects

    private val limits = ConcurrentHashMap<String, Counter>()

    fun limitExceeded(limit: String) {
        limits.computeIfAbsent(limit) { Counter.builder(MeterNames.LIMITS_EXCEEDED).tag(MeterNames.LIMIT, it).description("limits hit").register(registry) }.increment()
    }

    private val rejections = HandshakeRejection.entries.map { r ->
        Counter.builder(MeterNames.HANDSHAKES_REJECTED).tag(MeterNames.REASON, r.tag).description("clients refused before they were accepted").register(registry)
    }

    fun rejected(reason: HandshakeRejection) = rejections[reason.ordinal].increment()

    private class BroadcastCounters(val broadcasts: Counter, val delivered: Counter, val failed: Counter)

    private val broadcasts = ConcurrentHashMap<String, BroadcastCounters>()

    fun broadcast(listener: String, delivered: Int, failed: Int) {
        val c = broadcasts.computeIfAbsent(listener) { l ->
            fun member(outcome: String) = Counter.builder(MeterNames.BROADCAST_MEMBERS).tag(MeterNames.LISTENER, l).tag(MeterNames.OUTCOME, outcome)
                .description("members that broadcasts reached or missed").register(registry)
            BroadcastCounters(Counter.builder(MeterNames.BROADCASTS).tag(MeterNames.LISTENER, l).description("broadcasts").register(registry), member("delivered"), member("failed"))
        }
        c.broadcasts.increment()
        if (delivered > 0) c.delivered.increment(delivered.toDouble())
        if (failed > 0) c.failed.increment(failed.toDouble())
    }

    private val reconnects = ConcurrentHashMap<String, Counter>()

    fun reconnect(outcome: String) {
        reconnects.computeIfAbsent(outcome) { Counter.builder(MeterNames.RECONNECTS).tag(MeterNames.OUTCOME, it).description("reconnect attempts of connectors").register(registry) }.increment()
    }

    // ------------------------------------------------------------------ connections and rooms

    private val connections = ConcurrentHashMap<Pair<String, String>, AtomicInteger>()
    private val connectionPaths = AtomicInteger()

    /** The gauge of open connections of [role] at [path], the path tag bounded by maxTagValues. */
    private fun connectionGauge(role: String, path: String): AtomicInteger {
        val key = role to path
        connections[key]?.let { return it }
        val tagged = if (connectionPaths.get() >= config.maxTagValues) role to MeterNames.OTHER else key
        return connections.computeIfAbsent(tagged) { k ->
            if (k.second != MeterNames.OTHER) connectionPaths.incrementAndGet()
            AtomicInteger().also { n ->
                Gauge.builder(MeterNames.CONNECTIONS, n) { it.get().toDouble() }.strongReference(true)
                    .tag(MeterNames.ROLE, k.first).tag(MeterNames.PATH, k.second).description("open wsgrid connections").register(registry)
            }
        }
    }

    private class RoomGauge(val count: AtomicInteger, val gauge: Meter)

    private val rooms = ConcurrentHashMap<String, RoomGauge>()

    fun roomEntered(room: String) {
        val tag = if (!rooms.containsKey(room) && rooms.size >= config.maxTagValues) MeterNames.OTHER else room
        rooms.compute(tag) { _, g ->
            (g ?: AtomicInteger().let { n ->
                RoomGauge(n, Gauge.builder(MeterNames.ROOM_CONNECTIONS, n) { it.get().toDouble() }.strongReference(true)
                    .tag(MeterNames.ROOM, tag).description("connections in a room").register(registry))
            }).also { it.count.incrementAndGet() }
        }
    }

    fun roomLeft(room: String) {
        val tag = if (rooms.containsKey(room)) room else MeterNames.OTHER
        rooms.computeIfPresent(tag) { _, g ->
            // an empty room is gone: its gauge goes with it, so rooms that come and go do not pile up
            if (g.count.decrementAndGet() <= 0) {
                registry.remove(g.gauge)
                null
            } else {
                g
            }
        }
    }

    override fun create(communicator: Communicator<*>): EventListener {
        val (role, path) = when (communicator) {
            is WebSocketAcceptor<*, *> -> "acceptor" to communicator.path.substringBefore('?')
            is WebSocketConnector<*, *> -> "connector" to (communicator.url?.let { runCatching { URI(it).path }.getOrNull() } ?: "")
            else -> "communicator" to ""
        }
        return ConnectionMetrics(this, connectionGauge(role, path.ifEmpty { "/" }))
    }
}
