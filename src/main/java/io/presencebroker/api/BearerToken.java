package io.presencebroker.api;

import io.presencebroker.config.SettingException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The read API's credential: {@code Authorization: Bearer <token>} must carry the configured token. Compared in
 * constant time: both sides are hashed (SHA-256) first, so neither the content nor the length of the token shows in
 * the time a wrong guess takes, and {@link MessageDigest#isEqual} compares the digests without an early exit.
 */
public final class BearerToken {

    /** A shorter token is refused at start. */
    public static final int MIN_LENGTH = 16;
    private static final String SCHEME = "bearer ";

    private final byte[] expected;

    public BearerToken(String token) {
        if (token == null || token.isBlank()) {
            throw new SettingException("Required setting is missing: PRESENCE_API_TOKEN (presence.api.token): "
                    + "the read API does not start without a bearer token");
        }
        if (token.strip().length() < MIN_LENGTH) {
            throw new SettingException("PRESENCE_API_TOKEN (presence.api.token) must be at least " + MIN_LENGTH
                    + " characters");
        }
        this.expected = sha256(token.strip());
    }

    /** Whether an Authorization header value carries the token. */
    public boolean accepts(String authorization) {
        if (authorization == null || authorization.length() <= SCHEME.length()
                || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            // still hashed and compared (the result ignored): a request without a token costs what a wrong one costs
            MessageDigest.isEqual(expected, sha256(""));
            return false;
        }
        return MessageDigest.isEqual(expected, sha256(authorization.substring(SCHEME.length()).strip()));
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
