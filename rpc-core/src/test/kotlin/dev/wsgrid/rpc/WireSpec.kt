package dev.wsgrid.rpc

import dev.wsgrid.rpc.fixtures.Calculator
import dev.wsgrid.rpc.fixtures.ICalculator
import dev.wsgrid.rpc.fixtures.IValues
import dev.wsgrid.rpc.fixtures.Values
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldStartWith
import java.util.concurrent.CopyOnWriteArrayList

/** The frames wsgrid writes, and how it answers the frames a TGrid peer (or an attacker) writes. */
class WireSpec : FunSpec({

    test("calls, returns and errors are written exactly as TGrid writes them") {
        val p = peers(Calculator())
        val calc = p.client.getDriver<ICalculator>()
        calc.scientific.sqrt(4.0)
        calc.statistics.mean(1.0, 2.0, 3.0)
        runCatching { calc.divides(1.0, 0.0) }
        p.clientTransport.sent.toList() shouldContainExactly listOf(
            """{"uid":1,"listener":"scientific.sqrt","parameters":[{"type":"number","value":4.0}]}""",
            """{"uid":2,"listener":"statistics.mean","parameters":[{"type":"number","value":1.0},{"type":"number","value":2.0},{"type":"number","value":3.0}]}""",
            """{"uid":3,"listener":"divides","parameters":[{"type":"number","value":1.0},{"type":"number","value":0.0}]}""",
        )
        p.serverTransport.sent.toList() shouldContainExactly listOf(
            """{"uid":1,"success":true,"value":2.0}""",
            """{"uid":2,"success":true,"value":2.0}""",
            """{"uid":3,"success":false,"value":{"name":"IllegalArgumentException","message":"Divided by zero."}}""",
        )
        p.client.close()
    }

    test("parameter types follow JavaScript's typeof, and a void return has no value") {
        val p = peers(Values())
        val values = p.client.getDriver<IValues>()
        values.maybe(null)
        values.greet("x")
        values.touch()
        values.echoList(listOf(1))
        p.clientTransport.sent.toList() shouldContainExactly listOf(
            """{"uid":1,"listener":"maybe","parameters":[{"type":"object","value":null}]}""",
            """{"uid":2,"listener":"greet","parameters":[{"type":"string","value":"x"}]}""",
            """{"uid":3,"listener":"touch","parameters":[]}""",
            """{"uid":4,"listener":"echoList","parameters":[{"type":"object","value":[1]}]}""",
        )
        p.serverTransport.sent.toList()[2] shouldBe """{"uid":3,"success":true}"""
        p.client.close()
    }

    test("a TGrid caller's spread variadic call, integers for doubles, and undefined parameters") {
        val raw = rawPeer(Calculator())
        raw.call("""{"uid":1,"listener":"statistics.mean","parameters":[{"type":"number","value":1},{"type":"number","value":2},{"type":"number","value":6}]}""") shouldBe
            """{"uid":1,"success":true,"value":3.0}"""
        // 0/0 is NaN, which JSON cannot hold: the caller gets an error, not a broken frame
        raw.call("""{"uid":2,"listener":"statistics.mean","parameters":[]}""") shouldStartWith
            """{"uid":2,"success":false,"value":{"name":"IllegalStateException","message":"cannot encode the result of statistics.mean: """
        val values = rawPeer(Values())
        values.call("""{"uid":3,"listener":"maybe","parameters":[{"type":"undefined"}]}""") shouldBe """{"uid":3,"success":true,"value":null}"""
        values.call("""{"uid":4,"listener":"join","parameters":[{"type":"string","value":"-"},{"type":"string","value":"a"},{"type":"string","value":"b"}]}""") shouldBe
            """{"uid":4,"success":true,"value":"a-b"}"""
    }

    test("TGrid's security rules and the JVM's: only declared interface members are reachable") {
        val raw = rawPeer(Calculator())
        suspend fun refused(listener: String): String {
            val reply = raw.call("""{"uid":7,"listener":"$listener","parameters":[]}""")
            reply shouldStartWith """{"uid":7,"success":false,"value":{"name":""""
            return reply
        }
        refused("_secret") shouldContain "refused to call _secret: remote calls may not reach a member whose name starts with '_'"
        refused("plus_") shouldContain "refused to call plus_: remote calls may not reach a member whose name ends with '_'"
        refused("constructor") shouldContain "refused to call constructor: remote calls may not reach 'constructor'"
        refused("scientific.prototype.pow") shouldContain "remote calls may not reach 'prototype'"
        refused("scientific.constructor.name") shouldContain "remote calls may not reach 'constructor'"
        refused("a..b") shouldContain "remote calls may not reach an empty member name"
        for (name in listOf("toString", "getClass", "hashCode", "wait", "notify", "notifyAll", "clone", "finalize", "equals")) {
            refused(name) shouldContain "cannot call $name: '$name' is not a function of ICalculator"
        }
        refused("scientific.getClass") shouldContain "'scientific.getClass' is not a function of IScientific"
        refused("scientific.toString") shouldContain "is not a function of IScientific"
        refused("getScientific.sqrt") shouldContain "'getScientific' is not an object of ICalculator"
        refused("scientific") shouldContain "'scientific' is an object, not a function"
        refused("plus") shouldContain "cannot call plus with 0 parameter(s): ISimple.plus(double, double) takes 2"
        // the connection lives on
        raw.call("""{"uid":8,"listener":"plus","parameters":[{"type":"number","value":1},{"type":"number","value":2}]}""") shouldBe
            """{"uid":8,"success":true,"value":3.0}"""
    }

    test("malformed frames are reported and skipped, or answered when they carry a call's uid") {
        val invalid = CopyOnWriteArrayList<InvalidMessageException>()
        val raw = rawPeer(Values())
        raw.communicator.addInvokeListener(object : InvokeListener() {
            override fun onInvalidMessage(error: InvalidMessageException) {
                invalid.add(error)
            }
        })
        raw.send("hello")
        raw.send("[1,2]")
        raw.send("""{"uid":-1,"listener":"greet","parameters":[]}""")
        raw.send("""{"uid":"1","listener":"greet","parameters":[]}""")
        raw.send("""{"uid":99,"success":true,"value":1}""")
        raw.send("""{"uid":100,"value":1}""")
        raw.raw.sendBinary(byteArrayOf(1, 2, 3))
        raw.call("""{"uid":5,"listener":"greet"}""") shouldBe
            """{"uid":5,"success":false,"value":{"name":"InvalidMessageException","message":"invalid invoke: 'parameters' must be an array"}}"""
        raw.call("""{"uid":6,"listener":42,"parameters":[]}""") shouldContain "'listener' must be a string"
        raw.call("""{"uid":7,"listener":"greet","parameters":[1]}""") shouldContain "parameter 1 must be an object {type, value}"
        raw.call("""{"uid":8,"listener":"greet","parameters":[{"type":"object","value":null}]}""") shouldBe
            """{"uid":8,"success":false,"value":{"name":"IllegalArgumentException","message":"cannot call greet: parameter 1 must not be null"}}"""
        raw.call("""{"uid":9,"listener":"big","parameters":[{"type":"string","value":"x"}]}""") shouldStartWith
            """{"uid":9,"success":false,"value":{"name":"IllegalArgumentException","message":"cannot call big: parameter 1 does not fit long: """
        raw.call("""{"uid":10,"listener":"big","parameters":[{"type":"number","value":1e400}]}""") shouldContain "parameter 1 does not fit long"
        val deep = "[".repeat(100_000) + "]".repeat(100_000)
        // too deep to parse, but its uid can be read: answered, so its caller does not wait forever
        raw.call("""{"uid":11,"listener":"echoList","parameters":[{"type":"object","value":$deep}]}""") shouldBe
            """{"uid":11,"success":false,"value":{"name":"InvalidMessageException","message":"invalid invoke: JSON nested deeper than 512 levels"}}"""
        raw.call("""{"uid":12,"listener":"greet","parameters":[{"type":"string","value":"still here"}]}""") shouldBe
            """{"uid":12,"success":true,"value":"hello, still here"}"""
        val reasons = invalid.map { it.message }
        reasons.take(6) shouldContainExactly listOf(
            "invalid invoke: a JSON object was expected, got the literal hello",
            "invalid invoke: a JSON object was expected, got an array",
            "invalid invoke: 'uid' must be a positive integer, got -1",
            "invalid invoke: 'uid' must be a positive integer, got \"1\"",
            "a return for uid 99, which no call is waiting for",
            "invalid invoke: neither a call (a string 'listener') nor a return (a boolean 'success')",
        )
        reasons.last() shouldBe "invalid invoke: JSON nested deeper than 512 levels"
        raw.communicator.state shouldBe CommunicatorState.OPEN
    }
})
