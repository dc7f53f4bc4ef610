package dev.wsgrid.ktor.server

import dev.wsgrid.rpc.CloseCodes
import io.ktor.client.HttpClient
import io.ktor.client.plugins.websocket.DefaultClientWebSocketSession
import io.ktor.client.plugins.websocket.webSocketSession
import io.ktor.websocket.CloseReason
import io.ktor.websocket.Frame
import io.ktor.websocket.close
import io.ktor.websocket.readText
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.channels.ClosedReceiveChannelException
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonObject
import java.util.concurrent.ConcurrentHashMap
import kotlin.random.Random

/**
 * How long the fuzz waits for what must come (an accept, an answer, a close) before calling it BAD:
 * far longer than any of them takes, so a loaded machine cannot fail the run.
 */
internal const val PATIENCE_MS = 60_000L

/** Uids of the cases on one connection start here (7 digits); good calls' at [GOOD_UID_BASE] (9 digits), which no mutation of a case's uid reaches. */
internal const val CASE_UID_BASE = 1_000_000L
internal const val GOOD_UID_BASE = 100_000_000L

/** One fuzz connection: its id, the seed of its frames, how many cases it carries. */
internal class Plan(val id: Int, val seed: Long, val size: Int, val listened: Boolean)

private suspend fun DefaultClientWebSocketSession.send(frame: FuzzFrame) {
    when (frame) {
        is FuzzFrame.Text -> outgoing.send(Frame.Text(frame.text))
        is FuzzFrame.RawText -> outgoing.send(Frame.Text(true, frame.bytes))
        is FuzzFrame.Binary -> outgoing.send(Frame.Binary(true, frame.bytes))
        FuzzFrame.None -> Unit
    }
}

/** What the server's reader sees of [frame]: its text, decoded as the server decodes it. */
private fun textSeen(frame: FuzzFrame): String? = when (frame) {
    is FuzzFrame.Text -> frame.text
    is FuzzFrame.RawText -> String(frame.bytes, Charsets.UTF_8)
    else -> null
}

private class Case(val index: Int, val kind: FuzzKind, val frame: FuzzFrame, val answerUid: Long?)

/** A good call and how to check its answer's value. */
private class GoodCall(val afterCase: Int, val what: String, val check: (JsonPrimitive?) -> Boolean)

/**
 * One connection of the calls stage: a good header, then [Plan.size] malformed frames, each followed
 * by good calls (on a listened connection always `reports()`, which says how many bad frames the
 * connection's invoke listener was told of so far, so each case's share is known).
 */
internal suspend fun fuzzCalls(http: HttpClient, url: String, plan: Plan, tally: FuzzTally) {
    val where = "calls connection ${plan.id} (seed ${plan.seed}, ${if (plan.listened) "listened" else "plain"})"
    val r = Random(plan.seed)
    val session = try {
        http.webSocketSession(url)
    } catch (e: Exception) {
        currentCoroutineContext().ensureActive()
        tally.bad("a connection could not be opened", "$where: $e")
        return
    }
    try {
        coroutineScope {
            session.outgoing.send(Frame.Text(FuzzFrames.header(if (plan.listened) TOKEN_LISTENED else TOKEN_PLAIN)))
            val accept = withTimeoutOrNull(PATIENCE_MS) { session.incoming.receiveCatching().getOrNull() }
            if ((accept as? Frame.Text)?.readText() != "1") {
                tally.bad("a good header was not accepted", "$where: got $accept (${if (accept == null) closeReasonOf(session) else null})")
                return@coroutineScope
            }
            val replies = ConcurrentHashMap<Long, String>()
            val finalUid = GOOD_UID_BASE + 999_999_999
            val finalAnswered = CompletableDeferred<Boolean>()
            val reader = launch {
                try {
                    readReplies(session, where, tally, replies, finalUid, finalAnswered)
                } finally {
                    finalAnswered.complete(false)
                }
            }
            val sent = ArrayList<Case>(plan.size)
            val good = HashMap<Long, GoodCall>()
            val reportsProbe = HashMap<Int, Long>()
            val taken = HashSet<Long>()
            var nextCaseUid = CASE_UID_BASE
            var nextGoodUid = GOOD_UID_BASE
            fun expectGood(afterCase: Int, what: String, check: (JsonPrimitive?) -> Boolean): Long {
                val uid = nextGoodUid++
                good[uid] = GoodCall(afterCase, what, check)
                return uid
            }
            for (k in 0 until plan.size) {
                val kind = FuzzKind.forCalls.random(r)
                var frame: FuzzFrame
                var answerUid: Long?
                do {
                    while (nextCaseUid in taken) nextCaseUid++
                    frame = FuzzFrames.generate(kind, r, nextCaseUid++)
                    answerUid = textSeen(frame)?.let { FuzzOracle.answerableUid(it) }
                    // a mutated uid may land on another case's: try another frame, so every reply has one owner
                } while (answerUid != null && (answerUid in taken || answerUid >= GOOD_UID_BASE))
                answerUid?.let { taken.add(it) }
                sent.add(Case(k, kind, frame, answerUid))
                session.send(frame)
                if (plan.listened) {
                    val uid = expectGood(k, "reports()") { it != null && !it.isString && it.content.toIntOrNull() != null }
                    reportsProbe[k] = uid
                    session.outgoing.send(Frame.Text("""{"uid":$uid,"listener":"reports","parameters":[]}"""))
                }
                if (r.nextInt(4) == 0) {
                    val x = r.nextInt(-4_000, 4_000) / 4.0
                    val y = r.nextInt(-4_000, 4_000) / 4.0
                    val uid = expectGood(k, "plus($x, $y)") { it?.content?.toDoubleOrNull() == x + y }
                    session.outgoing.send(Frame.Text("""{"uid":$uid,"listener":"plus","parameters":[{"type":"number","value":$x},{"type":"number","value":$y}]}"""))
                }
            }
            good[finalUid] = GoodCall(plan.size, "plus(1, 2) after the last case") { it?.content?.toDoubleOrNull() == 3.0 }
            session.outgoing.send(Frame.Text("""{"uid":$finalUid,"listener":"plus","parameters":[{"type":"number","value":1},{"type":"number","value":2}]}"""))
            // The server reads a connection's frames in order and sends its answers in order, so the
            // answer to the last good call is the signal that every frame before it was answered or skipped.
            val answered = withTimeoutOrNull(PATIENCE_MS) { finalAnswered.await() }
            reader.cancel()
            if (answered != true) {
                val why = if (answered == null) "silent for ${PATIENCE_MS / 1000} s" else "closed (${closeReasonOf(session)})"
                tally.bad("a connection ended or fell silent before its last good call was answered", "$where: $why")
                for (case in sent) tally.record(false, case.kind, "connection ended or silent", frame = case.frame.length)
                tally.malformedFrames.addAndGet(sent.size)
                return@coroutineScope
            }

            // the good calls: every one answered, and answered right
            val goodValues = HashMap<Long, JsonPrimitive?>()
            for ((uid, call) in good) {
                val reply = replies.remove(uid)
                val value = reply?.let { valueOf(it) }
                goodValues[uid] = value
                when {
                    reply == null -> tally.bad("no answer to a good call", "$where: ${call.what} after case ${call.afterCase} (${sent.getOrNull(call.afterCase)?.kind?.label})")
                    !reply.startsWith("""{"uid":$uid,"success":true""") || !call.check(value) ->
                        tally.bad("a good call answered wrong", "$where: ${call.what} after case ${call.afterCase} (${sent.getOrNull(call.afterCase)?.kind?.label}) got ${escape(reply.take(300))}")
                }
            }
            tally.goodCalls.addAndGet(good.size)

            // each case: its reply (when its uid is readable) and, on a listened connection, whether the listener was told of it
            var toldBefore = 0
            for (case in sent) {
                val reply = case.answerUid?.let { replies.remove(it) }
                val toldNow = reportsProbe[case.index]?.let { goodValues[it]?.content?.toIntOrNull() }
                val delta = toldNow?.let { it - toldBefore }
                if (toldNow != null) toldBefore = toldNow
                val outcome = when {
                    reply != null -> outcomeOf(reply)
                    case.answerUid != null -> "no reply"
                    else -> "skipped"
                }
                val repro = "$where, case ${case.index}: ${case.frame.excerpt(300)}"
                if (reply == null && case.answerUid != null) tally.bad("no reply to a call whose uid is readable", repro)
                if (delta != null && delta > 1) tally.bad("one frame told to onInvalidMessage more than once", repro)
                val isText = case.frame is FuzzFrame.Text || case.frame is FuzzFrame.RawText
                val skipTold = if (reply == null && isText && delta != null) delta == 1 else null
                if (skipTold == false) tally.bad("a skipped text frame that onInvalidMessage was not told of", repro)
                tally.record(false, case.kind, outcome, skipTold, reply?.length, case.frame.length)
            }
            tally.malformedFrames.addAndGet(sent.size)
            for ((uid, text) in replies) {
                val suspects = sent.filter { textSeen(it.frame)?.contains(uid.toString()) == true }.map { "${it.index} ${it.kind.label}" }
                tally.bad("a reply that no frame's readable uid asked for", "$where: uid $uid (cases whose text holds it: $suspects): ${escape(text.take(200))}")
            }
        }
    } catch (e: Exception) {
        currentCoroutineContext().ensureActive()
        tally.bad("the fuzz client failed on a connection", "$where: $e")
    } finally {
        runCatching { session.close() }
    }
}

/** The next frame, or `null` once the connection has ended (Ktor cancels the channels of a closed session). */
private suspend fun nextFrame(session: DefaultClientWebSocketSession): Frame? = try {
    session.incoming.receive()
} catch (_: ClosedReceiveChannelException) {
    null
} catch (e: CancellationException) {
    currentCoroutineContext().ensureActive()
    null
}

/** The close code and reason the server sent, once the connection has ended. */
private suspend fun closeReasonOf(session: DefaultClientWebSocketSession): CloseReason? = try {
    withTimeoutOrNull(PATIENCE_MS) { session.closeReason.await() }
} catch (e: CancellationException) {
    currentCoroutineContext().ensureActive()
    null
}

/** Files each reply of a calls connection under its uid, until the connection ends. */
private suspend fun readReplies(
    session: DefaultClientWebSocketSession,
    where: String,
    tally: FuzzTally,
    replies: ConcurrentHashMap<Long, String>,
    finalUid: Long,
    finalAnswered: CompletableDeferred<Boolean>,
) {
    for (f in session.incoming) {
        val text = (f as? Frame.Text)?.readText()
        val uid = text?.let { replyUid(it) }
        when {
            text == null -> tally.bad("the server sent a frame that is not text", "$where: $f")
            uid == null -> tally.bad("the server sent a frame that is not a return", "$where: ${escape(text.take(300))}")
            replies.putIfAbsent(uid, text) != null -> tally.bad("two replies with one uid", "$where: uid $uid")
        }
        if (uid == finalUid) finalAnswered.complete(true)
    }
}

private fun replyUid(text: String): Long? = try {
    (Json.parseToJsonElement(text).jsonObject["uid"] as? JsonPrimitive)?.content?.toLongOrNull()
} catch (_: Exception) {
    null
}

private fun valueOf(reply: String): JsonPrimitive? = try {
    Json.parseToJsonElement(reply).jsonObject["value"] as? JsonPrimitive
} catch (_: Exception) {
    null
}

/** `answered`, or `error <name>` of an error return. */
private fun outcomeOf(reply: String): String {
    val obj = try {
        Json.parseToJsonElement(reply) as? JsonObject
    } catch (_: Exception) {
        null
    } ?: return "a reply that is not JSON"
    if ((obj["success"] as? JsonPrimitive)?.content == "true") return "answered"
    val name = ((obj["value"] as? JsonObject)?.get("name") as? JsonPrimitive)?.content
    return "error ${name ?: "(no name)"}"
}

/**
 * One connection of the first-frame stage: one malformed frame before or as the header (or none,
 * or a too-big one after it); the server must close with a code and a reason, or accept a header
 * that is one.
 */
internal suspend fun fuzzFirstFrame(http: HttpClient, url: String, plan: Plan, tally: FuzzTally) {
    val r = Random(plan.seed)
    val kind = FuzzKind.forFirstFrame.random(r)
    val frame = FuzzFrames.generate(kind, r, 1)
    val repro = "first-frame connection ${plan.id} (seed ${plan.seed}): ${frame.excerpt(300)}"
    val session = try {
        http.webSocketSession(url)
    } catch (e: Exception) {
        currentCoroutineContext().ensureActive()
        tally.bad("a connection could not be opened", "$repro: $e")
        return
    }
    try {
        if (kind == FuzzKind.OVERSIZED_AFTER_HEADER || (kind == FuzzKind.INVALID_UTF8 && r.nextBoolean())) {
            session.outgoing.send(Frame.Text(FuzzFrames.header()))
            val accept = withTimeoutOrNull(PATIENCE_MS) { session.incoming.receiveCatching().getOrNull() }
            if ((accept as? Frame.Text)?.readText() != "1") {
                // on a loaded machine the header may come after the fuzz server's short handshake timeout
                val reason = if (accept == null) closeReasonOf(session) else null
                if (reason?.message?.startsWith("no header within") == true) {
                    tally.record(true, kind, "closed ${reason.code} ${reasonLabel(reason.message)} (before the header was read)", frame = frame.length)
                } else {
                    tally.bad("a good header was not accepted", "$repro: got $accept ($reason)")
                }
                return
            }
        } else {
            delay(r.nextLong(0, 20))
        }
        try {
            session.send(frame)
        } catch (e: Exception) {
            currentCoroutineContext().ensureActive()
            // the handshake timeout may pass before a client on a loaded machine sends its frame
            val reason = closeReasonOf(session)
            if (reason?.message?.startsWith("no header within") != true) tally.bad("a connection closed before its first frame was sent", "$repro: $reason, $e")
            tally.record(true, kind, "closed ${reason?.code} ${reason?.message?.let(::reasonLabel)} (before the frame was sent)", frame = frame.length)
            return
        }
        val first = withTimeoutOrNull(PATIENCE_MS) { Result.success(nextFrame(session)) }
        val f = first?.getOrNull()
        val outcome = when {
            first == null -> {
                tally.bad("no close within ${PATIENCE_MS / 1000} s of a bad first frame", repro)
                "no close"
            }
            f != null -> {
                if ((f as? Frame.Text)?.readText() == "1") {
                    if (!FuzzOracle.acceptableHeader(textSeen(frame) ?: "")) tally.bad("a bad header was accepted", repro)
                    "accepted"
                } else {
                    tally.bad("a bad first frame got a frame other than the accept", "$repro: $f")
                    "got a frame"
                }
            }
            else -> {
                val reason = closeReasonOf(session)
                if (reason == null || (reason.message.isEmpty() && reason.code.toInt() != CloseCodes.MESSAGE_TOO_BIG)) {
                    tally.bad("a close without a reason", "$repro: $reason")
                }
                "closed ${reason?.code} ${reason?.message?.let(::reasonLabel)}"
            }
        }
        tally.record(true, kind, outcome, frame = frame.length)
    } catch (e: Exception) {
        currentCoroutineContext().ensureActive()
        // a server may cut the socket under a frame over its limit once it has sent its 1009 (RFC 6455 7.1.7)
        val reason = if (e is CancellationException && kind in FuzzKind.oversized) closeReasonOf(session) else null
        if (reason != null && reason.code.toInt() == CloseCodes.MESSAGE_TOO_BIG) {
            tally.record(true, kind, "closed ${reason.code} ${reasonLabel(reason.message)} (cut while the frame was sent)", frame = frame.length)
        } else {
            tally.bad("the fuzz client failed on a connection", "$repro: $e")
        }
    } finally {
        runCatching { session.close() }
    }
}

/** A close reason as an outcome: numbers as N, without the stock explanation, at most 60 characters. */
private fun reasonLabel(reason: String): String {
    val label = reason.substringBefore(": a {\"header\": ...} object was expected").replace(Regex("\\d+"), "N")
    return if (label.length > 60) label.take(60) + "…" else label
}
