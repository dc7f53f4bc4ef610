package dev.wsgrid.java

import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.ktor.server.WebSocketServer
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.Serializable
import kotlinx.serialization.json.JsonElement

@Serializable
enum class KColor { RED, GREEN, BLUE }

@Serializable
data class KPoint(val x: Int, val y: Int)

@Serializable
data class KFigure(val name: String, val color: KColor, val points: List<KPoint>)

/** The figures service as Kotlin declares it: suspend functions, kotlinx.serialization values. */
interface IFigures {
    suspend fun mirror(figure: KFigure): KFigure
    suspend fun plus(x: Double, y: Double): Double
}

class KotlinFigures : IFigures {
    override suspend fun mirror(figure: KFigure): KFigure =
        KFigure(figure.name + " (kotlin)", KColor.GREEN, figure.points.map { KPoint(-it.x, it.y) })

    override suspend fun plus(x: Double, y: Double): Double = x + y
}

/**
 * The Kotlin side of the cross-language tests, with blocking entry points for the Java tests
 * (test code may block its own thread).
 */
object KotlinPeers {
    /** Starts a Kotlin server serving [KotlinFigures]; returns it so the test can read its port and close it. */
    @JvmStatic
    fun startServer(): WebSocketServer<JsonElement, IFigures> = runBlocking {
        WebSocketServer<JsonElement, IFigures>().apply { open("127.0.0.1", 0) { it.accept(KotlinFigures()) } }
    }

    @JvmStatic
    fun stop(server: WebSocketServer<*, *>): Unit = runBlocking { server.close() }

    /** Calls a (Java) server at [url] with a Kotlin suspend driver; returns what it answered. */
    @JvmStatic
    fun callWithKotlinDriver(url: String): List<String> = runBlocking {
        val connector = WebSocketConnector<Nothing?, Any>(null)
        connector.connect(url)
        val figures = connector.getDriver<IFigures>()
        val answer = figures.mirror(KFigure("square", KColor.RED, listOf(KPoint(1, 2), KPoint(3, 4))))
        val sum = figures.plus(20.0, 22.0)
        connector.close()
        listOf(answer.toString(), sum.toString())
    }
}
