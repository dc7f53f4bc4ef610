package dev.wsgrid.ktor.server

import java.nio.file.Files
import java.nio.file.Path
import java.security.KeyFactory
import java.security.KeyStore
import java.security.PrivateKey
import java.security.cert.Certificate
import java.security.cert.CertificateFactory
import java.security.spec.PKCS8EncodedKeySpec
import java.util.Base64

/**
 * The key and certificate chain a [WebSocketServer] serves `wss://` with: from a PKCS#12 or JKS
 * key store, or from PEM files.
 *
 * ```kotlin
 * val tls = TlsConfig.keyStore(Path.of("server.p12"), "changeit")
 * val tls = TlsConfig.pem(Path.of("fullchain.pem"), Path.of("privkey.pem"))
 * ```
 */
public class TlsConfig private constructor(
    /** The key store holding the server's key and certificate chain. */
    public val keyStore: KeyStore,
    /** The alias of the key entry in [keyStore]. */
    public val keyAlias: String,
    internal val storePassword: CharArray,
    internal val keyPassword: CharArray,
) {
    /** Defaults and factories. */
    public companion object {
        /**
         * Loads a PKCS#12 or JKS key store from [path] (its type is detected).
         *
         * @param alias the key entry to serve; by default the store's only (or first) key entry.
         * @param keyPassword the key entry's password; by default the store's [password].
         * @throws IllegalArgumentException when the file cannot be read as a key store or holds no key.
         */
        @JvmStatic
        @JvmOverloads
        public fun keyStore(path: Path, password: String, alias: String? = null, keyPassword: String = password): TlsConfig {
            val store = try {
                KeyStore.getInstance(path.toFile(), password.toCharArray())
            } catch (e: Exception) {
                throw IllegalArgumentException("cannot read the key store $path: ${e.message}", e)
            }
            return keyStore(store, password, alias, keyPassword)
        }

        /** Serves the key entry [alias] (by default the first key entry) of a loaded [store]. */
        @JvmStatic
        @JvmOverloads
        public fun keyStore(store: KeyStore, password: String, alias: String? = null, keyPassword: String = password): TlsConfig {
            val chosen = alias ?: store.aliases().toList().firstOrNull { store.isKeyEntry(it) }
                ?: throw IllegalArgumentException("the key store holds no private key entry")
            require(store.isKeyEntry(chosen)) { "the key store has no private key entry named '$chosen'" }
            return TlsConfig(store, chosen, password.toCharArray(), keyPassword.toCharArray())
        }

        /**
         * Reads a certificate chain (the server's certificate first) and an unencrypted PKCS#8
         * private key (`-----BEGIN PRIVATE KEY-----`) from PEM files.
         *
         * @throws IllegalArgumentException when a file holds no certificate or no PKCS#8 key.
         */
        @JvmStatic
        public fun pem(certificateChain: Path, privateKey: Path): TlsConfig {
            val chain: List<Certificate> = try {
                Files.newInputStream(certificateChain).use { CertificateFactory.getInstance("X.509").generateCertificates(it).toList() }
            } catch (e: Exception) {
                throw IllegalArgumentException("cannot read certificates from $certificateChain: ${e.message}", e)
            }
            require(chain.isNotEmpty()) { "$certificateChain holds no certificate" }
            val key = readPrivateKey(privateKey)
            val password = "wsgrid".toCharArray()
            val store = KeyStore.getInstance("PKCS12").apply {
                load(null, null)
                setKeyEntry("wsgrid", key, password, chain.toTypedArray())
            }
            return TlsConfig(store, "wsgrid", password, password)
        }

        private fun readPrivateKey(path: Path): PrivateKey {
            val text = Files.readString(path)
            if ("BEGIN RSA PRIVATE KEY" in text || "BEGIN EC PRIVATE KEY" in text || "BEGIN ENCRYPTED PRIVATE KEY" in text) {
                throw IllegalArgumentException(
                    "$path holds a PKCS#1, SEC1 or encrypted key; convert it to an unencrypted PKCS#8 key " +
                        "(openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem)",
                )
            }
            val base64 = text.substringAfter("-----BEGIN PRIVATE KEY-----", "").substringBefore("-----END PRIVATE KEY-----", "")
            require(base64.isNotBlank()) { "$path holds no -----BEGIN PRIVATE KEY----- block" }
            val der = Base64.getMimeDecoder().decode(base64)
            val spec = PKCS8EncodedKeySpec(der)
            for (algorithm in listOf("RSA", "EC", "Ed25519", "EdDSA")) {
                try {
                    return KeyFactory.getInstance(algorithm).generatePrivate(spec)
                } catch (_: Exception) {
                    // try the next algorithm
                }
            }
            throw IllegalArgumentException("$path holds a private key of an algorithm this JVM cannot read")
        }
    }
}
