package dev.wsgrid.rpc

import dev.wsgrid.rpc.fixtures.BlockingCalculator
import dev.wsgrid.rpc.fixtures.Calculator
import dev.wsgrid.rpc.fixtures.ICalculator
import dev.wsgrid.rpc.fixtures.JavaCalculator
import dev.wsgrid.rpc.fixtures.LocalCalculator
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.coroutines.future.await
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionException
import kotlin.random.Random

/** TGrid's calculator scenario: 100 random calls checked against a local answer, then an exception. */
class CalculatorSpec : FunSpec({
    val random = Random(7)

    suspend fun suspendScenario(calc: ICalculator) {
        repeat(100) {
            val method = random.nextInt(9)
            val x = random.nextInt(2, 11).toDouble()
            val y = random.nextInt(2, 11).toDouble()
            val remote = when (method) {
                0 -> calc.plus(x, y)
                1 -> calc.minus(x, y)
                2 -> calc.multiplies(x, y)
                3 -> calc.divides(x, y)
                4 -> calc.scientific.pow(x, y)
                5 -> calc.scientific.log(x, y)
                6 -> calc.scientific.sqrt(x)
                7 -> calc.statistics.mean(x, y)
                else -> calc.statistics.stdev(x, y)
            }
            remote shouldBe (LocalCalculator.answer(method, x, y) plusOrMinus 1e-9)
        }
        val error = shouldThrow<RemoteException> { calc.divides(2.0, 0.0) }
        error.message shouldBe "Divided by zero."
        error.name shouldBe "IllegalArgumentException"
        error.listener shouldBe "divides"
        calc.statistics.mean(1.0, 2.0, 3.0, 4.0) shouldBe 2.5
        calc.statistics.stdev(2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0) shouldBe 2.0
    }

    suspend fun futureScenario(calc: JavaCalculator) {
        repeat(100) {
            val method = random.nextInt(9)
            val x = random.nextInt(2, 11).toDouble()
            val y = random.nextInt(2, 11).toDouble()
            val remote = when (method) {
                0 -> calc.plus(x, y)
                1 -> calc.minus(x, y)
                2 -> calc.multiplies(x, y)
                3 -> calc.divides(x, y).toCompletableFuture()
                4 -> calc.scientific.pow(x, y)
                5 -> calc.scientific.log(x, y)
                6 -> calc.scientific.sqrt(x)
                7 -> calc.statistics().mean(x, y)
                else -> calc.statistics().stdev(x, y)
            }.await()
            remote shouldBe (LocalCalculator.answer(method, x, y) plusOrMinus 1e-9)
        }
        val failed = calc.divides(2.0, 0.0).toCompletableFuture()
        val error = shouldThrow<CompletionException> { failed.join() }.cause as RemoteException
        error.message shouldBe "Divided by zero."
        calc.statistics().mean(1.0, 2.0, 3.0, 4.0).await() shouldBe 2.5
        calc.twice(21.0).await() shouldBe 42.0
        shouldThrow<RemoteException> { calc.scientific.sqrt(-1.0).await() }.message shouldBe "Negative value on square."
    }

    test("Kotlin suspend driver against a Kotlin suspend provider") {
        val p = peers(Calculator())
        suspendScenario(p.client.getDriver<ICalculator>())
        p.client.close()
    }

    test("Java future driver against a Kotlin suspend provider") {
        val p = peers(Calculator())
        futureScenario(p.client.getDriver(JavaCalculator::class.java))
        p.client.close()
    }

    test("Kotlin suspend driver against a blocking Java provider") {
        val p = peers(BlockingCalculator())
        suspendScenario(p.client.getDriver<ICalculator>())
        p.client.close()
    }

    test("Java future driver against a blocking Java provider") {
        val p = peers(BlockingCalculator())
        futureScenario(p.client.getDriver(JavaCalculator::class.java))
        p.client.close()
    }

    test("Kotlin suspend driver against a provider that returns futures") {
        val local = Calculator()
        val futureProvider = object : JavaCalculator {
            private fun <T> later(block: suspend () -> T): CompletableFuture<T> =
                CompletableFuture.supplyAsync { kotlinx.coroutines.runBlocking { block() } }
            override fun plus(x: Double, y: Double) = later { local.plus(x, y) }
            override fun minus(x: Double, y: Double) = later { local.minus(x, y) }
            override fun multiplies(x: Double, y: Double) = later { local.multiplies(x, y) }
            override fun divides(x: Double, y: Double) = later { local.divides(x, y) }
            override fun getScientific() = object : JavaCalculator.Scientific {
                override fun pow(x: Double, y: Double) = later { local.scientific.pow(x, y) }
                override fun sqrt(x: Double) = later { local.scientific.sqrt(x) }
                override fun log(x: Double, y: Double) = later { local.scientific.log(x, y) }
            }
            override fun statistics() = object : JavaCalculator.Statistics {
                override fun mean(vararg elems: Double) = later { local.statistics.mean(*elems) }
                override fun stdev(vararg elems: Double) = later { local.statistics.stdev(*elems) }
            }
        }
        val p = peers(futureProvider)
        suspendScenario(p.client.getDriver<ICalculator>())
        p.client.close()
    }

    test("a member outside the provider's service interfaces cannot be called") {
        val raw = rawPeer(BlockingCalculator())
        raw.call("""{"uid":1,"listener":"secret","parameters":[]}""") shouldBe
            """{"uid":1,"success":false,"value":{"name":"NoSuchMethodException","message":"cannot call secret: 'secret' is not a function of CalculatorService"}}"""
        for (escape in listOf("secretStatic", "twice", "getClass", "hashCode", "clone", "finalize", "wait", "notify",
            "getScientific.getClass", "getScientific.pow", "scientific.hashCode", "scientific.wait", "statistics.getClass")) {
            raw.call("""{"uid":2,"listener":"$escape","parameters":[{"type":"number","value":1}]}""") shouldContain "\"success\":false"
        }
        raw.call("""{"uid":3,"listener":"scientific.pow","parameters":[{"type":"number","value":2},{"type":"number","value":3}]}""") shouldBe
            """{"uid":3,"success":true,"value":8.0}"""
    }

    test("the same driver instance is returned for one interface") {
        val p = peers(Calculator())
        (p.client.getDriver<ICalculator>() === p.client.getDriver(ICalculator::class)) shouldBe true
        p.client.getDriver<ICalculator>().toString() shouldBe "Driver<ICalculator>"
        p.client.getDriver<ICalculator>().scientific.toString() shouldBe "Driver<IScientific>(scientific)"
        p.client.close()
    }
})
