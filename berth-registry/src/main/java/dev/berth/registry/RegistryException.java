package dev.berth.registry;

/** A request failure that is answered with the spec's error body; status may differ from the code's default. */
public final class RegistryException extends RuntimeException {
    private final ErrorCode code;
    private final int status;
    private final String detail;

    public RegistryException(ErrorCode code, String detail) {
        this(code, code.status(), detail);
    }

    public RegistryException(ErrorCode code, int status, String detail) {
        super(code + ": " + detail);
        this.code = code;
        this.status = status;
        this.detail = detail;
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
