package dev.wsgrid.rpc

/**
 * Hooks on a communicator's invokes, for logging, metering and (as TGrid allows) changing
 * parameters and results. Override only what you need; every method does nothing by default.
 *
 * Listeners run on the connection's own coroutines, inline with the call: keep them short and
 * never block in them. A listener that throws is logged and skipped; the call goes on.
 *
 * Without any listener, the communicator does not build the JSON trees the events carry.
 */
public abstract class InvokeListener {
    /** A call of this side is about to be sent. */
    public open fun onSend(event: InvokeEvent.Send) {}

    /** A call from the remote side arrived and its function was found. */
    public open fun onReceive(event: InvokeEvent.Receive) {}

    /** The return of a call of this side arrived. */
    public open fun onComplete(event: InvokeEvent.Complete) {}

    /** A call from the remote side finished and its return is about to be sent. */
    public open fun onReturn(event: InvokeEvent.Return) {}

    /** A frame could not be understood; it was skipped (or answered with an error). */
    public open fun onInvalidMessage(error: InvalidMessageException) {}
}
