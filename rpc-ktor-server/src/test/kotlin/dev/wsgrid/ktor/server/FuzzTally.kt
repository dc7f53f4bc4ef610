package dev.wsgrid.ktor.server

import java.io.OutputStream
import java.io.PrintStream
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong

/** What each kind of fuzz case got, and every BAD outcome; shared by the fuzz's concurrent connections. */
internal class FuzzTally {
    class KindStats {
        val cases = AtomicInteger()
        val outcomes = ConcurrentHashMap<String, AtomicInteger>()

        /** Text frames skipped without a reply on connections with an invoke listener, and how many of those it was told of. */
        val skippedListened = AtomicInteger()
        val skippedReported = AtomicInteger()

        /** Error replies over [LONG_ERROR] characters, and the longest reply with its frame's length. */
        val longErrors = AtomicInteger()
        val longestReply = AtomicLong()

        @Volatile
        var longestReplyFrame = 0
    }

    private val calls = ConcurrentHashMap<FuzzKind, KindStats>()
    private val firstFrames = ConcurrentHashMap<FuzzKind, KindStats>()
    private val badCounts = ConcurrentHashMap<String, AtomicInteger>()
    private val badSamples = ConcurrentHashMap<String, ConcurrentLinkedQueue<String>>()
    val malformedFrames = AtomicInteger()
    val goodCalls = AtomicInteger()

    /** Cases classified so far, at both stages. */
    val recorded: Int get() = (calls.values + firstFrames.values).sumOf { it.cases.get() }

    fun record(firstFrame: Boolean, kind: FuzzKind, outcome: String, skipReported: Boolean? = null, reply: Int? = null, frame: Int = 0) {
        val s = (if (firstFrame) firstFrames else calls).computeIfAbsent(kind) { KindStats() }
        s.cases.incrementAndGet()
        s.outcomes.computeIfAbsent(outcome) { AtomicInteger() }.incrementAndGet()
        if (skipReported != null) {
            s.skippedListened.incrementAndGet()
            if (skipReported) s.skippedReported.incrementAndGet()
        }
        if (reply != null) {
            if (reply > LONG_ERROR && outcome.startsWith("error")) s.longErrors.incrementAndGet()
            synchronized(s) {
                if (reply > s.longestReply.get()) {
                    s.longestReply.set(reply.toLong())
                    s.longestReplyFrame = frame
                }
            }
        }
    }

    /** Records a BAD outcome of [category]; the first three of each category are kept with their [detail]. */
    fun bad(category: String, detail: String) {
        badCounts.computeIfAbsent(category) { AtomicInteger() }.incrementAndGet()
        val samples = badSamples.computeIfAbsent(category) { ConcurrentLinkedQueue() }
        if (samples.size < 3) samples.add(detail)
    }

    val badTotal: Int get() = badCounts.values.sumOf { it.get() }

    /** Each BAD category with its count and samples; empty when nothing was BAD. */
    fun badReport(): String = buildString {
        for ((category, n) in badCounts.entries.sortedByDescending { it.value.get() }) {
            appendLine("BAD ×${n.get()}: $category")
            badSamples[category]?.forEach { appendLine("    e.g. $it") }
        }
    }

    /** The two tables, Markdown. */
    fun tables(): String = buildString {
        appendLine("Calls stage: many malformed frames per connection after a good header, each followed by good calls.")
        appendLine()
        appendLine("| kind | cases | outcomes | skipped frames told to onInvalidMessage | longest reply (its frame) | error replies over $LONG_ERROR chars |")
        appendLine("|---|--:|---|--:|--:|--:|")
        for (kind in FuzzKind.forCalls) {
            val s = calls[kind] ?: continue
            val told = if (s.skippedListened.get() == 0) "–" else "${s.skippedReported.get()} of ${s.skippedListened.get()}"
            val longest = if (s.longestReply.get() == 0L) "–" else "${s.longestReply.get()} (${s.longestReplyFrame})"
            appendLine("| ${kind.label} | ${s.cases.get()} | ${outcomes(s)} | $told | $longest | ${s.longErrors.get()} |")
        }
        appendLine()
        appendLine("First-frame stage: one malformed frame per connection, before or as the header.")
        appendLine()
        appendLine("| kind | cases | outcomes |")
        appendLine("|---|--:|---|")
        for (kind in FuzzKind.forFirstFrame) {
            val s = firstFrames[kind] ?: continue
            appendLine("| ${kind.label} | ${s.cases.get()} | ${outcomes(s)} |")
        }
    }

    private fun outcomes(s: KindStats): String =
        s.outcomes.entries.sortedByDescending { it.value.get() }.joinToString("; ") { "${it.key.replace("|", "\\|")}: ${it.value.get()}" }
}

/** An error reply longer than this quotes more than its message needs (known defect (b) quotes whole arguments and listeners). */
internal const val LONG_ERROR: Int = 1_000

/**
 * Stands in for `System.err` while the fuzz runs, where slf4j-simple writes: counts the server's
 * "skipped a frame" warnings (one per bad frame, today), recognises lines that a frame's own line
 * breaks put into the log (known defect (c)), and passes every other line through, up to a cap.
 */
internal class LogTap(private val through: PrintStream) : OutputStream() {
    private val line = java.io.ByteArrayOutputStream()
    private var inSkippedFrameRecord = false
    private val recordStart = Regex("""^\[[^\]]*] (TRACE|DEBUG|INFO|WARN|ERROR) \S+ - """)

    val skippedFrameWarnings = AtomicInteger()

    /** Lines that are not a record of the logger's own: a logged frame's line breaks made them. */
    val forgedLines = AtomicInteger()
    val forgedSamples = ConcurrentLinkedQueue<String>()

    /** Records at ERROR, other than forged ones. */
    val errors = AtomicInteger()
    val errorSamples = ConcurrentLinkedQueue<String>()
    private var passedThrough = 0

    @Synchronized
    override fun write(b: Int) {
        if (b == '\n'.code) flushLine() else line.write(b)
    }

    @Synchronized
    override fun write(b: ByteArray, off: Int, len: Int) {
        for (i in off until off + len) write(b[i].toInt())
    }

    private fun flushLine() {
        val text = line.toString(Charsets.UTF_8).removeSuffix("\r")
        line.reset()
        val start = recordStart.find(text)
        when {
            // a line of its own that the logger did not start: a frame's line break made it
            start == null && (FORGED_MARKER in text || inSkippedFrameRecord) -> {
                forgedLines.incrementAndGet()
                if (forgedSamples.size < 5) forgedSamples.add(escape(text.take(160)))
            }
            start != null && start.groupValues[1] == "WARN" && "skipped a frame" in text -> {
                inSkippedFrameRecord = true
                skippedFrameWarnings.incrementAndGet()
            }
            else -> {
                if (start != null) {
                    inSkippedFrameRecord = false
                    if (start.groupValues[1] == "ERROR") {
                        errors.incrementAndGet()
                        if (errorSamples.size < 5) errorSamples.add(text.take(300))
                    }
                }
                if (passedThrough++ < 200) through.println(text)
            }
        }
    }
}
