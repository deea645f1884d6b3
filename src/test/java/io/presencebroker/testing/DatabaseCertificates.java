package io.presencebroker.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A test CA and a MariaDB server certificate it signed (valid for 127.0.0.1 and localhost), plus a second, unrelated
 * CA, made with openssl in a temporary folder at test time, as PEM files (what MariaDB reads). The trust stores for
 * Connector/J are made from the CA files by deploy/rds-truststore.sh, the script the Dockerfile runs on the RDS CA
 * bundle.
 */
public record DatabaseCertificates(Path caCert, Path serverCert, Path serverKey, Path otherCaCert,
                                   Path trustStore, Path otherTrustStore, String trustStorePassword) {

    public static DatabaseCertificates create() {
        try {
            Path dir = Files.createTempDirectory("presence-db-certs");
            String pw = "trust-secret";
            DatabaseCertificates c = new DatabaseCertificates(dir.resolve("ca.pem"), dir.resolve("server.pem"),
                    dir.resolve("server.key"), dir.resolve("other-ca.pem"), dir.resolve("trust.p12"),
                    dir.resolve("other-trust.p12"), pw);
            ca(dir, "ca", "/CN=presence-test-ca");
            ca(dir, "other-ca", "/CN=some-other-ca");
            Path ext = Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                    + "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n");
            run(dir, "openssl", "genrsa", "-traditional", "-out", "server.key", "2048");
            run(dir, "openssl", "req", "-new", "-key", "server.key", "-subj", "/CN=localhost", "-out", "server.csr");
            run(dir, "openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                    "-CAcreateserial", "-days", "2", "-extfile", ext.toString(), "-out", "server.pem");
            trustStore(c.caCert, c.trustStore, pw);
            trustStore(c.otherCaCert, c.otherTrustStore, pw);
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void ca(Path dir, String name, String subject) {
        run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key",
                "-out", name + ".pem", "-days", "2", "-subj", subject);
    }

    /** The Dockerfile's script, on a bundle of one CA. */
    static void trustStore(Path bundle, Path store, String password) {
        run(bundle.getParent(), "bash", Path.of("deploy", "rds-truststore.sh").toAbsolutePath().toString(),
                bundle.toString(), store.toString(), password);
    }

    /** The Connector/J parameters of a verified connection that trusts the given store. */
    public static String verifiedParameters(Path trustStore, String password) {
        return "sslMode=VERIFY_IDENTITY&trustCertificateKeyStoreUrl=" + trustStore.toUri()
                + "&trustCertificateKeyStoreType=PKCS12&trustCertificateKeyStorePassword=" + password;
    }

    static void run(Path dir, String... command) {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("KEYTOOL", Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        try {
            Process p = pb.start();
            String output = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
