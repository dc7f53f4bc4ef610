package dev.wsgrid.examples

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContain
import io.kotest.matchers.shouldBe

class CalculatorDemoSpec : FunSpec({
    test("the demo's calls all answer as expected and the connection ends closed") {
        val lines = mutableListOf<String>()
        calculatorDemo { lines.add(it) } shouldBe 0
        lines shouldContain "  divides(1, 0)                            ! IllegalArgumentException: Divided by zero. ✓"
        lines.last() shouldBe "calculator: all calls answered as expected; connection CLOSED"
    }
})
