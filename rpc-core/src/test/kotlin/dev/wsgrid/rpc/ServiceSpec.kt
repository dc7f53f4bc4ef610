package dev.wsgrid.rpc

import dev.wsgrid.rpc.fixtures.Calculator
import dev.wsgrid.rpc.fixtures.IValues
import dev.wsgrid.rpc.fixtures.Point
import dev.wsgrid.rpc.fixtures.Shape
import dev.wsgrid.rpc.fixtures.Values
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldStartWith
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.serialization.json.JsonPrimitive
import java.util.concurrent.CompletableFuture

interface IOverloaded {
    suspend fun add(x: Int, y: Int): Int
    suspend fun add(x: Double, y: Double): Double
}

interface IVarargOverload {
    suspend fun sum(vararg xs: Int): Int
    suspend fun sum(x: Int, y: Int): Int
}

interface IArityOverload {
    suspend fun add(x: Int): Int
    suspend fun add(x: Int, y: Int): Int
}

class ArityOverload : IArityOverload {
    override suspend fun add(x: Int): Int = x + 100
    override suspend fun add(x: Int, y: Int): Int = x + y
}

interface IBlockingDriver {
    fun plus(x: Int, y: Int): Int
}

interface IRawFuture {
    @Suppress("PLATFORM_CLASS_MAPPED_TO_KOTLIN")
    fun plus(x: Int, y: Int): CompletableFuture<*>
}

interface IGeneric<T> {
    suspend fun echo(value: T): T
}

interface IUnserializable {
    suspend fun thread(t: Thread): Int
}

interface IOne {
    suspend fun one(): Int
}

interface ITwo {
    suspend fun two(): Int
}

interface IDefaults {
    suspend fun base(): Int
    suspend fun local(): Int = base() * 2
}

class OneAndTwo : IOne, ITwo, AutoCloseable {
    override suspend fun one(): Int = 1
    override suspend fun two(): Int = 2
    override fun close() {}
}

class Defaults : IDefaults {
    override suspend fun base(): Int = 21
}

/** Service interfaces are parsed once and checked early; values of every kind travel. */
class ServiceSpec : FunSpec({

    test("a broken driver interface fails at getDriver, naming the method") {
        val c = TransportCommunicator<Any>()
        shouldThrow<IllegalArgumentException> { c.getDriver(Calculator::class.java) }.message shouldBe
            "dev.wsgrid.rpc.fixtures.Calculator is not an interface: drivers and providers are defined by service interfaces"
        shouldThrow<IllegalArgumentException> { c.getDriver<IBlockingDriver>() }.message shouldBe
            "a driver method must be a Kotlin suspend function or return CompletableFuture<T>, CompletionStage<T>, Flow<T> or Flow.Publisher<T>, " +
            "but this one returns int\n    for method IBlockingDriver.plus"
        // CompletableFuture<*>: no result type to decode into
        shouldThrow<IllegalArgumentException> { c.getDriver<IRawFuture>() }.message!! shouldContain "\n    for method IRawFuture.plus"
        shouldThrow<IllegalArgumentException> { c.getDriver<IGeneric<String>>() }.message shouldBe
            "type variable T cannot be serialized; declare a concrete type\n    for method IGeneric.echo"
        val unserializable = shouldThrow<IllegalArgumentException> { c.getDriver<IUnserializable>() }.message!!
        unserializable shouldStartWith "cannot encode parameter 1 (java.lang.Thread): kotlinx.serialization has no serializer for java.lang.Thread"
        unserializable shouldContain "\n    for method IUnserializable.thread"
    }

    test("a provider with members that cannot be told apart on the wire is refused when set") {
        val c = TransportCommunicator<Any>()
        val overloaded = object : IOverloaded {
            override suspend fun add(x: Int, y: Int) = x + y
            override suspend fun add(x: Double, y: Double) = x + y
        }
        shouldThrow<IllegalArgumentException> { c.provider = overloaded }.message shouldBe
            "IOverloaded.add(int, int) and IOverloaded.add(double, double) cannot be told apart on the wire: " +
            "both are called 'add' with 2 parameter(s)\n    for method IOverloaded.add"
        val vararg = object : IVarargOverload {
            override suspend fun sum(vararg xs: Int) = xs.sum()
            override suspend fun sum(x: Int, y: Int) = x + y
        }
        shouldThrow<IllegalArgumentException> { c.provider = vararg }.message!! shouldContain "cannot be told apart on the wire"
        shouldThrow<IllegalArgumentException> { c.setProvider(Values(), IOne::class.java) }.message shouldBe
            "dev.wsgrid.rpc.fixtures.Values does not implement dev.wsgrid.rpc.IOne, so it cannot be exposed as one"
        shouldThrow<IllegalArgumentException> { c.provider = Any() }.message!! shouldStartWith
            "java.lang.Object implements no service interface"
        c.provider shouldBe null
    }

    test("overloads of different arity are told apart by the number of parameters") {
        val p = peers(ArityOverload())
        val d = p.client.getDriver<IArityOverload>()
        d.add(1) shouldBe 101
        d.add(1, 2) shouldBe 3
        p.client.close()
    }

    test("a provider is reached through all its service interfaces, or only those it is exposed as") {
        val p = peers(OneAndTwo())
        p.client.getDriver<IOne>().one() shouldBe 1
        p.client.getDriver<ITwo>().two() shouldBe 2
        p.server.setProvider(OneAndTwo(), IOne::class.java)
        shouldThrow<RemoteException> { p.client.getDriver<ITwo>().two() }.message shouldBe
            "cannot call two: 'two' is not a function of IOne"
        p.client.close()
    }

    test("default methods stay local on the driver and unreachable on the provider") {
        val p = peers(Defaults())
        p.client.getDriver<IDefaults>().local() shouldBe 42
        val raw = rawPeer(Defaults())
        raw.call("""{"uid":1,"listener":"local","parameters":[]}""") shouldContain "'local' is not a function of IDefaults"
        p.client.close()
    }

    test("without a provider, calls fail with an error saying so") {
        val p = peers(null)
        shouldThrow<RemoteException> { p.client.getDriver<IOne>().one() }.message shouldBe "cannot call one: this side has no provider"
        p.client.close()
    }

    test("values: strings, lists, maps, nulls, longs, serializable classes, varargs of strings, Unit") {
        val values = Values()
        val p = peers(values)
        val d = p.client.getDriver<IValues>()
        d.greet("wörld ✓ 🚀") shouldBe "hello, wörld ✓ 🚀"
        d.echoList(listOf(1, 2, 3)) shouldBe listOf(1, 2, 3)
        d.echoMap(mapOf("a" to Point(1, 2), "b" to Point(3, 4, "b"))) shouldBe mapOf("a" to Point(1, 2), "b" to Point(3, 4, "b"))
        d.maybe(null) shouldBe null
        d.maybe("x") shouldBe "X"
        d.touch() shouldBe Unit
        values.touched.size shouldBe 1
        d.big(Long.MAX_VALUE - 1) shouldBe Long.MAX_VALUE
        val shape = Shape("square", listOf(Point(0, 0), Point(1, 1)), setOf("a", "b"))
        d.shape(shape) shouldBe shape.copy(name = "erauqs")
        d.join(", ", "a", "b", "c") shouldBe "a, b, c"
        d.join(", ") shouldBe ""
        p.client.close()
    }

    test("remote errors keep their name, message and own properties; thrown values arrive as they were") {
        val p = peers(Values())
        val d = p.client.getDriver<IValues>()
        val range = shouldThrow<RemoteException> { d.fail("range") }
        range.name shouldBe "RangeError"
        range.message shouldBe "out of range"
        range.property("code") shouldBe JsonPrimitive(42)
        range.listener shouldBe "fail"
        val plain = shouldThrow<RemoteException> { d.fail("string") }
        plain.name shouldBe null
        plain.message shouldBe "just a string"
        plain.data shouldBe JsonPrimitive("just a string")
        val jvm = shouldThrow<RemoteException> { d.fail("other") }
        jvm.name shouldBe "IllegalStateException"
        jvm.remoteStack shouldBe null
        p.client.close()
    }

    test("JVM stack traces travel only when enabled") {
        val p = peers(Values(), options = CommunicatorOptions.builder().exposeStackTraces(true).build())
        val e = shouldThrow<RemoteException> { p.client.getDriver<IValues>().fail("other") }
        e.remoteStack!! shouldStartWith "java.lang.IllegalStateException: failed on purpose"
        e.remoteStack!! shouldContain "at dev.wsgrid.rpc.fixtures.Values.fail"
        p.client.close()
    }

    test("a return that does not fit the declared type fails the call with a clear error") {
        val raw = rawPeer(null)
        val d = raw.communicator.getDriver<IValues>()
        coroutineScope {
            val call = async { runCatching { d.greet("x") } }
            raw.next()
            raw.send("""{"uid":1,"success":true,"value":null}""")
            val e = call.await().exceptionOrNull() as InvalidMessageException
            e.message shouldBe "greet returned null, but IValues.greet declares a non-null java.lang.String"
            val call2 = async { runCatching { d.big(1) } }
            raw.next()
            raw.send("""{"uid":2,"success":true,"value":"nope"}""")
            (call2.await().exceptionOrNull() as InvalidMessageException).message!! shouldStartWith
                "the return of big does not fit java.lang.Long"
        }
    }
})
