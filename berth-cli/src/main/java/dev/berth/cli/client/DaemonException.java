package dev.berth.cli.client;

/** The daemon answered with an error status; {@link #getMessage()} is docker's "Error response from daemon: ..." line. */
public final class DaemonException extends RuntimeException {
    private final int status;
    private final String daemonMessage;

    public DaemonException(int status, String daemonMessage) {
        super("Error response from daemon: " + daemonMessage);
        this.status = status;
        this.daemonMessage = daemonMessage;
    }

    public int status() {
        return status;
    }

    /** The daemon's own text, without the "Error response from daemon: " prefix. */
    public String daemonMessage() {
        return daemonMessage;
    }

    public boolean notFound() {
        return status == 404;
    }
}
