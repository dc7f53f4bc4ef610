package dev.wsgrid.examples

import dev.wsgrid.ktor.server.WebSocketServer
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive

/** `calculator-server`: TGrid's calculator at every path; with a token, only headers `{"token": T}` get in. */
suspend fun startCalculatorServer(host: String, port: Int, token: String?): WebSocketServer<JsonElement, ICalculator> {
    val server = WebSocketServer<JsonElement, ICalculator>()
    server.open(host, port) { acceptor ->
        val given = ((acceptor.header as? JsonObject)?.get("token") as? JsonPrimitive)?.takeIf { it.isString }?.content
        if (token == null || given == token) acceptor.accept(Calculator())
        else acceptor.reject("a header {\"token\": ...} with the right token is required")
    }
    return server
}

/** `chat-server`: one chat room; each participant's own provider is called back for every message. */
suspend fun startChatServer(host: String, port: Int, room: ChatRoom = ChatRoom()): WebSocketServer<JsonElement, IChatService> {
    val server = WebSocketServer<JsonElement, IChatService>()
    server.open(host, port) { acceptor ->
        val service = ChatService(room, acceptor.getDriver<IChatPrinter>())
        acceptor.accept(service)
        acceptor.join()
        service.leave()
    }
    return server
}
