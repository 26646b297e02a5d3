package dev.berth.daemon.security;

/**
 * berthd's security settings: who may use the API ({@link ApiAccess}) and what containers get by default
 * ({@link ContainerDefaults}).
 */
public record DaemonSecurity(ApiAccess access, ContainerDefaults containers) {
    /** Docker's defaults: socket for group {@code berth}, no TCP without mutual TLS, the built-in seccomp profile. */
    public static final DaemonSecurity DEFAULT = new DaemonSecurity(ApiAccess.DEFAULT, ContainerDefaults.DEFAULT);
}
