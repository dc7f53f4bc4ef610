package dev.wsgrid.examples.guide;

// region java-quickstart-imports
import dev.wsgrid.java.WebSocketConnector;
import dev.wsgrid.java.WebSocketServer;

import java.util.concurrent.CompletableFuture;
// endregion

/**
 * The Java quick start of docs/guide/getting-started.md and the README: the regions below are
 * the guide's code blocks (GuideSamplesSpec compares them), and GuideSamplesRunSpec runs it.
 */
public final class JavaQuickStart {
    private JavaQuickStart() {
    }

    // region java-service
    // the service, as the server implements it (plain blocking methods are fine)...
    public interface CalculatorService {
        double plus(double x, double y);
        ScientificService getScientific();                    // a nested object: "scientific.sqrt"
        interface ScientificService { double sqrt(double x); }
    }
    // ...and as a client calls it: the same members, returning futures
    public interface Calculator {
        CompletableFuture<Double> plus(double x, double y);
        Scientific getScientific();
        interface Scientific { CompletableFuture<Double> sqrt(double x); }
    }
    public record Credentials(String token) {}
    // endregion

    // region java-provider
    public static class SimpleCalculator implements CalculatorService {
        private final ScientificService scientific = Math::sqrt;

        @Override public double plus(double x, double y) { return x + y; }
        @Override public ScientificService getScientific() { return scientific; }
    }
    // endregion

    /** Runs the quick start on a free port, printing to {@code System.out}. */
    public static void run() {
        // region java-use
        var server = new WebSocketServer<Credentials, CalculatorService>(Credentials.class);
        server.open("127.0.0.1", 0, acceptor -> {                // once per client, with its header
            if (acceptor.getHeader().token().equals("secret")) acceptor.accept(new SimpleCalculator());
            else acceptor.reject("unknown token");                 // the client's connect fails with 1008 and the reason
        }).join();                                                 // port 0 picks a free port: server.getPort()

        var connector = new WebSocketConnector<>(new Credentials("secret"));
        connector.connect("ws://127.0.0.1:" + server.getPort() + "/calculator").join();
        Calculator calc = connector.getDriver(Calculator.class);
        System.out.println(calc.plus(1, 2).join());                      // 3.0
        calc.getScientific().sqrt(16).thenAccept(System.out::println).join(); // 4.0
        connector.close().join();
        server.close().join();
        // endregion
    }
}
