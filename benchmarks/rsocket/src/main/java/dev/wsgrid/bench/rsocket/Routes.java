package dev.wsgrid.bench.rsocket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.rsocket.metadata.CompositeMetadata;
import io.rsocket.metadata.CompositeMetadataCodec;
import io.rsocket.metadata.RoutingMetadata;
import io.rsocket.metadata.TaggingMetadataCodec;
import io.rsocket.metadata.WellKnownMimeType;

import java.util.List;

/**
 * Which method a request calls, the way the RSocket ecosystem says it (Spring's {@code @MessageMapping} does the
 * same): a route in composite metadata ({@code message/x.rsocket.routing.v0}). The client encodes each route's
 * metadata once and sends the same bytes with every request.
 */
final class Routes {
    static final String COMPOSITE = WellKnownMimeType.MESSAGE_RSOCKET_COMPOSITE_METADATA.getString();
    private static final String ROUTING = WellKnownMimeType.MESSAGE_RSOCKET_ROUTING.getString();

    private Routes() {
    }

    /** The composite metadata of a request to {@code route}, as bytes. */
    static byte[] metadata(String route) {
        ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        CompositeByteBuf composite = alloc.compositeBuffer();
        RoutingMetadata routing = TaggingMetadataCodec.createRoutingMetadata(alloc, List.of(route));
        CompositeMetadataCodec.encodeAndAddMetadata(composite, alloc, WellKnownMimeType.MESSAGE_RSOCKET_ROUTING, routing.getContent());
        try {
            return ByteBufUtil.getBytes(composite);
        } finally {
            composite.release();
        }
    }

    /** The route of a request, or {@code null} when its metadata has none. */
    static String route(ByteBuf metadata) {
        for (CompositeMetadata.Entry entry : new CompositeMetadata(metadata, false)) {
            if (ROUTING.equals(entry.getMimeType())) {
                for (String tag : new RoutingMetadata(entry.getContent())) return tag;
            }
        }
        return null;
    }
}
