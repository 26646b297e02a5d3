package dev.berth.cli.client;

/** No daemon answers at the configured address. */
public final class DaemonUnreachableException extends RuntimeException {
    public DaemonUnreachableException(String uri, Throwable cause) {
        super("Cannot connect to the Docker daemon at " + uri + ". Is the docker daemon running?", cause);
    }
}
