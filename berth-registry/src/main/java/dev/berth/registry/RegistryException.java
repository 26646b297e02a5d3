package dev.berth.registry;

import java.util.Map;

/** A request failure that is answered with the spec's error body; status may differ from the code's default. */
public final class RegistryException extends RuntimeException {
    private final ErrorCode code;
    private final int status;
    private final String detail;
    private final Map<String, String> headers;

    public RegistryException(ErrorCode code, String detail) {
        this(code, code.status(), detail);
    }

    public RegistryException(ErrorCode code, int status, String detail) {
        this(code, status, detail, Map.of());
    }

    /** With response headers, such as the {@code WWW-Authenticate} challenge of a 401. */
    public RegistryException(ErrorCode code, int status, String detail, Map<String, String> headers) {
        super(code + ": " + detail);
        this.code = code;
        this.status = status;
        this.detail = detail;
        this.headers = Map.copyOf(headers);
    }

    public Map<String, String> headers() {
        return headers;
    }

    public ErrorCode code() {
        return code;
    }

    public int status() {
        return status;
    }

    public String detail() {
        return detail;
    }
}
