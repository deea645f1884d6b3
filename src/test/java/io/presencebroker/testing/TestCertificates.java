package io.presencebroker.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Self-signed certificates for a mutual-TLS MQTT broker, made with the JDK's keytool in a temporary folder: the
 * broker's key (valid for 127.0.0.1), one client's key, and each side's trust store holding the other's certificate;
 * besides, a client and a broker (also valid for 127.0.0.1) that neither trust store holds. All PKCS12, one password.
 */
public record TestCertificates(Path brokerKeyStore, Path brokerTrustStore, Path clientKeyStore, Path clientTrustStore,
                               Path otherClientKeyStore, Path otherBrokerKeyStore, String password) {

    public static TestCertificates create() {
        try {
            Path dir = Files.createTempDirectory("presence-certs");
            String pw = "test-secret";
            TestCertificates c = new TestCertificates(dir.resolve("broker.p12"), dir.resolve("broker-trust.p12"),
                    dir.resolve("client.p12"), dir.resolve("client-trust.p12"), dir.resolve("other-client.p12"),
                    dir.resolve("other-broker.p12"), pw);
            keyPair(c.brokerKeyStore, "broker", "CN=localhost", "SAN=ip:127.0.0.1,dns:localhost", pw);
            keyPair(c.clientKeyStore, "client", "CN=presence-broker", null, pw);
            keyPair(c.otherClientKeyStore, "other", "CN=stranger", null, pw);
            keyPair(c.otherBrokerKeyStore, "impostor", "CN=localhost", "SAN=ip:127.0.0.1,dns:localhost", pw);
            trust(c.brokerKeyStore, "broker", c.clientTrustStore, dir.resolve("broker.crt"), pw);
            trust(c.clientKeyStore, "client", c.brokerTrustStore, dir.resolve("client.crt"), pw);
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The client's certificate as PEM text, as openssl prints it (AWS IoT hands out the same form). */
    public String clientCertificatePem() {
        return openssl(List.of("pkcs12", "-in", clientKeyStore.toString(), "-clcerts", "-nokeys", "-passin", "pass:" + password), null);
    }

    /** The client's private key as PEM text: PKCS#1 ({@code BEGIN RSA PRIVATE KEY}, AWS IoT's form) or PKCS#8. */
    public String clientKeyPem(boolean pkcs1) {
        String pkcs8 = openssl(List.of("pkcs12", "-in", clientKeyStore.toString(), "-nocerts", "-nodes", "-passin",
                "pass:" + password), null);
        return pkcs1 ? openssl(List.of("pkey", "-traditional"), pkcs8) : openssl(List.of("pkey"), pkcs8);
    }

    /** The other (untrusted) client's private key, PKCS#8 PEM. */
    public String otherClientKeyPem() {
        return openssl(List.of("pkey"), openssl(List.of("pkcs12", "-in", otherClientKeyStore.toString(), "-nocerts",
                "-nodes", "-passin", "pass:" + password), null));
    }

    private static String openssl(List<String> args, String input) {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(args);
        try {
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try (var in = p.getOutputStream()) {
                if (input != null) {
                    in.write(input.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                }
            }
            String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            if (p.waitFor() != 0) {
                throw new IllegalStateException("openssl " + String.join(" ", args) + " failed");
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void keyPair(Path store, String alias, String dname, String san, String pw) {
        List<String> args = new ArrayList<>(List.of("-genkeypair", "-alias", alias, "-keyalg", "RSA", "-keysize", "2048",
                "-dname", dname, "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", pw, "-keypass", pw));
        if (san != null) {
            args.addAll(List.of("-ext", san));
        }
        keytool(args);
    }

    private static void trust(Path fromStore, String alias, Path trustStore, Path certFile, String pw) {
        keytool(List.of("-exportcert", "-alias", alias, "-keystore", fromStore.toString(), "-storepass", pw,
                "-file", certFile.toString()));
        keytool(List.of("-importcert", "-noprompt", "-alias", alias, "-file", certFile.toString(), "-storetype",
                "PKCS12", "-keystore", trustStore.toString(), "-storepass", pw));
    }

    private static void keytool(List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(args);
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IllegalStateException("keytool " + args.get(0) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
