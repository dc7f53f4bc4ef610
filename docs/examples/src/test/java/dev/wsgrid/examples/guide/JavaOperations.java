package dev.wsgrid.examples.guide;

import dev.wsgrid.examples.guide.JavaQuickStart.Calculator;
import dev.wsgrid.examples.guide.JavaQuickStart.CalculatorService;
import dev.wsgrid.examples.guide.JavaQuickStart.Credentials;
import dev.wsgrid.examples.guide.JavaQuickStart.SimpleCalculator;

// region java-metrics-imports
import dev.wsgrid.java.ConnectorConfig;
import dev.wsgrid.java.ServerConfig;
import dev.wsgrid.java.WebSocketConnector;
import dev.wsgrid.java.WebSocketServer;
import dev.wsgrid.micrometer.WsgridMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
// endregion

/** The Java sample of docs/guide/operations.md, run by GuideSamplesRunSpec. */
public final class JavaOperations {
    private JavaOperations() {
    }

    /** Binds a server and a connector, makes a call and answers the scrape. */
    public static String run() {
        // region java-metrics
        var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        var metrics = WsgridMetrics.create(registry);
        var server = new WebSocketServer<Credentials, CalculatorService>(Credentials.class,
                ServerConfig.builder().bind(metrics).build());           // one line binds the server
        server.open("127.0.0.1", 0, acceptor -> acceptor.accept(new SimpleCalculator())).join();
        var connector = new WebSocketConnector<Credentials, Object>(new Credentials("secret"), null,
                ConnectorConfig.builder().bind(metrics).build());        // and one the connector
        connector.connect("ws://127.0.0.1:" + server.getPort() + "/calculator").join();
        connector.getDriver(Calculator.class).plus(1, 2).join();
        System.out.println(registry.scrape());
        // endregion
        connector.close().join();
        server.close().join();   // the served call has surely been counted once its connection is closed
        return registry.scrape();
    }
}
