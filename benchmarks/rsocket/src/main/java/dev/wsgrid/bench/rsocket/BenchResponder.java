package dev.wsgrid.bench.rsocket;

import io.netty.buffer.ByteBufInputStream;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.util.DefaultPayload;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.io.IOException;

/**
 * The server's side of the benchmark service, per connection: request-response {@code plus} ({@code [x, y]} to a
 * number) and {@code echo} (a {@link BenchPayload} back), request-stream {@code numbers} ({@code count} to the
 * numbers 1..count). Arguments and results are JSON, read and written by Jackson.
 */
final class BenchResponder implements RSocket {
    @Override
    public Mono<Payload> requestResponse(Payload request) {
        try {
            String route = Routes.route(request.metadata());
            if ("plus".equals(route)) {
                double[] args = Main.JSON.readValue((java.io.InputStream) new ByteBufInputStream(request.data()), double[].class);
                return Mono.just(DefaultPayload.create(Main.JSON.writeValueAsBytes(args[0] + args[1])));
            }
            if ("echo".equals(route)) {
                BenchPayload payload = Main.JSON.readValue((java.io.InputStream) new ByteBufInputStream(request.data()), BenchPayload.class);
                return Mono.just(DefaultPayload.create(Main.JSON.writeValueAsBytes(payload)));
            }
            return Mono.error(new IllegalArgumentException("no route " + route));
        } catch (IOException e) {
            return Mono.error(e);
        } finally {
            request.release();
        }
    }

    @Override
    public Flux<Payload> requestStream(Payload request) {
        try {
            String route = Routes.route(request.metadata());
            if (!"numbers".equals(route)) return Flux.error(new IllegalArgumentException("no stream route " + route));
            int count = Main.JSON.readValue((java.io.InputStream) new ByteBufInputStream(request.data()), int.class);
            return Flux.range(1, count).map(i -> {
                try {
                    return DefaultPayload.create(Main.JSON.writeValueAsBytes(i));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
        } catch (IOException e) {
            return Flux.error(e);
        } finally {
            request.release();
        }
    }
}
