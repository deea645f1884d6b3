package io.presencebroker.mqtt;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The MQTT client certificate as AWS IoT hands it out (PEM text: the certificate, and its private key as
 * {@code create-keys-and-certificate} gives it, PKCS#1 {@code BEGIN RSA PRIVATE KEY}, or PKCS#8 {@code BEGIN PRIVATE
 * KEY}), made into the PKCS12 key store Paho reads: on ECS both come from Secrets Manager as environment variables and
 * the root filesystem is read-only, so the store is written under the temporary directory (the task's writable
 * volume, gone with the task), readable by the service's user only, with a random password that only the
 * {@code mqttSslProperties} bean holds (a route cannot refer to it: check-routes' policy).
 */
public final class ClientCertificate {

    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");
    /** rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters, as a PKCS#8 AlgorithmIdentifier. */
    private static final byte[] RSA_ALGORITHM = HexFormat.of().parseHex("300d06092a864886f70d0101010500");

    /** The written key store and its password. */
    public record KeyStoreFile(Path path, String password) {
    }

    private ClientCertificate() {
    }

    /** Writes the certificate (and any chain after it) with its key as a PKCS12 key store under {@code dir}. */
    public static KeyStoreFile write(String certificatePem, String keyPem, Path dir) {
        try {
            List<? extends Certificate> chain = certificates(certificatePem);
            PrivateKey key = privateKey(keyPem);
            requireMatch(key, (X509Certificate) chain.get(0));
            byte[] random = new byte[24];
            new SecureRandom().nextBytes(random);
            String password = HexFormat.of().formatHex(random);
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("client", key, password.toCharArray(), chain.toArray(Certificate[]::new));
            Path file = Files.createTempFile(dir, "presence-mqtt-client-", ".p12",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (OutputStream out = Files.newOutputStream(file)) {
                store.store(out, password.toCharArray());
            }
            file.toFile().deleteOnExit();
            return new KeyStoreFile(file, password);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PRESENCE_MQTT_CLIENT_CERTIFICATE / PRESENCE_MQTT_CLIENT_KEY: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the MQTT client key store under " + dir, e);
        }
    }

    static List<? extends Certificate> certificates(String pem) throws GeneralSecurityException {
        if (!pem.contains("-----BEGIN CERTIFICATE-----")) {
            throw new GeneralSecurityException("the client certificate is not PEM text (-----BEGIN CERTIFICATE-----)");
        }
        String text = pem.substring(pem.indexOf("-----BEGIN CERTIFICATE-----")).strip(); // without text before it
        List<? extends Certificate> chain = List.copyOf(CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII))));
        if (chain.isEmpty()) {
            throw new GeneralSecurityException("no certificate in the client certificate's PEM text");
        }
        return chain;
    }

    static PrivateKey privateKey(String pem) throws GeneralSecurityException {
        Matcher m = PEM.matcher(pem);
        if (!m.find()) {
            throw new GeneralSecurityException("the private key is not PEM text (-----BEGIN PRIVATE KEY----- or"
                    + " -----BEGIN RSA PRIVATE KEY-----)");
        }
        byte[] der = Base64.getMimeDecoder().decode(m.group(2));
        return switch (m.group(1)) {
            case "PRIVATE KEY" -> pkcs8(der);
            case "RSA PRIVATE KEY" -> KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(rsaPkcs8(der)));
            default -> throw new GeneralSecurityException("a private key of type \"" + m.group(1) + "\" is not read;"
                    + " convert it with `openssl pkcs8 -topk8 -nocrypt` (BEGIN PRIVATE KEY)");
        };
    }

    private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
        GeneralSecurityException last = null;
        for (String algorithm : List.of("RSA", "EC")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw new GeneralSecurityException("the private key is neither RSA nor EC: " + last.getMessage(), last);
    }

    /** PKCS#8 PrivateKeyInfo around a PKCS#1 RSAPrivateKey: SEQUENCE { INTEGER 0, rsaEncryption, OCTET STRING key }. */
    static byte[] rsaPkcs8(byte[] pkcs1) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0x02, 0x01, 0x00});
        body.writeBytes(RSA_ALGORITHM);
        body.writeBytes(derHeader(0x04, pkcs1.length));
        body.writeBytes(pkcs1);
        ByteArrayOutputStream info = new ByteArrayOutputStream();
        info.writeBytes(derHeader(0x30, body.size()));
        info.writeBytes(body.toByteArray());
        return info.toByteArray();
    }

    private static byte[] derHeader(int tag, int length) {
        if (length < 0x80) {
            return new byte[] {(byte) tag, (byte) length};
        }
        int bytes = length > 0xffff ? 3 : length > 0xff ? 2 : 1;
        byte[] header = new byte[2 + bytes];
        header[0] = (byte) tag;
        header[1] = (byte) (0x80 | bytes);
        for (int i = 0; i < bytes; i++) {
            header[2 + i] = (byte) (length >>> (8 * (bytes - 1 - i)));
        }
        return header;
    }

    /** The key signs what the certificate's public key verifies: a key of another certificate is refused at start. */
    private static void requireMatch(PrivateKey key, X509Certificate certificate) throws GeneralSecurityException {
        String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        byte[] probe = "presence-broker".getBytes(StandardCharsets.US_ASCII);
        Signature sign = Signature.getInstance(algorithm);
        sign.initSign(key);
        sign.update(probe);
        byte[] signature = sign.sign();
        Signature verify = Signature.getInstance(algorithm);
        try {
            verify.initVerify(certificate.getPublicKey());
            verify.update(probe);
            if (verify.verify(signature)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // a key of another algorithm than the certificate's: no match either
        }
        throw new GeneralSecurityException("the private key does not belong to the certificate "
                + certificate.getSubjectX500Principal());
    }
}
