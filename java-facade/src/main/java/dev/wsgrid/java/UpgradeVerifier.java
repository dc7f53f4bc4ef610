package dev.wsgrid.java;

import dev.wsgrid.ktor.server.ClientRequest;

/**
 * Looks at a client before its WebSocket upgrade, as {@code ws}'s {@code verifyClient}: answer
 * {@link #ALLOW}, or the HTTP status (401, 403, 429, ...) that refuses it.
 *
 * <pre>{@code
 * ServerConfig.builder().verifier(request -> "k1".equals(request.header("x-api-key")) ? UpgradeVerifier.ALLOW : 401)
 * }</pre>
 */
@FunctionalInterface
public interface UpgradeVerifier {
    /** The answer that lets a client upgrade. */
    int ALLOW = 0;

    /** {@link #ALLOW}, or the HTTP status that refuses {@code request}. */
    int verify(ClientRequest request);
}
