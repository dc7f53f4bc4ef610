package dev.wsgrid.ktor.server

import kotlinx.serialization.Serializable
import java.util.concurrent.CopyOnWriteArrayList
import kotlinx.coroutines.CompletableDeferred

interface ICalculator {
    suspend fun plus(x: Double, y: Double): Double
    suspend fun divides(x: Double, y: Double): Double
    val scientific: IScientific
}

interface IScientific {
    suspend fun sqrt(x: Double): Double
}

class Calculator : ICalculator {
    override suspend fun plus(x: Double, y: Double) = x + y
    override suspend fun divides(x: Double, y: Double): Double {
        if (y == 0.0) throw IllegalArgumentException("Divided by zero.")
        return x / y
    }
    override val scientific = object : IScientific {
        override suspend fun sqrt(x: Double) = kotlin.math.sqrt(x)
    }
}

interface IVector {
    suspend fun push(value: Int): Int
    suspend fun size(): Int
}

class Vector : IVector {
    private val items = CopyOnWriteArrayList<Int>()
    override suspend fun push(value: Int): Int {
        items.add(value)
        return items.size
    }
    override suspend fun size(): Int = items.size
}

@Serializable
data class Credentials(val token: String)

interface IPrinter {
    suspend fun print(line: String)
}

class Printer : IPrinter {
    val lines = CopyOnWriteArrayList<String>()
    override suspend fun print(line: String) {
        lines.add(line)
    }
}

interface IWaiter {
    suspend fun hold(tag: Int): Int
}

class Waiter : IWaiter {
    val gate = CompletableDeferred<Unit>()
    val held = CopyOnWriteArrayList<Int>()
    override suspend fun hold(tag: Int): Int {
        held.add(tag)
        gate.await()
        return tag
    }
}
