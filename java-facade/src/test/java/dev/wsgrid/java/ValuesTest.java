package dev.wsgrid.java;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Records, enums, collections, Optional, java.time and byte arrays travel both ways with no serializer written. */
class ValuesTest {
    public enum Color { RED, GREEN, BLUE }

    public record Point(int x, int y) {}

    public record Shape(
            String name,
            Color color,
            List<Point> points,
            Map<String, Point> named,
            Optional<String> note,
            Instant created,
            LocalDate day,
            Set<String> tags,
            byte[] data) {}

    /** A plain old Java object, with a no-argument constructor and setters. */
    public static final class Label {
        private String text;
        private int size;

        public Label() {
        }

        public Label(String text, int size) {
            this.text = text;
            this.size = size;
        }

        public String getText() { return text; }
        public void setText(String text) { this.text = text; }
        public int getSize() { return size; }
        public void setSize(int size) { this.size = size; }
    }

    public interface ShapeService {
        Shape mirror(Shape shape);
        Label grow(Label label);
        List<Shape> many(int count);
        Optional<Point> find(String name);
    }

    public interface Shapes {
        CompletableFuture<Shape> mirror(Shape shape);
        CompletableFuture<Label> grow(Label label);
        CompletableFuture<List<Shape>> many(int count);
        CompletableFuture<Optional<Point>> find(String name);
    }

    /** What the server receives, to check both directions separately. */
    static final List<Shape> received = new CopyOnWriteArrayList<>();

    static final class ShapeProvider implements ShapeService {
        @Override
        public Shape mirror(Shape s) {
            received.add(s);
            List<Point> mirrored = s.points().stream().map(p -> new Point(-p.x(), p.y())).toList();
            return new Shape(s.name() + "'", s.color() == Color.RED ? Color.BLUE : Color.RED, mirrored, s.named(),
                    s.note().map(String::toUpperCase), s.created().plusSeconds(1), s.day().plusDays(1), s.tags(), reversed(s.data()));
        }

        @Override
        public Label grow(Label label) {
            return new Label(label.getText() + "!", label.getSize() + 1);
        }

        @Override
        public List<Shape> many(int count) {
            Shape[] out = new Shape[count];
            for (int i = 0; i < count; i++) {
                out[i] = new Shape("s" + i, Color.GREEN, List.of(new Point(i, i)), Map.of(), Optional.empty(),
                        Instant.EPOCH, LocalDate.EPOCH, Set.of(), new byte[] {(byte) i});
            }
            return List.of(out);
        }

        @Override
        public Optional<Point> find(String name) {
            return "origin".equals(name) ? Optional.of(new Point(0, 0)) : Optional.empty();
        }

        private static byte[] reversed(byte[] data) {
            byte[] out = new byte[data.length];
            for (int i = 0; i < data.length; i++) out[i] = data[data.length - 1 - i];
            return out;
        }
    }

    private WebSocketServer<Object, ShapeService> server;
    private WebSocketConnector<Object, Object> connector;

    @BeforeEach
    void open() {
        received.clear();
        server = new WebSocketServer<>(Object.class);
        server.open("127.0.0.1", 0, acceptor -> acceptor.accept(new ShapeProvider())).join();
        connector = new WebSocketConnector<>(null);
        connector.connect("ws://127.0.0.1:" + server.getPort()).join();
    }

    @AfterEach
    void close() {
        connector.close().join();
        server.close().join();
    }

    @Test
    void aRecordWithNestedRecordsListsAnEnumAndMoreTravelsBothWays() {
        Map<String, Point> named = new LinkedHashMap<>();
        named.put("a", new Point(1, 2));
        Instant created = Instant.parse("2026-11-22T10:15:30Z");
        LocalDate day = LocalDate.of(2026, 11, 22);
        Shape shape = new Shape("tri", Color.RED, List.of(new Point(1, 1), new Point(2, 3)), named,
                Optional.of("note"), created, day, Set.of("x", "y"), new byte[] {1, 2, 3});

        Shape back = connector.getDriver(Shapes.class).mirror(shape).join();

        Shape seen = received.get(0);
        assertEquals(shape.name(), seen.name());
        assertEquals(Color.RED, seen.color());
        assertEquals(shape.points(), seen.points());
        assertEquals(named, seen.named());
        assertEquals(Optional.of("note"), seen.note());
        assertEquals(created, seen.created());
        assertEquals(day, seen.day());
        assertEquals(Set.of("x", "y"), seen.tags());
        assertArrayEquals(new byte[] {1, 2, 3}, seen.data());

        assertEquals("tri'", back.name());
        assertEquals(Color.BLUE, back.color());
        assertEquals(List.of(new Point(-1, 1), new Point(-2, 3)), back.points());
        assertEquals(named, back.named());
        assertEquals(Optional.of("NOTE"), back.note());
        assertEquals(created.plusSeconds(1), back.created());
        assertEquals(day.plusDays(1), back.day());
        assertArrayEquals(new byte[] {3, 2, 1}, back.data());
    }

    @Test
    void pojosListsOfRecordsAndOptionals() {
        Shapes shapes = connector.getDriver(Shapes.class);
        Label grown = shapes.grow(new Label("hi", 1)).join();
        assertEquals("hi!", grown.getText());
        assertEquals(2, grown.getSize());
        List<Shape> many = shapes.many(3).join();
        assertEquals(3, many.size());
        assertEquals(new Point(2, 2), many.get(2).points().get(0));
        assertEquals(Optional.empty(), many.get(0).note());
        assertEquals(Optional.of(new Point(0, 0)), shapes.find("origin").join());
        assertEquals(Optional.empty(), shapes.find("nowhere").join());
        assertArrayEquals(new byte[] {1}, many.get(1).data());
    }
}
