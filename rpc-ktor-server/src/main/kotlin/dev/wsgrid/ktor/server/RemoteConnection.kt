package dev.wsgrid.ktor.server

import dev.wsgrid.rpc.CloseCodes
import dev.wsgrid.rpc.Communicator
import dev.wsgrid.rpc.CommunicatorOptions
import dev.wsgrid.rpc.ConnectionClosedException
import dev.wsgrid.rpc.FrameReceiver
import dev.wsgrid.rpc.Transport
import dev.wsgrid.rpc.TransportFrame
import dev.wsgrid.rpc.WireProtocol
import dev.wsgrid.rpc.internal.CallAbandonment
import dev.wsgrid.rpc.internal.PeerText
import kotlinx.coroutines.Job
import java.util.concurrent.atomic.AtomicBoolean

/**
 * A connection held by another node of the cluster, as [WebSocketServer.locate] finds it: its
 * drivers' calls travel to that node through the cluster's backend, which sends them to the
 * client and its returns back. Call timeouts (per communicator, driver or call) apply here as on
 * any connection, and the client's errors arrive unchanged as `RemoteException`.
 *
 * ```kotlin
 * val alice = server.locate("alice") ?: return          // here or on another node
 * alice.getDriver<IChatPrinter>().print("bob", "hi")
 * ```
 *
 * It is open while that connection is: when the client leaves, the node holding it leaves the
 * cluster, or the backend cannot be reached, it closes, and pending calls fail with
 * `ConnectionClosedException` (with the client's close code and reason when it left). Calls
 * travel as plain TGrid frames: a function that streams cannot be called through it.
 */
public class RemoteConnection internal constructor(
    /** The id of the connection. */
    public val id: String,
    /** The node that holds the connection. */
    public val node: String,
    private val tunnel: TunnelTransport,
    options: CommunicatorOptions,
    parent: Job,
    private val ended: (RemoteConnection) -> Unit,
) : Communicator<Nothing>(null, options, parent) {
    init {
        openSession(tunnel, WireProtocol.TGRID)
    }

    /**
     * Stops using the connection from this node (pending calls fail); the connection itself stays
     * open on its node, and [WebSocketServer.locate] finds it again.
     */
    public suspend fun close() {
        closeSession(CloseCodes.NORMAL, "")
    }

    override fun onClosed(closed: TransportFrame.Closed) {
        ended(this)
    }

    override val description: String get() = "connection ${PeerText.escaped(id, 100)} on node $node"
}

/**
 * The frames of one [RemoteConnection], through the cluster: calls go to the owning node as
 * [ClusterMessages.CALL_FRAME], returns come back as [ClusterMessages.RETURN_FRAME], on the link's
 * thread and in order. Nothing is buffered here: a frame goes to the link at once.
 */
internal class TunnelTransport(
    private val node: ClusterNode,
    val tunnelId: String,
    val owner: String,
    val connectionId: String,
) : Transport, CallAbandonment {
    /** Set once by [start], before any frame can arrive. */
    @Volatile
    private var receiver: FrameReceiver? = null
    private val closed = AtomicBoolean()

    override fun start(receiver: FrameReceiver) {
        this.receiver = receiver
        node.tunnelStarted(this)
    }

    override fun sendText(text: String) {
        if (closed.get()) throw ConnectionClosedException(CloseCodes.GOING_AWAY, "", "the connection through the cluster is closed")
        val failure = try {
            node.sendCallFrame(this, text).whenComplete { _, e -> if (e != null) unreachable(e) }
            return
        } catch (e: Exception) {
            e
        }
        val reason = unreachable(failure)
        throw ConnectionClosedException(CloseCodes.INTERNAL_ERROR, reason, "connection closed (code ${CloseCodes.INTERNAL_ERROR}, reason \"$reason\")", failure)
    }

    private fun unreachable(e: Throwable): String {
        val reason = "node $owner cannot be reached: ${e.message}"
        end(CloseCodes.INTERNAL_ERROR, reason, byPeer = false, cause = e)
        return reason
    }

    /** The caller gave the call up: the owning node stops relaying it (and cancels it on a wsgrid client). */
    override fun callAbandoned(uid: Long) {
        if (!closed.get()) node.sendQuietly(owner, ClusterMessages.cancel(tunnelId, uid))
    }

    override fun sendBinary(data: ByteArray) {
        throw UnsupportedOperationException("binary frames do not travel between nodes")
    }

    override suspend fun awaitWritable() {
        if (closed.get()) throw ConnectionClosedException(CloseCodes.GOING_AWAY, "", "the connection through the cluster is closed")
    }

    override fun close(code: Int, reason: String) {
        if (closed.get()) return
        node.sendTunnelClose(this, code, reason)
        end(code, reason, byPeer = false, cause = null)
    }

    /** A return from the owning node (on the link's thread). */
    fun onFrame(text: String) {
        if (!closed.get()) receiver?.onText(text)
    }

    /** Ends the tunnel once: the connection's session fails its pending calls with [code] and [reason]. */
    fun end(code: Int, reason: String, byPeer: Boolean, cause: Throwable?) {
        if (!closed.compareAndSet(false, true)) return
        node.tunnelEnded(this)
        receiver?.onClosed(TransportFrame.Closed(code, reason, byPeer, cause))
    }
}
