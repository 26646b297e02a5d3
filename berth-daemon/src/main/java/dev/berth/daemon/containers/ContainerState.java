package dev.berth.daemon.containers;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A container's {@code State} as inspect shows it; times are RFC 3339, Docker's zero time when unset. */
public record ContainerState(
        String status,
        boolean running,
        boolean paused,
        boolean restarting,
        @JsonProperty("OOMKilled") boolean oomKilled,
        boolean dead,
        long pid,
        int exitCode,
        String error,
        String startedAt,
        String finishedAt) {

    public static final String ZERO_TIME = "0001-01-01T00:00:00Z";

    public static ContainerState created() {
        return new ContainerState("created", false, false, false, false, false, 0, 0, "", ZERO_TIME, ZERO_TIME);
    }

    public ContainerState started(long pid, String at) {
        return new ContainerState("running", true, false, false, false, false, pid, 0, "", at, finishedAt);
    }

    public ContainerState exited(int code, boolean oom, String at) {
        return new ContainerState("exited", false, false, false, oom, false, 0, code, "", startedAt, at);
    }

    public ContainerState paused(boolean p) {
        return new ContainerState(p ? "paused" : "running", true, p, false, oomKilled, false, pid, exitCode, error, startedAt, finishedAt);
    }

    /** Waiting to be started again by its restart policy. */
    public ContainerState awaitingRestart() {
        return new ContainerState("restarting", false, false, true, oomKilled, false, 0, exitCode, error, startedAt, finishedAt);
    }

    public ContainerState failed(int code, String message) {
        return new ContainerState(status, false, false, false, false, false, 0, code, message, startedAt, finishedAt);
    }

    /** Running or paused: a process exists. */
    public boolean isActive() {
        return running;
    }
}
