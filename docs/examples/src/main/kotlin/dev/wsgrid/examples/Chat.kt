package dev.wsgrid.examples

import dev.wsgrid.ktor.server.AcceptorRegistry
import dev.wsgrid.ktor.server.WebSocketAcceptor
import dev.wsgrid.ktor.server.broadcast
import dev.wsgrid.rpc.IdConflictException
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import java.util.concurrent.ConcurrentHashMap

/** What each chat participant serves: the server calls it for every message said. */
interface IChatPrinter {
    suspend fun print(name: String, message: String)
}

/** What the chat server serves to each participant, as in TGrid's chat test. */
interface IChatService {
    /** Takes [name]; `false` when another participant has it. */
    suspend fun setName(name: String): Boolean

    /** Says [message] to everyone, in the order messages are said; fails before a name is set. */
    suspend fun talk(message: String)
}

/** One chat room: the participants by name, with a driver of each one's printer. */
class ChatRoom {
    private val participants = ConcurrentHashMap<String, IChatPrinter>()
    private val order = Mutex()

    /** The names of the participants now. */
    val names: Set<String> get() = HashSet(participants.keys)

    internal fun join(name: String, printer: IChatPrinter): Boolean = participants.putIfAbsent(name, printer) == null

    internal fun leave(name: String) {
        participants.remove(name)
    }

    /** Delivers [message] to every participant; one message at a time, so everyone sees one order. */
    internal suspend fun broadcast(name: String, message: String) = order.withLock {
        for ((who, printer) in participants) {
            try {
                printer.print(name, message)
            } catch (e: Exception) {
                // a participant that cannot be reached any more leaves
                participants.remove(who)
            }
        }
    }
}

/** One participant's view of the room: the provider each acceptor serves. */
class ChatService(private val room: ChatRoom, private val printer: IChatPrinter) : IChatService {
    @Volatile
    private var name: String? = null

    override suspend fun setName(name: String): Boolean {
        if (!room.join(name, printer)) return false
        this.name?.let { room.leave(it) }
        this.name = name
        return true
    }

    override suspend fun talk(message: String) {
        val me = name ?: throw IllegalStateException("set a name before talking")
        room.broadcast(me, message)
    }

    /** Forgets this participant; called when its connection closes. */
    fun leave() {
        name?.let { room.leave(it) }
    }
}

/**
 * One participant of the chat as `chat-server` serves it, on wsgrid's own rooms and ids, so that
 * several chat servers on one Redis share one chat: a participant's name is its connection's id
 * (unique on every node of the cluster), and a message is one broadcast to the room [ROOM], which
 * reaches the participants of every node, each in the order the cluster's backend hands the
 * broadcasts over. On a single server it is the same chat.
 */
class RoomChatService(
    private val acceptor: WebSocketAcceptor<*, *>,
    /** The server's clients, whose room [ROOM] this participant talks to. */
    private val clients: () -> AcceptorRegistry<*, *>,
    /** Held while one of this server's messages goes out: its participants see one order. */
    private val order: Mutex,
) : IChatService {
    @Volatile
    private var named = false

    override suspend fun setName(name: String): Boolean {
        try {
            acceptor.changeId(name)
        } catch (e: IdConflictException) {
            return false
        }
        named = true
        acceptor.enter(ROOM)
        return true
    }

    override suspend fun talk(message: String) {
        check(named) { "set a name before talking" }
        val me = acceptor.id
        order.withLock {
            clients().room(ROOM)?.broadcast<IChatPrinter> { it.print(me, message) }
        }
    }

    companion object {
        /** The room every named participant is in. */
        const val ROOM = "chat"
    }
}
