package dev.wsgrid.rpc.internal

import dev.wsgrid.rpc.CommunicatorState
import dev.wsgrid.rpc.CommunicatorState.ACCEPTING
import dev.wsgrid.rpc.CommunicatorState.CLOSED
import dev.wsgrid.rpc.CommunicatorState.CLOSING
import dev.wsgrid.rpc.CommunicatorState.CONNECTING
import dev.wsgrid.rpc.CommunicatorState.NONE
import dev.wsgrid.rpc.CommunicatorState.OPEN
import dev.wsgrid.rpc.CommunicatorState.RECONNECTING
import dev.wsgrid.rpc.CommunicatorState.REJECTING
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.first
import java.util.EnumMap
import java.util.EnumSet

/**
 * A communicator's connection state machine: every change of state goes through [move], which
 * allows only the transitions below, atomically, and tells the listener of each change.
 *
 * ```
 * NONE ──> CONNECTING ──> OPEN ──> CLOSING ──> CLOSED ──> CONNECTING / OPEN (again)
 *  │ ├───> ACCEPTING ───────┘ │                  ^
 *  │ └───> REJECTING ─────────┼──────────────────┤
 *  └─────> OPEN               └──> RECONNECTING ─┘ (and back to OPEN)
 * ```
 *
 * Thread-safe: any thread may read or move it.
 */
internal class Lifecycle(private val changed: (old: CommunicatorState, new: CommunicatorState) -> Unit) {
    private val flow = MutableStateFlow(NONE)

    val state: CommunicatorState get() = flow.value

    /**
     * Moves to [to] when the state is one of [from] and the move is allowed; answers whether it
     * moved. A move to the state it is in answers `false`.
     */
    fun move(to: CommunicatorState, from: Set<CommunicatorState> = ANY): Boolean {
        while (true) {
            val old = flow.value
            if (old == to || old !in from || to !in ALLOWED.getValue(old)) return false
            if (flow.compareAndSet(old, to)) {
                changed(old, to)
                return true
            }
        }
    }

    /** [move], or `IllegalStateException("cannot <what>: connection is <state>")` when it cannot. */
    fun moveOrFail(to: CommunicatorState, what: String, from: Set<CommunicatorState> = ANY) {
        check(move(to, from)) { "cannot $what: connection is $state" }
    }

    /** Suspends until the state is one of [states]; returns it. */
    suspend fun await(states: Set<CommunicatorState>): CommunicatorState = flow.first { it in states }

    companion object {
        val ANY: Set<CommunicatorState> = EnumSet.allOf(CommunicatorState::class.java)

        private val ALLOWED: Map<CommunicatorState, Set<CommunicatorState>> = EnumMap<CommunicatorState, Set<CommunicatorState>>(CommunicatorState::class.java).apply {
            put(NONE, EnumSet.of(CONNECTING, ACCEPTING, REJECTING, OPEN, CLOSED))
            put(CONNECTING, EnumSet.of(OPEN, CLOSED))
            put(ACCEPTING, EnumSet.of(OPEN, CLOSED))
            put(REJECTING, EnumSet.of(CLOSED))
            put(OPEN, EnumSet.of(CLOSING, CLOSED, RECONNECTING))
            put(CLOSING, EnumSet.of(CLOSED))
            put(RECONNECTING, EnumSet.of(OPEN, CLOSED))
            put(CLOSED, EnumSet.of(CONNECTING, OPEN))
        }
    }
}
