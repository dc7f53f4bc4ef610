package dev.wsgrid.bench.rsocket;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsocket.core.RSocketServer;
import io.rsocket.transport.netty.server.CloseableChannel;
import io.rsocket.transport.netty.server.WebsocketServerTransport;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import java.util.TreeMap;

/**
 * {@code wsgrid-benchmarks-rsocket.jar}: the rsocket-java peer of the side-by-side benchmarks, started by the
 * runner as a server process and a client process, as every other system.
 *
 * <pre>
 *   server                                            listens on 127.0.0.1 (a free port), prints {"event":"listening","port":P},
 *                                                     exits when stdin closes
 *   client URL SEQ PIPELINED INFLIGHT PAYLOAD WARMUP  runs the call workloads and the stream, prints one CallResult line
 *   versions                                          prints the versions of the rsocket-java stack as JSON
 * </pre>
 */
public final class Main {
    static final ObjectMapper JSON = new ObjectMapper();

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        String command = args.length == 0 ? "help" : args[0];
        switch (command) {
            case "server" -> server();
            case "client" -> {
                Workload work = Workload.parse(args);
                System.out.println(JSON.writeValueAsString(BenchClient.run(args[1], work)));
            }
            case "versions" -> System.out.println(JSON.writeValueAsString(versions()));
            default -> {
                System.err.println("usage: java -jar wsgrid-benchmarks-rsocket.jar server | client URL SEQ PIPELINED INFLIGHT PAYLOAD WARMUP | versions");
                System.exit(2);
            }
        }
        System.exit(0);
    }

    /** rsocket-java's own server over its WebSocket transport (reactor-netty), on loopback. */
    private static void server() throws IOException {
        CloseableChannel channel = RSocketServer.create((setup, sendingSocket) -> reactor.core.publisher.Mono.just(new BenchResponder()))
                .bind(WebsocketServerTransport.create("127.0.0.1", 0))
                .block();
        System.out.println("{\"event\":\"listening\",\"port\":" + channel.address().getPort() + ",\"engine\":\"rsocket-java\"}");
        System.out.flush();
        InputStream in = System.in;
        while (in.read() >= 0) {
            // until the runner closes our stdin
        }
        channel.dispose();
    }

    private static TreeMap<String, String> versions() throws IOException {
        Properties p = new Properties();
        try (InputStream in = Main.class.getResourceAsStream("/rsocket-versions.properties")) {
            if (in != null) p.load(in);
        }
        TreeMap<String, String> out = new TreeMap<>();
        for (String k : p.stringPropertyNames()) out.put(k, p.getProperty(k));
        return out;
    }

    /** The sizes of the call workloads, as the runner passes them to every client. */
    record Workload(int sequential, int pipelined, int inflight, int payload, int warmupRounds) {
        static Workload parse(String[] args) {
            if (args.length != 7) throw new IllegalArgumentException("expected client URL SEQ PIPELINED INFLIGHT PAYLOAD WARMUP_ROUNDS");
            return new Workload(Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]), Integer.parseInt(args[5]), Integer.parseInt(args[6]));
        }

        /** Items in the stream workload: as many as pipelined calls, as for wsgrid. */
        int streamItems() {
            return pipelined;
        }
    }
}
