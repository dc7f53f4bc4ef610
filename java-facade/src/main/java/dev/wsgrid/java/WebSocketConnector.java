package dev.wsgrid.java;

import dev.wsgrid.java.internal.Bridge;
import dev.wsgrid.rpc.CloseCodes;

import java.lang.reflect.Type;
import java.util.concurrent.CompletableFuture;

/**
 * TGrid's {@code WebSocketConnector}, for Java: connects to a server with a header and, once
 * accepted, serves its provider to the server and calls the server's through drivers.
 *
 * <pre>{@code
 * var connector = new WebSocketConnector<>(new Credentials("secret"));
 * connector.connect("ws://127.0.0.1:37000/calculator").join();
 * Calculator calc = connector.getDriver(Calculator.class);
 * double sum = calc.plus(1, 2).join();
 * connector.close().join();
 * }</pre>
 *
 * <p>Failures arrive through the futures: {@code HandshakeRejectedException} (the server's code and
 * reason), {@code HandshakeTimeoutException}, {@code ConnectException}; and on calls
 * {@code RemoteException}, {@code ConnectionClosedException}, {@code CallTimeoutException}.
 * A connector may connect again after it closed; its drivers stay valid.
 *
 * @param <Header> the type of the header sent on every connect
 * @param <Provider> the type of the provider the server may call
 */
public final class WebSocketConnector<Header, Provider> extends Communicator<Provider> {
    private final dev.wsgrid.ktor.client.WebSocketConnector<Header, Provider> connector;

    /** A connector with {@code header} and no provider. */
    public WebSocketConnector(Header header) {
        this(header, null, ConnectorConfig.defaults());
    }

    /** A connector with {@code header} serving {@code provider} to the server. */
    public WebSocketConnector(Header header, Provider provider) {
        this(header, provider, ConnectorConfig.defaults());
    }

    /** A connector with {@code header}, {@code provider} and {@code config}. */
    public WebSocketConnector(Header header, Provider provider, ConnectorConfig config) {
        this(header, provider, config, null);
    }

    /**
     * A connector whose header is encoded as {@code headerType}, for generic headers
     * ({@code new TypeReference<Map<String, String>>() {}.getType()}).
     */
    public WebSocketConnector(Header header, Provider provider, ConnectorConfig config, Type headerType) {
        this(new dev.wsgrid.ktor.client.WebSocketConnector<>(header, provider, config.options(), headerType));
    }

    private WebSocketConnector(dev.wsgrid.ktor.client.WebSocketConnector<Header, Provider> connector) {
        super(connector, new Bridge("wsgrid-java-connector"));
        this.connector = connector;
    }

    /**
     * Connects to {@code url} ({@code ws}, {@code wss}, {@code http} or {@code https}), sends the
     * header, and completes once the server accepted it.
     */
    public CompletableFuture<Void> connect(String url) {
        return bridge.connect(connector, url);
    }

    /** Closes the connection normally (1000); pending calls on both sides fail. */
    public CompletableFuture<Void> close() {
        return close(CloseCodes.NORMAL, "");
    }

    /** Closes the connection with {@code code} and {@code reason}; pending calls on both sides fail. */
    public CompletableFuture<Void> close(int code, String reason) {
        return bridge.close(connector, code, reason);
    }

    /** The header sent on every connect. */
    public Header getHeader() {
        return connector.getHeader();
    }

    /** The URL of the last connect, or {@code null}. */
    public String getUrl() {
        return connector.getUrl();
    }
}
