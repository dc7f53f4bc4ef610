package dev.wsgrid.rpc

/**
 * Told of every change of a communicator's [state][Communicator.state]: connecting, open,
 * reconnecting, closed. Runs inline where the change happens: keep it short and never block.
 */
public fun interface StateListener {
    /** The state changed from [old] to [new]. */
    public fun onStateChanged(old: CommunicatorState, new: CommunicatorState)
}
