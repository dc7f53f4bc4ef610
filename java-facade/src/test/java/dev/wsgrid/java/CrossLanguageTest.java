package dev.wsgrid.java;

import dev.wsgrid.java.ValuesTest.Color;
import dev.wsgrid.java.ValuesTest.Point;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A Java connector against a Kotlin-provider server, and a Kotlin connector against a Java-provider server. */
class CrossLanguageTest {
    public record Figure(String name, Color color, List<Point> points) {}

    /** The figures service as a Java client calls it. */
    public interface Figures {
        CompletableFuture<Figure> mirror(Figure figure);
        CompletableFuture<Double> plus(double x, double y);
    }

    /** The figures service as a Java server implements it. */
    public interface FiguresService {
        Figure mirror(Figure figure);
        double plus(double x, double y);
    }

    static final class JavaFigures implements FiguresService {
        @Override
        public Figure mirror(Figure figure) {
            return new Figure(figure.name() + " (java)", Color.BLUE, figure.points().stream().map(p -> new Point(p.y(), p.x())).toList());
        }

        @Override
        public double plus(double x, double y) {
            return x + y;
        }
    }

    @Test
    void aJavaConnectorCallsAKotlinProvider() {
        var kotlinServer = KotlinPeers.startServer();
        try {
            var connector = new WebSocketConnector<Object, Object>(null);
            connector.connect("ws://127.0.0.1:" + kotlinServer.getPort() + "/").join();
            Figures figures = connector.getDriver(Figures.class);
            Figure answer = figures.mirror(new Figure("triangle", Color.RED, List.of(new Point(1, 2), new Point(5, 6)))).join();
            assertEquals(new Figure("triangle (kotlin)", Color.GREEN, List.of(new Point(-1, 2), new Point(-5, 6))), answer);
            assertEquals(42.0, figures.plus(40, 2).join());
            connector.close().join();
        } finally {
            KotlinPeers.stop(kotlinServer);
        }
    }

    @Test
    void aKotlinConnectorCallsAJavaProvider() {
        var server = new WebSocketServer<Object, FiguresService>(Object.class);
        server.open("127.0.0.1", 0, acceptor -> acceptor.accept(new JavaFigures())).join();
        try {
            List<String> answers = KotlinPeers.callWithKotlinDriver("ws://127.0.0.1:" + server.getPort() + "/");
            assertEquals("KFigure(name=square (java), color=BLUE, points=[KPoint(x=2, y=1), KPoint(x=4, y=3)])", answers.get(0));
            assertEquals("42.0", answers.get(1));
        } finally {
            server.close().join();
        }
    }
}
