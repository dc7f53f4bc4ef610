package dev.wsgrid.micrometer.internal

import dev.wsgrid.rpc.CallOutcome
import dev.wsgrid.rpc.CallSide
import dev.wsgrid.rpc.Communicator
import dev.wsgrid.rpc.EventListener
import dev.wsgrid.rpc.ObservedCall
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger

/** The listener of one connection: its gauge of open connections, and the shared meters. */
internal class ConnectionMetrics(private val m: Meters, private val open: AtomicInteger) : EventListener() {
    override fun connectionOpened(communicator: Communicator<*>) {
        open.incrementAndGet()
    }

    override fun connectionClosed(communicator: Communicator<*>, code: Int, byPeer: Boolean) {
        open.decrementAndGet()
    }

    override fun callStarted(call: ObservedCall) {
        if (!call.oneWay) m.pending.increment()
        m.tracing?.started(call)
    }

    override fun callFinished(call: ObservedCall, outcome: CallOutcome, durationNanos: Long) {
        if (!call.oneWay) m.pending.decrement()
        m.timer(CallSide.CALLED, call.listener, outcome).record(durationNanos, TimeUnit.NANOSECONDS)
        m.tracing?.finished(call, outcome)
    }

    override fun serveStarted(call: ObservedCall) {
        m.running.increment()
        m.tracing?.started(call)
    }

    override fun serveFinished(call: ObservedCall, outcome: CallOutcome, durationNanos: Long) {
        m.running.decrement()
        m.timer(CallSide.SERVED, call.listener, outcome).record(durationNanos, TimeUnit.NANOSECONDS)
        m.tracing?.finished(call, outcome)
    }

    override fun frameReceived(communicator: Communicator<*>, binary: Boolean, bytes: Int) {
        val i = if (binary) 1 else 0
        m.frames[i].increment()
        m.bytes[i].increment(bytes.toDouble())
    }

    override fun frameSent(communicator: Communicator<*>, binary: Boolean, bytes: Int) {
        val i = if (binary) 3 else 2
        m.frames[i].increment()
        m.bytes[i].increment(bytes.toDouble())
    }

    override fun limitExceeded(communicator: Communicator<*>, limit: String) {
        m.limitExceeded(limit)
    }
}
