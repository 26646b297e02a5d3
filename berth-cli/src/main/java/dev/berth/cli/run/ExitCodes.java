package dev.berth.cli.run;

/** docker's exit statuses for run, create and start. */
public final class ExitCodes {
    /** The daemon refused to create or start the container. */
    public static final int DAEMON_ERROR = 125;
    /** The command exists but cannot be invoked. */
    public static final int CANNOT_INVOKE = 126;
    /** The command was not found. */
    public static final int NOT_FOUND = 127;

    private ExitCodes() {}

    /** docker's runStartContainerErr: 127 for a missing executable, 126 for permission problems, else 125. */
    public static int forStartError(String message) {
        String m = message.startsWith("Error response from daemon: ") ? message.substring("Error response from daemon: ".length()) : message;
        if (m.contains("executable file not found") || m.contains("no such file or directory") || m.contains("system cannot find the file specified")) {
            return NOT_FOUND;
        }
        if (m.contains("permission denied") || m.contains("is a directory")) {
            return CANNOT_INVOKE;
        }
        return DAEMON_ERROR;
    }
}
