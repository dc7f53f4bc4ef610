package dev.wsgrid.examples

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContain
import io.kotest.matchers.collections.shouldContainAll
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldStartWith

class DemoSpec : FunSpec({
    beforeSpec { requireNode() }

    test("the demo's Java client, chat and TGrid node client all work against one server, and it sums up") {
        val lines = mutableListOf<String>()
        // target/demo-node, as the packaged demo uses: npm ci runs there on a fresh clone
        runDemo({ synchronized(lines) { lines.add(it) } }, NodeClient()) shouldBe 0
        lines shouldContainAll listOf(
            "  connect with token \"guess\"             ! rejected by the server: code 1008, \"unknown token\" ✓",
            "  getScientific().sqrt(16)               = 4.0      ✓",
            "  divides(1, 0)                          ! RemoteException IllegalArgumentException: Divided by zero. ✓",
            "  bob tries to take the name \"alice\": setName returns false",
            "  carol's screen   alice: hi all",
            "  alice's screen   node: hello from TGrid on node",
            "  node's screen    alice: welcome, node",
            "  calc.divides(1, 0)                     ! IllegalArgumentException: Divided by zero. ✓",
        )
        lines shouldContain "  Java client, calculator            ✓ 6 calls answered, wrong token rejected, remote error caught"
        lines shouldContain "  chat, server calls clients back    ✓ 3 clients each heard both messages, in order"
        lines shouldContain "  TGrid client on node               ✓ calculator calls, remote error and a chat with the JVM clients"
        lines.last() shouldStartWith "server closed; the demo took "
        lines.last().endsWith("and everything worked.") shouldBe true
    }

    test("without node the TGrid part is skipped with its reason, and the rest still runs") {
        val lines = mutableListOf<String>()
        runDemo({ synchronized(lines) { lines.add(it) } }, node = null) shouldBe 0
        lines shouldContain "  skipped: node is not used"
        lines shouldContain "  TGrid client on node               - skipped: node is not used"
    }
})
