package dev.wsgrid.java;

import dev.wsgrid.java.Calculators.Calculator;
import dev.wsgrid.java.Calculators.CalculatorService;
import dev.wsgrid.java.Calculators.SimpleCalculator;
import dev.wsgrid.rpc.RemoteException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Every way a Java user restricts what the remote side reaches, over real sockets: the remote
 * side calls what was exposed and nothing else, whatever path set it.
 */
class ExposureTest {
    record Credentials(String token) {}

    /** An admin console the provider also implements, which must stay out of the client's reach. */
    interface AdminService {
        String secret();
    }

    /** The admin console as a client would call it. */
    interface Admin {
        CompletableFuture<String> secret();
    }

    static final class AdminCalculator extends SimpleCalculator implements AdminService {
        @Override public String secret() { return "the keys"; }
    }

    /** What the server calls on the client. */
    interface PrinterService {
        void print(String line);
    }

    interface Printer {
        CompletableFuture<Void> print(String line);
    }

    static final class AdminPrinter implements PrinterService, AdminService {
        @Override public void print(String line) {}
        @Override public String secret() { return "the client's keys"; }
    }

    private WebSocketServer<Credentials, Object> server;

    @AfterEach
    void close() {
        if (server != null) server.close().join();
    }

    private WebSocketConnector<Credentials, Object> serveAndConnect(AcceptorHandler<Credentials, Object> handler) {
        server = new WebSocketServer<>(Credentials.class);
        server.open("127.0.0.1", 0, handler).join();
        var connector = new WebSocketConnector<Credentials, Object>(new Credentials("t"));
        connector.connect("ws://127.0.0.1:" + server.getPort() + "/").join();
        return connector;
    }

    private static void assertRefused(CompletableFuture<?> call) {
        var e = assertThrows(CompletionException.class, () -> call.orTimeout(10, TimeUnit.SECONDS).join());
        var remote = assertInstanceOf(RemoteException.class, e.getCause());
        assertEquals("NoSuchMethodException", remote.getName());
    }

    @Test
    void acceptWithInterfacesServesThoseOnly() {
        var connector = serveAndConnect(a -> a.accept(new AdminCalculator(), CalculatorService.class));
        assertEquals(3.0, connector.getDriver(Calculator.class).plus(1, 2).join());
        assertRefused(connector.getDriver(Admin.class).secret());
        connector.close().join();
    }

    @Test
    void acceptWithoutInterfacesServesEveryInterfaceOfTheClass() {
        var connector = serveAndConnect(a -> a.accept(new AdminCalculator()));
        assertEquals("the keys", connector.getDriver(Admin.class).secret().join());
        connector.close().join();
    }

    @Test
    void setProviderWithInterfacesThenAcceptKeepsTheNarrowedExposure() {
        var connector = serveAndConnect(a -> {
            var provider = new AdminCalculator();
            a.setProvider(provider, CalculatorService.class);
            a.accept(provider);
        });
        assertEquals(3.0, connector.getDriver(Calculator.class).plus(1, 2).join());
        assertRefused(connector.getDriver(Admin.class).secret());
        connector.close().join();
    }

    @Test
    void settingTheSameProviderAgainCannotWidenIt() {
        var connector = serveAndConnect(a -> {
            a.setProvider(new AdminCalculator(), CalculatorService.class);
            a.setProvider(a.getProvider());
            a.accept(a.getProvider());
        });
        assertRefused(connector.getDriver(Admin.class).secret());
        assertEquals(4.0, connector.getDriver(Calculator.class).getScientific().sqrt(16).join());
        connector.close().join();
    }

    @Test
    void aConnectorsProviderSetWithInterfacesServesThoseOnly() {
        var refused = new CompletableFuture<Throwable>();
        server = new WebSocketServer<>(Credentials.class);
        server.open("127.0.0.1", 0, a -> {
            a.accept(null).join();
            a.getDriver(Printer.class).print("hello").join();
            a.getDriver(Admin.class).secret().whenComplete((v, e) -> refused.complete(e));
        }).join();
        var connector = new WebSocketConnector<Credentials, Object>(new Credentials("t"));
        connector.setProvider(new AdminPrinter(), PrinterService.class);
        connector.connect("ws://127.0.0.1:" + server.getPort() + "/").join();
        var e = refused.orTimeout(10, TimeUnit.SECONDS).join();
        var remote = assertInstanceOf(RemoteException.class, e instanceof CompletionException ? e.getCause() : e);
        assertEquals("NoSuchMethodException", remote.getName());
        connector.close().join();
    }
}
