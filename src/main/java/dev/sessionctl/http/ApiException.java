package dev.sessionctl.http;

/**
 * A request the API refuses, with the HTTP status, a stable machine code and a message that names
 * the bad value and the expected form. Rendered as {@code {"error": {"code": ..., "message": ...}}}.
 */
public final class ApiException extends RuntimeException {

    private final int status;
    private final String code;
    private final long retryAfterSeconds;

    public ApiException(int status, String code, String message) {
        this(status, code, message, 0);
    }

    public ApiException(int status, String code, String message, long retryAfterSeconds) {
        super(message);
        this.status = status;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "bad-request", message);
    }

    public static ApiException unauthorized(String message) {
        return new ApiException(401, "unauthenticated", message);
    }

    public static ApiException forbidden(String message) {
        return new ApiException(403, "forbidden", message);
    }

    public static ApiException notFound(String code, String message) {
        return new ApiException(404, code, message);
    }
}
