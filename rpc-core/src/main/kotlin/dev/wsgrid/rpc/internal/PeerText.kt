package dev.wsgrid.rpc.internal

import org.slf4j.Logger
import java.util.concurrent.atomic.AtomicLong

/*
 * Text a peer chose (a listener name, a frame, a close reason, a request path), as wsgrid quotes
 * it back in error replies and writes it to logs: never whole, never raw. Public only so the
 * other wsgrid modules can reach it; not part of the API.
 */
@InternalWsgridApi
public object PeerText {
    /** The most of a peer's name (a listener path) an error reply or a log line quotes. */
    public const val MAX_NAME: Int = 80

    /** The most of a peer's frame or message a log line quotes. */
    public const val MAX_LOGGED: Int = 200

    /**
     * A peer-chosen name as an error reply quotes it: whole up to [MAX_NAME] characters, else its
     * start and how long it was. JSON escapes the rest when the reply is written.
     */
    @JvmStatic
    public fun name(text: String): String =
        if (text.length <= MAX_NAME) text else text.substring(0, MAX_NAME) + "… (${text.length} characters)"

    /** At most [max] characters of [text], then how long it was. */
    @JvmStatic
    public fun cut(text: String, max: Int = MAX_LOGGED): String =
        if (text.length <= max) text else text.substring(0, max) + "… (${text.length} characters)"

    /**
     * [text] as a log line may show it: in double quotes, cut at [max] characters, with line
     * breaks, control characters, quotes and backslashes escaped, so no peer can forge a log line.
     */
    @JvmStatic
    public fun forLog(text: String?, max: Int = MAX_LOGGED): String = if (text == null) "null" else "\"" + escaped(text, max) + "\""

    /** [text] cut at [max] characters, escaped as [forLog] does, without the quotes: for a path in a description. */
    @JvmStatic
    public fun escaped(text: String, max: Int = MAX_LOGGED): String {
        val n = minOf(text.length, max)
        val sb = StringBuilder(n + 16)
        for (i in 0 until n) {
            val c = text[i]
            when {
                c == '"' -> sb.append("\\\"")
                c == '\\' -> sb.append("\\\\")
                c == '\n' -> sb.append("\\n")
                c == '\r' -> sb.append("\\r")
                c == '\t' -> sb.append("\\t")
                c < ' ' || c == '\u007f' || c in '\u0080'..'\u009f' || c == '\u2028' || c == '\u2029' ->
                    sb.append("\\u").append(String.format("%04x", c.code))
                else -> sb.append(c)
            }
        }
        if (text.length > max) sb.append("… (").append(text.length).append(" characters)")
        return sb.toString()
    }
}

/**
 * Warnings about what peers send, at most [perSecond] a second (a burst of [burst]) across the
 * whole JVM: a flood of bad frames costs a few log lines, not megabytes. What is held back is
 * counted, and the next warning that passes says how many were. Public only so the other wsgrid
 * modules can reach it; not part of the API.
 */
@InternalWsgridApi
public class WarningLimiter(private val perSecond: Int = 10, private val burst: Int = 20) {
    private val intervalNanos = 1_000_000_000L / perSecond
    private val nextFree = AtomicLong(System.nanoTime() - burst * intervalNanos)
    private val suppressed = AtomicLong()

    /** Logs the warning at WARN when the budget allows it, else at DEBUG only and counts it. */
    public fun warn(log: Logger, format: String, vararg args: Any?) {
        if (!log.isWarnEnabled) return
        if (take()) {
            val held = suppressed.getAndSet(0)
            if (held > 0) log.warn("$format ({} similar warnings were held back before this one)", *args, held)
            else log.warn(format, *args)
        } else {
            suppressed.incrementAndGet()
            if (log.isDebugEnabled) log.debug(format, *args)
        }
    }

    private fun take(): Boolean {
        while (true) {
            val now = System.nanoTime()
            val next = nextFree.get()
            val floor = now - burst * intervalNanos
            val start = if (next < floor) floor else next
            if (start > now) return false
            if (nextFree.compareAndSet(next, start + intervalNanos)) return true
        }
    }

    /** The limiter of warnings about bad input from peers. */
    @InternalWsgridApi
    public companion object {
        /** Shared by every connection of this JVM. */
        @JvmField
        public val PEER_INPUT: WarningLimiter = WarningLimiter()
    }
}
