package dev.wsgrid.ktor.server

/**
 * What one broadcast did, member by member: every member is tried at once, so a slow or dead
 * one delays nobody else and only shows up in [failed].
 *
 * @property delivered the ids of the members whose call succeeded.
 * @property failed the ids of the members whose call failed, with why (a `CallTimeoutException`
 *   for a member that did not answer within the broadcast's timeout, a `ConnectionClosedException`,
 *   a `RemoteException`, ...).
 */
public class BroadcastResult(
    public val delivered: List<String>,
    public val failed: Map<String, Throwable>,
) {
    /** Whether every member got the call. */
    public val allDelivered: Boolean get() = failed.isEmpty()

    override fun toString(): String = "BroadcastResult(delivered=${delivered.size}, failed=${failed.keys})"
}
