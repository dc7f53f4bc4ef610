package dev.wsgrid.examples;

import dev.wsgrid.java.WebSocketConnector;
import dev.wsgrid.rpc.HandshakeRejectedException;
import dev.wsgrid.rpc.RemoteException;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The demo's Java client: it calls the JVM server's calculator through {@code dev.wsgrid.java},
 * nested members and a remote error included, and prints each call with its result.
 */
public final class JavaCalculatorClient {
    private JavaCalculatorClient() {
    }

    /** The calculator as a Java client sees it: the server's members, each returning a future. */
    public interface Calculator {
        CompletableFuture<Double> plus(double x, double y);
        CompletableFuture<Double> multiplies(double x, double y);
        CompletableFuture<Double> divides(double x, double y);
        Scientific getScientific();       // the nested object "scientific": calls go to "scientific.sqrt", ...
        Statistics getStatistics();

        interface Scientific {
            CompletableFuture<Double> sqrt(double x);
            CompletableFuture<Double> pow(double x, double y);
        }

        interface Statistics {
            CompletableFuture<Double> mean(double... elems);
        }
    }

    /** The header this client sends; the server lets in only the token "demo". */
    public record Token(String token) {
    }

    /** Runs the calls against the calculator at {@code url}, printing to {@code out}; returns how many went wrong. */
    public static int run(String url, Consumer<String> out) {
        int failed = 0;

        var intruder = new WebSocketConnector<>(new Token("guess"));
        try {
            intruder.connect(url).join();
            failed++;
            out.accept("  a client with a wrong token was let in ✗");
            intruder.close().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof HandshakeRejectedException rejected) {
                out.accept(String.format("  %-38s ! rejected by the server: code %d, \"%s\" ✓",
                        "connect with token \"guess\"", rejected.getCode(), rejected.getReason()));
            } else {
                failed++;
                out.accept("  connect with a wrong token failed unexpectedly: " + e.getCause() + " ✗");
            }
        }

        var connector = new WebSocketConnector<>(new Token("demo"));
        connector.connect(url).join();
        out.accept("java client: connected to " + url + " with header {\"token\": \"demo\"}");
        Calculator calc = connector.getDriver(Calculator.class);

        failed += show(out, "plus(1, 2)", 3.0, () -> calc.plus(1, 2));
        failed += show(out, "multiplies(6, 7)", 42.0, () -> calc.multiplies(6, 7));
        failed += show(out, "getScientific().sqrt(16)", 4.0, () -> calc.getScientific().sqrt(16));
        failed += show(out, "getScientific().pow(2, 10)", 1024.0, () -> calc.getScientific().pow(2, 10));
        failed += show(out, "getStatistics().mean(1, 2, 3, 4)", 2.5, () -> calc.getStatistics().mean(1, 2, 3, 4));

        try {
            double value = calc.divides(1, 0).join();
            failed++;
            out.accept("  divides(1, 0) returned " + value + " instead of failing ✗");
        } catch (CompletionException e) {
            if (e.getCause() instanceof RemoteException remote) {
                out.accept(String.format("  %-38s ! RemoteException %s: %s ✓", "divides(1, 0)", remote.getName(), remote.getRemoteMessage()));
            } else {
                failed++;
                out.accept("  divides(1, 0) failed with " + e.getCause() + " ✗");
            }
        }

        connector.close().join();
        out.accept("java client: closed (" + connector.getState() + ")");
        return failed;
    }

    private static int show(Consumer<String> out, String call, double expected, Supplier<CompletableFuture<Double>> result) {
        double value = result.get().join();
        boolean ok = value == expected;
        out.accept(String.format("  %-38s = %-8s %s", call, value, ok ? "✓" : "✗ expected " + expected));
        return ok ? 0 : 1;
    }
}
