package dev.wsgrid.examples

import kotlinx.serialization.Serializable
import kotlin.math.ln
import kotlin.math.pow
import kotlin.math.sqrt

/** The header a client sends: the server lets in only the right token. */
@Serializable
data class Token(val token: String)

/** TGrid's calculator, as a service interface: the remote side sees exactly these members. */
interface ICalculator {
    suspend fun plus(x: Double, y: Double): Double
    suspend fun minus(x: Double, y: Double): Double
    suspend fun multiplies(x: Double, y: Double): Double
    suspend fun divides(x: Double, y: Double): Double
    val scientific: IScientific
    val statistics: IStatistics
}

interface IScientific {
    suspend fun pow(x: Double, y: Double): Double
    suspend fun sqrt(x: Double): Double
    suspend fun log(x: Double, y: Double): Double
}

interface IStatistics {
    suspend fun mean(vararg elems: Double): Double
    suspend fun stdev(vararg elems: Double): Double
}

/** The provider: a plain class implementing the service interface. */
class Calculator : ICalculator {
    override suspend fun plus(x: Double, y: Double) = x + y
    override suspend fun minus(x: Double, y: Double) = x - y
    override suspend fun multiplies(x: Double, y: Double) = x * y
    override suspend fun divides(x: Double, y: Double): Double {
        if (y == 0.0) throw IllegalArgumentException("Divided by zero.")
        return x / y
    }

    override val scientific: IScientific = object : IScientific {
        override suspend fun pow(x: Double, y: Double) = x.pow(y)
        override suspend fun sqrt(x: Double): Double {
            if (x < 0) throw IllegalArgumentException("Negative value on square.")
            return kotlin.math.sqrt(x)
        }
        override suspend fun log(x: Double, y: Double): Double {
            if (x < 0 || y < 0) throw IllegalArgumentException("Negative value on log.")
            return ln(y) / ln(x)
        }
    }

    override val statistics: IStatistics = object : IStatistics {
        override suspend fun mean(vararg elems: Double) = elems.sum() / elems.size
        override suspend fun stdev(vararg elems: Double): Double {
            val m = mean(*elems)
            return sqrt(elems.sumOf { (it - m).pow(2) } / elems.size)
        }
    }
}
