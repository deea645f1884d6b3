package io.presencebroker.mqtt;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.Key;
import java.security.KeyStore;

import io.presencebroker.testing.TestCertificates;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The client certificate and key as PEM text (made by openssl from a keytool key pair, as AWS IoT hands them out)
 * become a key store holding exactly that key and certificate, readable by its owner only; a key of another
 * certificate, or text that is no PEM, stops the start with a message that says which.
 */
class ClientCertificateTest {

    static TestCertificates certs;
    static KeyStore original;

    @TempDir
    Path dir;

    @BeforeAll
    static void certificates() throws Exception {
        certs = TestCertificates.create();
        original = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(certs.clientKeyStore())) {
            original.load(in, certs.password().toCharArray());
        }
    }

    @ParameterizedTest(name = "PKCS#1 key: {0}")
    @ValueSource(booleans = {true, false})
    void thePemKeyAndCertificateBecomeAKeyStoreOfThem(boolean pkcs1) throws Exception {
        String keyPem = certs.clientKeyPem(pkcs1);
        assertThat(keyPem).contains(pkcs1 ? "BEGIN RSA PRIVATE KEY" : "BEGIN PRIVATE KEY");

        ClientCertificate.KeyStoreFile file = ClientCertificate.write(certs.clientCertificatePem(), keyPem, dir);

        assertThat(file.path().getParent()).isEqualTo(dir);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.path()))).isEqualTo("rw-------");
        KeyStore written = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file.path())) {
            written.load(in, file.password().toCharArray());
        }
        Key key = written.getKey("client", file.password().toCharArray());
        assertThat(key.getEncoded()).isEqualTo(original.getKey("client", certs.password().toCharArray()).getEncoded());
        assertThat(written.getCertificate("client")).isEqualTo(original.getCertificate("client"));
    }

    @Test
    void aKeyOfAnotherCertificateIsRefused() {
        assertThatThrownBy(() -> ClientCertificate.write(certs.clientCertificatePem(), certs.otherClientKeyPem(), dir))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("PRESENCE_MQTT_CLIENT_KEY")
                .hasMessageContaining("does not belong to the certificate CN=presence-broker");
    }

    @Test
    void textThatIsNoPemIsRefusedWithWhatWasExpected() {
        assertThatThrownBy(() -> ClientCertificate.write("arn:aws:secretsmanager:...", certs.clientKeyPem(true), dir))
                .hasMessageContaining("not PEM text (-----BEGIN CERTIFICATE-----)");
        assertThatThrownBy(() -> ClientCertificate.write(certs.clientCertificatePem(), "a password", dir))
                .hasMessageContaining("the private key is not PEM text");
        assertThatThrownBy(() -> ClientCertificate.write(certs.clientCertificatePem(),
                "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----", dir))
                .hasMessageContaining("\"EC PRIVATE KEY\" is not read")
                .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
    }
}
