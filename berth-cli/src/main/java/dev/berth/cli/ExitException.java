package dev.berth.cli;

/** Ends a command with an exit status; the message (if any) goes to stderr. */
public final class ExitException extends RuntimeException {
    private final int code;

    public ExitException(int code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    /** Exit quietly (the message was already printed or there is none). */
    public static ExitException status(int code) {
        return new ExitException(code, null);
    }

    public int code() {
        return code;
    }
}
