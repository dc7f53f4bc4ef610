package dev.wsgrid.ktor.server

import dev.wsgrid.ktor.client.ConnectorOptions
import dev.wsgrid.ktor.client.WebSocketConnector
import dev.wsgrid.rpc.ConnectException
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.engine.spec.tempdir
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.serialization.json.JsonElement
import java.nio.file.Files
import java.nio.file.Path
import java.security.KeyStore
import java.security.PrivateKey
import java.util.Base64
import java.util.concurrent.TimeUnit
import javax.net.ssl.TrustManagerFactory
import javax.net.ssl.X509TrustManager

/** A self-signed certificate for 127.0.0.1, made at test time with the JDK's keytool. */
private fun generateKeyStore(dir: Path): Path {
    val store = dir.resolve("server.p12")
    val keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString()
    val process = ProcessBuilder(
        keytool, "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1,dns:localhost", "-validity", "2",
        "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", "changeit",
    ).redirectErrorStream(true).start()
    val output = process.inputStream.bufferedReader().readText()
    check(process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0) { "keytool failed: $output" }
    return store
}

private fun trustManagerFor(store: KeyStore): X509TrustManager {
    val trusted = KeyStore.getInstance("PKCS12").apply {
        load(null, null)
        setCertificateEntry("server", store.getCertificate("server"))
    }
    val factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm())
    factory.init(trusted)
    return factory.trustManagers.filterIsInstance<X509TrustManager>().first()
}

class TlsSpec : FunSpec({
    val dir = tempdir().toPath()
    val storePath = generateKeyStore(dir)
    val store = KeyStore.getInstance(storePath.toFile(), "changeit".toCharArray())
    val trust = trustManagerFor(store)

    suspend fun roundTrip(tls: TlsConfig) {
        val server = WebSocketServer<JsonElement, Calculator>(tls = tls)
        server.open("127.0.0.1", 0) { it.accept(Calculator()) }
        try {
            val connector = WebSocketConnector<Nothing?, Any>(null, connectorOptions = ConnectorOptions.builder().trustManager(trust).build())
            connector.connect("wss://127.0.0.1:${server.port}/")
            connector.getDriver<ICalculator>().scientific.sqrt(81.0) shouldBe 9.0
            connector.close()
            // https:// is taken as wss://, as TGrid does
            connector.connect("https://127.0.0.1:${server.port}/")
            connector.getDriver<ICalculator>().plus(1.0, 1.0) shouldBe 2.0
            connector.close()
            // a client that does not trust the certificate cannot connect
            val untrusting = WebSocketConnector<Nothing?, Any>(null)
            shouldThrow<ConnectException> { untrusting.connect("wss://127.0.0.1:${server.port}/") }.message!! shouldContain
                "cannot connect to wss://127.0.0.1:${server.port}/"
        } finally {
            server.close()
        }
    }

    test("wss:// with a PKCS#12 key store generated at test time") {
        roundTrip(TlsConfig.keyStore(storePath, "changeit"))
    }

    test("wss:// with a PEM certificate and PKCS#8 key") {
        val cert = dir.resolve("cert.pem")
        val key = dir.resolve("key.pem")
        val mime = Base64.getMimeEncoder(64, "\n".toByteArray())
        Files.writeString(cert, "-----BEGIN CERTIFICATE-----\n" + mime.encodeToString(store.getCertificate("server").encoded) + "\n-----END CERTIFICATE-----\n")
        val privateKey = store.getKey("server", "changeit".toCharArray()) as PrivateKey
        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n" + mime.encodeToString(privateKey.encoded) + "\n-----END PRIVATE KEY-----\n")
        roundTrip(TlsConfig.pem(cert, key))
    }

    test("unusable key material is refused with the reason") {
        shouldThrow<IllegalArgumentException> { TlsConfig.keyStore(storePath, "wrong") }.message!! shouldContain "cannot read the key store"
        val pkcs1 = dir.resolve("rsa.pem").also { Files.writeString(it, "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n") }
        shouldThrow<IllegalArgumentException> { TlsConfig.pem(dir.resolve("cert.pem"), pkcs1) }.message!! shouldContain "convert it to an unencrypted PKCS#8 key"
    }
})
