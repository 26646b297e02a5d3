package dev.berth.daemon.distribution;

import java.io.IOException;

/**
 * A registry refused a request or sent something that cannot be trusted. {@code status} is the
 * API status berthd answers with: 404 for an unknown repository or manifest, 401 for refused
 * credentials, 500 for everything else.
 */
public final class RegistryException extends IOException {
    private final int status;
    private final boolean retryable;

    public RegistryException(int status, String message) {
        this(status, message, null, false);
    }

    public RegistryException(int status, String message, Throwable cause) {
        this(status, message, cause, false);
    }

    /** {@code retryable}: the network failed, not the content; the same request may well succeed. */
    public RegistryException(int status, String message, Throwable cause, boolean retryable) {
        super(message, cause);
        this.status = status;
        this.retryable = retryable;
    }

    public int status() {
        return status;
    }

    public boolean retryable() {
        return retryable;
    }
}
