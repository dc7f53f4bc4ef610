package dev.wsgrid.examples

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
