package dev.sessionctl.http;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Password hashes for the configured console administrators: PBKDF2WithHmacSHA256 from the JDK,
 * stored as {@code pbkdf2-sha256$ITERATIONS$SALT$HASH} (salt and hash in base64). The serve config
 * holds only such hashes; {@code sessionctl serve --hash-password} prints one.
 */
public final class PasswordHasher {

    /** OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256. */
    public static final int DEFAULT_ITERATIONS = 600_000;
    private static final int MIN_ITERATIONS = 10_000;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BITS = 256;
    private static final Pattern FORMAT =
            Pattern.compile("pbkdf2-sha256\\$(\\d{1,9})\\$([A-Za-z0-9+/=]{8,})\\$([A-Za-z0-9+/=]{16,})");
    private static final SecureRandom RANDOM = new SecureRandom();

    private PasswordHasher() {
    }

    public static String hash(char[] password) {
        return hash(password, DEFAULT_ITERATIONS);
    }

    public static String hash(char[] password, int iterations) {
        if (iterations < MIN_ITERATIONS) {
            throw new IllegalArgumentException("iterations " + iterations + " too low; expected at least " + MIN_ITERATIONS);
        }
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        byte[] h = derive(password, salt, iterations);
        Base64.Encoder b64 = Base64.getEncoder();
        return "pbkdf2-sha256$" + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(h);
    }

    /** Checks a stored hash's form without verifying anything (for config validation). */
    public static void checkFormat(String stored, String where) {
        Matcher m = stored == null ? null : FORMAT.matcher(stored);
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException(where + ": invalid passwordHash; expected pbkdf2-sha256$ITERATIONS$SALT$HASH"
                    + " as printed by `sessionctl serve --hash-password`");
        }
        if (Integer.parseInt(m.group(1)) < MIN_ITERATIONS) {
            throw new IllegalArgumentException(where + ": passwordHash uses " + m.group(1)
                    + " iterations; expected at least " + MIN_ITERATIONS);
        }
    }

    /** Constant-time comparison of the derived key; false for a malformed stored value. */
    public static boolean verify(char[] password, String stored) {
        Matcher m = stored == null ? null : FORMAT.matcher(stored);
        if (m == null || !m.matches()) {
            return false;
        }
        int iterations = Integer.parseInt(m.group(1));
        byte[] salt = Base64.getDecoder().decode(m.group(2));
        byte[] expected = Base64.getDecoder().decode(m.group(3));
        byte[] actual = derive(password, salt, iterations);
        return MessageDigest.isEqual(expected, actual);
    }

    /** Spends the same time as a real check, so an unknown user name is not revealed by timing. */
    public static void burn(char[] password) {
        derive(password, "sessionctl-unknown-user".getBytes(StandardCharsets.UTF_8), DEFAULT_ITERATIONS);
    }

    private static byte[] derive(char[] password, byte[] salt, int iterations) {
        PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, HASH_BITS);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 unavailable in this JDK", e);
        } finally {
            spec.clearPassword();
        }
    }

    static char[] copy(char[] p) {
        return Arrays.copyOf(p, p.length);
    }
}
