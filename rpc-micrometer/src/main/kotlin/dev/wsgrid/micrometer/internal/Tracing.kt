package dev.wsgrid.micrometer.internal

import dev.wsgrid.micrometer.MeterNames
import dev.wsgrid.rpc.CallOutcome
import dev.wsgrid.rpc.CallScope
import dev.wsgrid.rpc.CallSide
import dev.wsgrid.rpc.ObservedCall
import io.micrometer.common.KeyValue
import io.micrometer.observation.Observation
import io.micrometer.observation.ObservationRegistry
import io.micrometer.observation.transport.Kind
import io.micrometer.observation.transport.Propagator
import io.micrometer.observation.transport.ReceiverContext
import io.micrometer.observation.transport.SenderContext

/**
 * One observation per call: a sender's on this side's calls, whose tracing handler writes the
 * `traceparent` that wsgrid sends with the call; a receiver's on served calls, whose handler reads
 * the one the caller sent, so both spans share a trace. The served one is current while the
 * provider runs ([ObservedCall.scope]).
 */
internal class Tracing(private val registry: ObservationRegistry) {
    fun started(call: ObservedCall) {
        val observation = if (call.side == CallSide.CALLED) {
            val context = SenderContext<ObservedCall>(SETTER, Kind.CLIENT)
            context.setCarrier(call)
            Observation.createNotStarted(MeterNames.CALL_OBSERVATION, { context }, registry)
        } else {
            val context = ReceiverContext<ObservedCall>(GETTER, Kind.SERVER)
            context.setCarrier(call)
            // the caller's trace is the parent, not whatever happens to be current on this thread
            Observation.createNotStarted(MeterNames.SERVE_OBSERVATION, { context }, registry).parentObservation(null)
        }
        observation.contextualName(call.listener)
            .lowCardinalityKeyValue(MeterNames.LISTENER, call.listener)
            .lowCardinalityKeyValue(MeterNames.SIDE, call.side.tag)
            .start()
        call.attachment = observation
        if (call.side == CallSide.SERVED) call.scope = CallScope { observation.openScope() }
    }

    fun finished(call: ObservedCall, outcome: CallOutcome) {
        val observation = call.attachment as? Observation ?: return
        observation.lowCardinalityKeyValue(KeyValue.of(MeterNames.OUTCOME, outcome.tag))
        observation.stop()
    }

    private companion object {
        const val TRACEPARENT = "traceparent"

        val SETTER = Propagator.Setter<ObservedCall> { carrier, key, value -> if (key == TRACEPARENT) carrier?.traceParent = value }
        val GETTER = Propagator.Getter<ObservedCall> { carrier, key -> if (key == TRACEPARENT) carrier.traceParent else null }
    }
}
