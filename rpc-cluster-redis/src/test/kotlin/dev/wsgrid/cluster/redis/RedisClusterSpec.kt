package dev.wsgrid.cluster.redis

import dev.wsgrid.ktor.server.ClusterUnavailableException
import dev.wsgrid.ktor.server.RemoteConnection
import dev.wsgrid.ktor.server.WebSocketAcceptor
import dev.wsgrid.ktor.server.WebSocketServer
import dev.wsgrid.ktor.server.broadcast
import dev.wsgrid.rpc.CallTimeoutException
import dev.wsgrid.rpc.ConnectionClosedException
import dev.wsgrid.rpc.HandshakeRejectedException
import dev.wsgrid.rpc.RemoteException
import dev.wsgrid.rpc.withCallTimeout
import io.kotest.assertions.nondeterministic.eventually
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldContainExactlyInAnyOrder
import io.kotest.matchers.maps.shouldBeEmpty
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeInstanceOf
import io.kotest.matchers.types.shouldBeSameInstanceAs
import kotlinx.coroutines.async
import kotlinx.coroutines.withTimeout
import java.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

/** Three wsgrid servers on one real Redis: ids, broadcasts and calls across them. */
class RedisClusterSpec : FunSpec({
    lateinit var redis: RedisServer
    lateinit var nodes: List<WebSocketServer<Hello, IHub>>

    beforeSpec {
        redis = RedisServer()
        val cluster = testCluster(redis, "spec")
        nodes = List(3) { clusterServer(cluster) }
    }
    afterSpec {
        nodes.forEach { it.close() }
        redis.close()
    }

    suspend fun inRoom(server: WebSocketServer<*, *>, room: String, vararg ids: String) =
        eventually(5.seconds) { server.room(room)!!.members.map { it.id }.toSet() shouldBe ids.toSet() }

    test("a room broadcast from a node with no members reaches every member on the other nodes once, in one report") {
        val (a1, m1) = member(nodes[0], "ann", "lobby")
        val (b1, m2) = member(nodes[1], "bob", "lobby")
        val (c1, m3) = member(nodes[2], "cid", "lobby")
        val (d1, m4) = member(nodes[2], "dee")
        try {
            inRoom(nodes[0], "lobby", "ann")
            inRoom(nodes[1], "lobby", "bob")
            inRoom(nodes[2], "lobby", "cid")
            val lonely = clusterServer(testCluster(redis, "spec"))
            try {
                lonely.room("lobby")!!.members.shouldBeEmpty()
                lonely.rooms.shouldBeEmpty()
                val result = lonely.room("lobby")!!.broadcast<IMember> { it.print("hello") }
                result.delivered shouldContainExactlyInAnyOrder listOf("ann", "bob", "cid")
                result.failed.shouldBeEmpty()
                result.failedNodes.shouldBeEmpty()
                result.allDelivered shouldBe true
                for (m in listOf(m1, m2, m3)) {
                    m.printed.receive() shouldBe "hello"
                    m.printed.tryReceive().getOrNull() shouldBe null
                }
                // everyone on every node: dee too, and nobody twice
                val all = nodes[1].broadcast(IMember::class.java) { it.print("all") }
                all.delivered shouldContainExactlyInAnyOrder listOf("ann", "bob", "cid", "dee")
                m4.printed.receive() shouldBe "all"
            } finally {
                lonely.close()
            }
        } finally {
            listOf(a1, b1, c1, d1).forEach { it.close() }
        }
    }

    test("members' failures travel back with their kind: a remote error and a timeout, beside the others' successes") {
        val (a, _) = member(nodes[0], "eve", "r2")
        val (b, _) = member(nodes[1], "fay", "r2")
        try {
            inRoom(nodes[0], "r2", "eve")
            inRoom(nodes[1], "r2", "fay")
            val failing = nodes[0].room("r2")!!.broadcast<IMember> { it.fail("no") }
            failing.delivered.shouldBeEmpty()
            val remote = failing.failed["fay"].shouldBeInstanceOf<RemoteException>()
            remote.name shouldBe "IllegalStateException"
            remote.remoteMessage shouldBe "fay refuses: no"
            failing.failed["eve"].shouldBeInstanceOf<RemoteException>().remoteMessage shouldBe "eve refuses: no"
            failing.failedNodes.shouldBeEmpty()

            val slow = nodes[0].room("r2")!!.broadcast(IMember::class.java, Duration.ofMillis(300)) { it.hold() }
            slow.failed.keys shouldBe setOf("eve", "fay")
            slow.failed["fay"].shouldBeInstanceOf<CallTimeoutException>().timeout shouldBe Duration.ofMillis(300)
            slow.failedNodes.shouldBeEmpty()
        } finally {
            a.close()
            b.close()
        }
    }

    test("notifications reach the members on every node, and broadcasts arrive in one order everywhere") {
        val members = listOf(member(nodes[0], "g0", "n"), member(nodes[1], "g1", "n"), member(nodes[2], "g2", "n"))
        try {
            inRoom(nodes[0], "n", "g0")
            inRoom(nodes[1], "n", "g1")
            inRoom(nodes[2], "n", "g2")
            val note = nodes[2].room("n")!!.broadcast<IMember> { it.note("psst") }
            note.delivered shouldBe listOf("g2") // this node's own members: nobody answers a notification
            for ((_, m) in members) m.notes.receive() shouldBe "psst"
            // three nodes broadcast at once: every member sees the nine messages in one order
            kotlinx.coroutines.coroutineScope {
                for ((i, node) in nodes.withIndex()) {
                    async { for (k in 1..3) node.room("n")!!.broadcast<IMember> { it.note("$i.$k") } }
                }
            }
            val seen = members.map { (_, m) -> List(9) { withTimeout(5_000) { m.notes.receive() } } }
            seen[1] shouldBe seen[0]
            seen[2] shouldBe seen[0]
        } finally {
            members.forEach { it.first.close() }
        }
    }

    test("an id is unique across the nodes, and free again once its connection closed") {
        val (first, _) = member(nodes[0], "solo")
        val twin = shouldThrow<HandshakeRejectedException> { member(nodes[1], "solo") }
        twin.code shouldBe 4009
        twin.reason shouldContain "the id 'solo' is taken by a connection on node"
        first.close()
        val again = eventually(5.seconds) { member(nodes[2], "solo") }
        again.first.close()
    }

    test("changeId claims the new id across the nodes and frees the old one") {
        val (x, _) = member(nodes[0], "x-old")
        val (y, _) = member(nodes[1], "y")
        try {
            y.getDriver<IHub>().rename("x-old") shouldBe false
            x.getDriver<IHub>().rename("x-new") shouldBe true
            y.getDriver<IHub>().rename("x-old") shouldBe true
            nodes[2].locate("x-new").shouldBeInstanceOf<RemoteConnection>().id shouldBe "x-new"
            nodes[2].locate("x-old").shouldBeInstanceOf<RemoteConnection>().id shouldBe "x-old"
            nodes[0].find("x-new")!!.id shouldBe "x-new"
        } finally {
            x.close()
            y.close()
        }
    }

    test("locate reaches a client on another node: results, its errors, the caller's timeout, and its close") {
        val (h, _) = member(nodes[1], "hal")
        try {
            nodes[1].locate("hal").shouldBeInstanceOf<WebSocketAcceptor<*, *>>() shouldBeSameInstanceAs nodes[1].find("hal")
            val remote = nodes[0].locate("hal").shouldBeInstanceOf<RemoteConnection>()
            nodes[0].locate("hal") shouldBeSameInstanceAs remote
            nodes[0].locate("nobody") shouldBe null
            val driver = remote.getDriver<IMember>()
            driver.print("across") shouldBe "hal printed across"
            val error = shouldThrow<RemoteException> { driver.fail("that") }
            error.name shouldBe "IllegalStateException"
            error.remoteMessage shouldBe "hal refuses: that"
            error.listener shouldBe "fail"
            val timedOut = shouldThrow<CallTimeoutException> { withCallTimeout(200.milliseconds) { driver.hold() } }
            timedOut.listener shouldBe "hold"
            // given up on this node, the call stops on the node that relayed it too
            eventually(5.seconds) { nodes[1].find("hal")!!.pendingCalls shouldBe 0 }
            driver.print("still") shouldBe "hal printed still"

            val pending = async { runCatching { driver.hold() } }
            eventually(5.seconds) { nodes[1].find("hal")!!.pendingCalls shouldBe 1 }
            h.close(4000, "gone home")
            val closed = pending.await().exceptionOrNull().shouldBeInstanceOf<ConnectionClosedException>()
            closed.code shouldBe 4000
            closed.reason shouldBe "gone home"
            eventually(5.seconds) { nodes[0].locate("hal") shouldBe null }
        } finally {
            h.close()
        }
    }

    test("Redis stops: each node goes on alone and what crosses fails at once; Redis restarts: broadcasts cross again") {
        val (a, ma) = member(nodes[0], "ia", "r")
        val (b, mb) = member(nodes[1], "ib", "r")
        try {
            inRoom(nodes[0], "r", "ia")
            inRoom(nodes[1], "r", "ib")
            nodes[1].locate("ia").shouldBeInstanceOf<RemoteConnection>()
            redis.stop()
            eventually(5.seconds) {
                for (node in nodes) shouldThrow<ClusterUnavailableException> { node.locate("nobody-here") }.message shouldContain "is unreachable"
            }
            val started = System.nanoTime()
            val alone = nodes[0].room("r")!!.broadcast<IMember> { it.print("alone") }
            // failing fast: well before the broadcast's 10-second timeout
            ((System.nanoTime() - started) / 1_000_000) shouldBeLessThanMs 10_000
            alone.delivered shouldBe listOf("ia")
            alone.failedNodes.size shouldBe 2
            alone.failedNodes.values.forEach { it.shouldBeInstanceOf<ClusterUnavailableException>() }
            ma.printed.receive() shouldBe "alone"
            // a chosen id cannot be claimed cluster-wide now: refused at once, not after a wait
            shouldThrow<HandshakeRejectedException> { member(nodes[2], "new-while-down") }.code shouldBe 1013

            redis.start()
            eventually(10.seconds) {
                val back = nodes[0].room("r")!!.broadcast<IMember> { it.print("back") }
                back.delivered shouldContainExactlyInAnyOrder listOf("ia", "ib")
            }
            // the ids were claimed again after Redis lost them
            eventually(5.seconds) { nodes[2].locate("ib").shouldBeInstanceOf<RemoteConnection>() }
            while (mb.printed.tryReceive().getOrNull() != null) Unit
        } finally {
            a.close()
            b.close()
        }
    }

    test("Redis hangs: cross-node work fails within the command timeout; thawed, the ids given and taken meanwhile are settled") {
        val (gone, _) = member(nodes[1], "gone")
        val (kept, _) = member(nodes[0], "kept")
        try {
            nodes[2].locate("gone").shouldBeInstanceOf<RemoteConnection>()
            redis.pause()
            try {
                eventually(10.seconds) {
                    for (node in nodes) shouldThrow<ClusterUnavailableException> { node.locate("anyone") }
                }
                gone.close() // its id cannot be released in Redis now
                val (anonymous, _) = member(nodes[2], "") // a random id: accepted, claimed later
                val randomId = nodes[2].acceptors.single { it.header.name.isEmpty() }.id
                try {
                    redis.resume()
                    eventually(10.seconds) { nodes[0].locate(randomId).shouldBeInstanceOf<RemoteConnection>() }
                    eventually(10.seconds) { member(nodes[0], "gone").first.close() }
                    // frozen longer than the node timeout, every node looked dead for a moment: its next heartbeat claims its ids again
                    eventually(10.seconds) { nodes[1].locate("kept").shouldBeInstanceOf<RemoteConnection>() }
                } finally {
                    anonymous.close()
                }
            } finally {
                redis.resume()
            }
        } finally {
            gone.close()
            kept.close()
        }
    }
})

private infix fun Long.shouldBeLessThanMs(limit: Long) {
    if (this >= limit) throw AssertionError("took $this ms, expected less than $limit ms")
}
