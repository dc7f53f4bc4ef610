package dev.wsgrid.rpc

import kotlinx.coroutines.withTimeout
import java.util.concurrent.ConcurrentLinkedQueue

/** Two communicators joined by an in-memory pair: `server` serves [serverProvider]. */
class Peers(
    val server: TransportCommunicator<Any>,
    val client: TransportCommunicator<Any>,
    val serverTransport: RecordingTransport,
    val clientTransport: RecordingTransport,
)

fun peers(
    serverProvider: Any?,
    clientProvider: Any? = null,
    options: CommunicatorOptions = CommunicatorOptions.DEFAULT,
    clientOptions: CommunicatorOptions = options,
    protocol: WireProtocol = WireProtocol.TGRID,
    /** Where both ends deliver and both communicators run: a test dispatcher puts them on its virtual clock. */
    dispatcher: kotlinx.coroutines.CoroutineDispatcher = kotlinx.coroutines.Dispatchers.Default,
): Peers {
    val (a, b) = InMemoryTransport.pair(InMemoryTransport.DEFAULT_CAPACITY, dispatcher)
    val ra = RecordingTransport(a)
    val rb = RecordingTransport(b)
    val server = TransportCommunicator(serverProvider, options, dispatcher).apply { open(ra, protocol) }
    val client = TransportCommunicator(clientProvider, clientOptions, dispatcher).apply { open(rb, protocol) }
    return Peers(server, client, ra, rb)
}

/** A communicator on one end and a bare transport on the other, to speak raw frames to it. */
class RawPeer(val communicator: TransportCommunicator<Any>, val raw: InMemoryTransport) {
    suspend fun send(text: String) = raw.sendText(text)

    /** The next text frame from the communicator, within 5 s. */
    suspend fun next(): String = withTimeout(5_000) {
        while (true) {
            when (val f = raw.receive()) {
                is TransportFrame.Text -> return@withTimeout f.text
                is TransportFrame.Closed -> error("closed: $f")
                else -> {}
            }
        }
        @Suppress("UNREACHABLE_CODE")
        error("unreachable")
    }

    suspend fun call(text: String): String {
        send(text)
        return next()
    }
}

fun rawPeer(provider: Any?, options: CommunicatorOptions = CommunicatorOptions.DEFAULT): RawPeer {
    val (a, b) = InMemoryTransport.pair()
    val c = TransportCommunicator(provider, options).apply { open(a) }
    return RawPeer(c, b)
}

/** Records the text frames a transport sends. */
class RecordingTransport(private val inner: Transport) : Transport by inner {
    val sent = ConcurrentLinkedQueue<String>()

    /** The binary frames sent. */
    val sentBinary = ConcurrentLinkedQueue<ByteArray>()

    override fun sendBinary(data: ByteArray) {
        sentBinary.add(data)
        inner.sendBinary(data)
    }

    override fun sendText(text: String) {
        sent.add(text)
        inner.sendText(text)
    }
}

private val relays = java.util.concurrent.ConcurrentHashMap<Transport, FrameRelay>()

/**
 * The next frame a bare test end received: the end is started, on first use, with a relay that
 * keeps what arrives until the test takes it.
 */
suspend fun Transport.receive(): TransportFrame =
    relays.computeIfAbsent(this) { t -> FrameRelay(t, Int.MAX_VALUE).also { t.start(it) } }.receive()
