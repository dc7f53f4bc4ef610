package dev.wsgrid.examples.guide;

import dev.wsgrid.examples.JavaCalculatorClient.Calculator;

// region java-errors-imports
import dev.wsgrid.java.CommunicatorConfig;
import dev.wsgrid.java.ConnectorConfig;
import dev.wsgrid.java.WebSocketConnector;
import dev.wsgrid.rpc.CallTimeout;
import dev.wsgrid.rpc.ConnectionClosedException;
import dev.wsgrid.rpc.RemoteException;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
// endregion

/** The Java samples of docs/guide/errors-and-timeouts.md, run by GuideSamplesRunSpec against the examples' calculator. */
public final class JavaErrorsAndTimeouts {
    private JavaErrorsAndTimeouts() {
    }

    /** Calls the calculator at {@code url} as the guide shows, printing to {@code System.out}. */
    public static void run(String url) {
        // region java-timeouts
        var config = ConnectorConfig.builder()
                .handshakeTimeout(Duration.ofSeconds(5))          // connect fails with HandshakeTimeoutException after it
                .communicator(CommunicatorConfig.builder()
                        .callTimeout(Duration.ofSeconds(30))      // every call of this connector (off by default, as in TGrid)
                        .build())
                .build();
        var connector = new WebSocketConnector<>(new Token("demo"), null, config);
        connector.connect(url).join();
        Calculator calc = connector.getDriver(Calculator.class);
        Calculator quick = connector.getDriver(Calculator.class, Duration.ofSeconds(10)); // every call of this driver
        CompletableFuture<Double> sum = CallTimeout.withTimeout(Duration.ofSeconds(5), () -> calc.plus(1, 2)); // these calls
        // endregion
        System.out.println(sum.join());
        System.out.println(quick.multiplies(6, 7).join());
        // region java-errors
        try {
            calc.divides(1, 0).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RemoteException remote) {
                // what the provider threw: its name, message and the whole error value
                System.out.println(remote.getName() + ": " + remote.getRemoteMessage());  // IllegalArgumentException: Divided by zero.
            } else if (e.getCause() instanceof ConnectionClosedException closed) {
                System.out.println("connection lost: " + closed.getCode() + " " + closed.getReason());
            } else {
                throw e;
            }
        }
        // endregion
        connector.close().join();
    }

    /** The header the examples' calculator expects. */
    public record Token(String token) {
    }
}
