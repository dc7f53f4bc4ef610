package dev.wsgrid.java;

import dev.wsgrid.rpc.RemoteException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TGrid's chat scenario in Java: the server calls every participant's own provider back. */
class ChatTest {
    /** What each participant serves to the server. */
    public interface ChatPrinter {
        void print(String name, String message);
    }

    /** What the server serves to each participant. */
    public interface ChatService {
        boolean setName(String name);
        void talk(String message);
    }

    /** The same, as a participant calls it. */
    public interface ChatServiceDriver {
        CompletableFuture<Boolean> setName(String name);
        CompletableFuture<Void> talk(String message);
    }

    /** The driver of a participant's printer, as the server calls it. */
    public interface ChatPrinterDriver {
        CompletableFuture<Void> print(String name, String message);
    }

    /** One room: participants by name, each with a driver of its printer. */
    static final class Room {
        final Map<String, ChatPrinterDriver> participants = new ConcurrentHashMap<>();

        synchronized void broadcast(String name, String message) {
            // one lock for the room keeps every participant's order of messages the same
            List<CompletableFuture<Void>> deliveries = new CopyOnWriteArrayList<>();
            for (ChatPrinterDriver p : participants.values()) deliveries.add(p.print(name, message));
            CompletableFuture.allOf(deliveries.toArray(new CompletableFuture[0])).join();
        }
    }

    static final class Participant implements ChatService {
        private final Room room;
        private final ChatPrinterDriver printer;
        private volatile String name;

        Participant(Room room, ChatPrinterDriver printer) {
            this.room = room;
            this.printer = printer;
        }

        @Override
        public boolean setName(String name) {
            if (room.participants.putIfAbsent(name, printer) != null) return false;
            this.name = name;
            return true;
        }

        @Override
        public void talk(String message) {
            if (name == null) throw new IllegalStateException("set a name before talking");
            room.broadcast(name, message);
        }

        void leave() {
            if (name != null) room.participants.remove(name);
        }
    }

    static final class Printer implements ChatPrinter {
        final List<String> lines = new CopyOnWriteArrayList<>();

        @Override
        public void print(String name, String message) {
            lines.add(name + ": " + message);
        }
    }

    @Test
    void everyParticipantHearsEveryMessageInTheOrderItWasSaid() throws Exception {
        Room room = new Room();
        var server = new WebSocketServer<Object, ChatService>(Object.class);
        server.open("127.0.0.1", 0, acceptor -> {
            Participant participant = new Participant(room, acceptor.getDriver(ChatPrinterDriver.class));
            acceptor.accept(participant).thenCompose(accepted -> acceptor.join()).thenRun(participant::leave);
        }).join();
        String url = "ws://127.0.0.1:" + server.getPort() + "/chat";

        Printer alicePrinter = new Printer();
        Printer bobPrinter = new Printer();
        var alice = new WebSocketConnector<Object, ChatPrinter>(null, alicePrinter);
        var bob = new WebSocketConnector<Object, ChatPrinter>(null, bobPrinter);
        alice.connect(url).join();
        bob.connect(url).join();
        ChatServiceDriver aliceChat = alice.getDriver(ChatServiceDriver.class);
        ChatServiceDriver bobChat = bob.getDriver(ChatServiceDriver.class);

        CompletionException early = assertThrows(CompletionException.class, () -> aliceChat.talk("hello?").join());
        assertEquals("set a name before talking", assertInstanceOf(RemoteException.class, early.getCause()).getMessage());

        assertTrue(aliceChat.setName("alice").join());
        assertFalse(bobChat.setName("alice").join());
        assertTrue(bobChat.setName("bob").join());

        aliceChat.talk("hi bob").join();
        bobChat.talk("hi alice").join();
        aliceChat.talk("bye").join();

        List<String> expected = List.of("alice: hi bob", "bob: hi alice", "alice: bye");
        assertEquals(expected, alicePrinter.lines);
        assertEquals(expected, bobPrinter.lines);

        bob.close().join();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (room.participants.containsKey("bob") && System.nanoTime() < deadline) Thread.sleep(5);
        assertFalse(room.participants.containsKey("bob"), "a participant who left is forgotten");
        aliceChat.talk("anyone?").join();
        assertEquals("alice: anyone?", alicePrinter.lines.get(3));
        assertEquals(3, bobPrinter.lines.size());

        alice.close().join();
        server.close().join();
    }
}
