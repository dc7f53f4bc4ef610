package dev.wsgrid.rpc

import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext

/**
 * A [Communicator] over a [Transport] you already have: an [InMemoryTransport] in tests, or a
 * transport of your own. It does no handshake: both ends are open as soon as [open] is called.
 *
 * ```kotlin
 * val (left, right) = InMemoryTransport.pair()
 * val server = TransportCommunicator(Calculator()).apply { open(left) }
 * val client = TransportCommunicator<Nothing>().apply { open(right) }
 * val calc = client.getDriver<ICalculator>()
 * calc.scientific.sqrt(16.0) // 4.0
 * client.close()
 * ```
 *
 * @param provider what the remote side may call, or `null`.
 * @param options codec, limits and timeouts.
 * @param context the parent of this communicator's coroutines (a `Job` to tie them to, a dispatcher).
 */
public class TransportCommunicator<Provider : Any> @JvmOverloads constructor(
    provider: Provider? = null,
    options: CommunicatorOptions = CommunicatorOptions.DEFAULT,
    context: CoroutineContext = EmptyCoroutineContext,
) : Communicator<Provider>(provider, options, context) {

    /**
     * Starts serving [transport]. Allowed when the state is `NONE` or `CLOSED`.
     *
     * @throws IllegalStateException when a connection is open.
     */
    public fun open(transport: Transport) {
        open(transport, WireProtocol.TGRID)
    }

    /**
     * Starts serving [transport] speaking [protocol]: [WireProtocol.WSGRID_V1] when the other end is
     * a wsgrid communicator opened the same way (to test streams and cancellation in memory),
     * [WireProtocol.TGRID] to behave as with a TGrid peer. Both ends must agree.
     *
     * @throws IllegalStateException when a connection is open.
     */
    public fun open(transport: Transport, protocol: WireProtocol) {
        val st = state
        check(st == CommunicatorState.NONE || st == CommunicatorState.CLOSED) { "cannot open: connection is $st" }
        openSession(transport, protocol)
    }

    /**
     * Closes the connection with [code] and [reason]; pending calls on both sides fail with
     * [ConnectionClosedException]. Returns once closed; at once when closed already.
     *
     * @throws NotConnectedException when it was never opened.
     */
    public suspend fun close(code: Int = CloseCodes.NORMAL, reason: String = "") {
        closeSession(code, reason)
    }
}
