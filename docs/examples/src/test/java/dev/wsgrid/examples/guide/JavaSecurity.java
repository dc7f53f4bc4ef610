package dev.wsgrid.examples.guide;

import dev.wsgrid.examples.guide.JavaQuickStart.CalculatorService;
import dev.wsgrid.examples.guide.JavaQuickStart.Credentials;
import dev.wsgrid.examples.guide.JavaQuickStart.SimpleCalculator;

// region java-security-imports
import dev.wsgrid.java.ConnectorConfig;
import dev.wsgrid.java.ServerConfig;
import dev.wsgrid.java.UpgradeVerifier;
import dev.wsgrid.java.WebSocketConnector;
import dev.wsgrid.java.WebSocketServer;

import java.time.Duration;
// endregion

/** The Java samples of docs/guide/security.md, run by GuideSamplesRunSpec. */
public final class JavaSecurity {
    private JavaSecurity() {
    }

    /** Starts a server checked as the guide shows; the caller closes it. */
    public static WebSocketServer<Credentials, CalculatorService> server() {
        // region java-verifier
        var config = ServerConfig.builder()
                // before the WebSocket upgrade: refuse with an HTTP status, as ws's verifyClient
                .verifier(request -> "k1".equals(request.header("x-api-key")) ? UpgradeVerifier.ALLOW : 401)
                .handshakeTimeout(Duration.ofSeconds(3))  // a client that sends no header in time is closed (1008)
                .maxFrameSize(1 << 20)                    // a bigger frame closes the connection (1009)
                .maxConnections(1_000)                    // one more is closed at once (1013)
                .build();
        var server = new WebSocketServer<Credentials, CalculatorService>(Credentials.class, config);
        server.open("127.0.0.1", 0, acceptor -> {
            // after the upgrade: the header, as TGrid sends it
            if ("secret".equals(acceptor.getHeader().token())) acceptor.accept(new SimpleCalculator());
            else acceptor.reject(4001, "unknown token");
        }).join();
        // endregion
        return server;
    }

    /** A connector that passes both checks. */
    public static WebSocketConnector<Credentials, Object> client() {
        // region java-client-headers
        var connector = new WebSocketConnector<Credentials, Object>(new Credentials("secret"), null,
                ConnectorConfig.builder().header("x-api-key", "k1").build());   // an HTTP header of the upgrade request
        // endregion
        return connector;
    }
}
