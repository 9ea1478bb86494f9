package dev.sessionctl.model;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The safe identity of a session: the engine's session id is reused, so a key also carries the
 * incarnation that tells two users of the same id apart (PostgreSQL backend_start in epoch
 * microseconds, Oracle SERIAL#, a digest of user, host and port on MySQL).
 *
 * <p>Printable form, accepted back by {@code kill}: {@code ID,INCARNATION[,@INSTANCE]}, for
 * example {@code 4711,1732280412345678} (PostgreSQL), {@code 125,4892,@2} (Oracle RAC). The
 * target is not part of the printed form; commands take it from their target options.
 */
public record SessionKey(String target, int instance, long sessionId, String incarnation) {

    /** Incarnations are opaque tokens, restricted so they can never smuggle SQL or shell text. */
    public static final Pattern INCARNATION = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private static final Pattern PRINTED =
            Pattern.compile("^\\s*(\\d{1,19}),([A-Za-z0-9._-]{1,64})(?:,@(\\d{1,4}))?\\s*$");

    public SessionKey {
        Objects.requireNonNull(incarnation, "incarnation");
        if (sessionId < 0) {
            throw new IllegalArgumentException("session id must not be negative: " + sessionId);
        }
        if (instance < 0) {
            throw new IllegalArgumentException("instance must not be negative: " + instance);
        }
        if (!INCARNATION.matcher(incarnation).matches()) {
            throw new IllegalArgumentException("incarnation '" + incarnation + "' must match " + INCARNATION.pattern());
        }
        target = target == null ? "" : target;
    }

    public SessionRef ref() {
        return new SessionRef(instance, sessionId);
    }

    /** The form a user types back into {@code kill}. */
    public String printable() {
        return instance > 0 ? sessionId + "," + incarnation + ",@" + instance : sessionId + "," + incarnation;
    }

    /**
     * Parses the printable form.
     *
     * @throws InvalidKeyException naming the bad text and the expected form
     */
    public static SessionKey parse(String target, String text) {
        if (text == null) {
            throw new InvalidKeyException("missing session key; expected ID,INCARNATION[,@INSTANCE], e.g. 4711,1732280412345678");
        }
        Matcher m = PRINTED.matcher(text);
        if (!m.matches()) {
            throw new InvalidKeyException("invalid session key '" + text
                    + "'; expected ID,INCARNATION[,@INSTANCE] as printed in the KEY column, e.g. 4711,1732280412345678 or 125,4892,@2");
        }
        long id;
        int inst;
        try {
            id = Long.parseLong(m.group(1));
            inst = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
        } catch (NumberFormatException e) {
            throw new InvalidKeyException("invalid session key '" + text + "': session id out of range");
        }
        return new SessionKey(target, inst, id, m.group(2));
    }

    @Override
    public String toString() {
        return printable();
    }

    /** A user typed a key that is not in the printable form. */
    public static final class InvalidKeyException extends IllegalArgumentException {
        public InvalidKeyException(String message) {
            super(message);
        }
    }
}
