package dev.wsgrid.java;

import dev.wsgrid.java.internal.Bridge;
import dev.wsgrid.rpc.CommunicatorState;
import dev.wsgrid.rpc.InvokeListener;
import dev.wsgrid.rpc.StateListener;
import dev.wsgrid.rpc.WireProtocol;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * One end of a connection, for Java: it serves its provider to the remote side and calls the
 * remote side's provider through {@linkplain #getDriver(Class) drivers}.
 *
 * <p>A driver is a proxy of a Java interface whose methods return {@code CompletableFuture<T>}
 * (or {@code CompletionStage<T>}); a method returning another such interface is a nested object.
 * Cancelling a driver's future cancels the call.
 *
 * @param <Provider> the type of the provider this side serves
 */
public abstract class Communicator<Provider> {
    private final dev.wsgrid.rpc.Communicator<Provider> delegate;
    final Bridge bridge;

    Communicator(dev.wsgrid.rpc.Communicator<Provider> delegate, Bridge bridge) {
        this.delegate = delegate;
        this.bridge = bridge;
    }

    /**
     * A driver of {@code type}, checked now: every method must return a future, or another service
     * interface. The same driver is returned each time.
     *
     * @throws IllegalArgumentException naming the method when {@code type} is not a valid driver interface
     */
    public <T> T getDriver(Class<T> type) {
        return delegate.getDriver(type);
    }

    /** A driver whose calls fail with {@code CallTimeoutException} after {@code callTimeout}. */
    public <T> T getDriver(Class<T> type, Duration callTimeout) {
        return delegate.getDriver(type, callTimeout);
    }

    /** The object the remote side calls, or {@code null}. */
    public Provider getProvider() {
        return delegate.getProvider();
    }

    /**
     * Sets the object the remote side calls, reached through every service interface its class implements.
     *
     * @throws IllegalArgumentException when one of its interfaces is not a valid service interface
     */
    public void setProvider(Provider provider) {
        delegate.setProvider(provider);
    }

    /** Sets the provider, reachable only through {@code serviceInterfaces}. */
    public void setProvider(Provider provider, Class<?>... serviceInterfaces) {
        delegate.setProvider(provider, serviceInterfaces);
    }

    /**
     * What the connection speaks: {@link WireProtocol#WSGRID_V1} when both sides are wsgrid and agreed
     * to its extensions (calls cancelled across the wire, {@code Flow.Publisher} streams), otherwise
     * {@link WireProtocol#TGRID}.
     */
    public WireProtocol getProtocol() {
        return delegate.getProtocol();
    }

    /** Where this end is in its life; calls are allowed only when {@link CommunicatorState#OPEN}. */
    public CommunicatorState getState() {
        return delegate.getState();
    }

    /** The calls of this side waiting for their return. */
    public int getPendingCalls() {
        return delegate.getPendingCalls();
    }

    /** Completes when the connection has closed. */
    public CompletableFuture<Void> join() {
        return bridge.join(delegate);
    }

    /** Completes with {@code true} when the connection closes within {@code timeout}, else {@code false}. */
    public CompletableFuture<Boolean> join(Duration timeout) {
        return bridge.join(delegate, timeout);
    }

    /** Completes with {@code true} when the connection closes before {@code deadline}, else {@code false}. */
    public CompletableFuture<Boolean> join(Instant deadline) {
        return bridge.join(delegate, deadline);
    }

    /** Adds a listener of this end's state changes (connecting, open, reconnecting, closed). */
    public void addStateListener(StateListener listener) {
        delegate.addStateListener(listener);
    }

    /** Removes a listener added by {@link #addStateListener}. */
    public void removeStateListener(StateListener listener) {
        delegate.removeStateListener(listener);
    }

    /** Adds a listener of the invoke events (send, receive, complete, return). */
    public void addInvokeListener(InvokeListener listener) {
        delegate.addInvokeListener(listener);
    }

    /** Removes a listener added by {@link #addInvokeListener}. */
    public void removeInvokeListener(InvokeListener listener) {
        delegate.removeInvokeListener(listener);
    }

    @Override
    public String toString() {
        return delegate.getDescription() + " (" + getState() + ")";
    }
}
