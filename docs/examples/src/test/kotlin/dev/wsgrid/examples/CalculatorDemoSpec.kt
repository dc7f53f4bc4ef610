package dev.wsgrid.examples

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContain
import io.kotest.matchers.shouldBe

class CalculatorDemoSpec : FunSpec({
    test("the demo's calls over a real WebSocket all answer as expected, and the wrong token is rejected") {
        val lines = mutableListOf<String>()
        calculatorDemo { lines.add(it) } shouldBe 0
        lines shouldContain "  divides(1, 0)                            ! IllegalArgumentException: Divided by zero. ✓"
        lines shouldContain "  connect with token \"guess\"               ! rejected: code 1008, \"unknown token\" ✓"
        lines.last() shouldBe "calculator: all calls answered as expected; server CLOSED"
    }
})
