package dev.wsgrid.rpc.internal

/**
 * A [dev.wsgrid.rpc.Transport] that wants to know when this side gives up waiting for one of its
 * calls (its timeout passed, or its caller was cancelled): a transport that relays calls to another
 * process (a cluster's node) stops the relayed call there too. Plain TGrid has no frame for it.
 */
@InternalWsgridApi
public interface CallAbandonment {
    /** This side stopped waiting for the return of the call [uid]; a late return is dropped here anyway. */
    public fun callAbandoned(uid: Long)
}
