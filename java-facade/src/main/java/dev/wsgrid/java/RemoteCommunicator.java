package dev.wsgrid.java;

import dev.wsgrid.java.internal.Bridge;

/** A connection on another node of the cluster, as {@link WebSocketServer#locate(String)} finds it. */
final class RemoteCommunicator extends Communicator<Object> {
    @SuppressWarnings("unchecked")
    RemoteCommunicator(dev.wsgrid.rpc.Communicator<?> delegate, Bridge bridge) {
        super((dev.wsgrid.rpc.Communicator<Object>) delegate, bridge);
    }
}
