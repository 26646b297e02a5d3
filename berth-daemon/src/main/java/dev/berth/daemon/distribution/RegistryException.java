package dev.berth.daemon.distribution;

import java.io.IOException;

/**
 * A registry refused a request or sent something that cannot be trusted. {@code status} is the
 * API status berthd answers with: 404 for an unknown repository or manifest, 401 for refused
 * credentials, 500 for everything else.
 */
public final class RegistryException extends IOException {
    private final int status;

    public RegistryException(int status, String message) {
        super(message);
        this.status = status;
    }

    public RegistryException(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
