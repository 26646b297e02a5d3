package dev.berth.daemon.security;

/**
 * berthd's security settings: who may use the API ({@link ApiAccess}), what containers get by default
 * ({@link ContainerDefaults}) and the user namespace they run in ({@link UsernsRemap}, null without
 * {@code --userns-remap}).
 */
public record DaemonSecurity(ApiAccess access, ContainerDefaults containers, UsernsRemap userns) {
    /** Docker's defaults: socket for group {@code berth}, no TCP without mutual TLS, the built-in seccomp profile. */
    public static final DaemonSecurity DEFAULT = new DaemonSecurity(ApiAccess.DEFAULT, ContainerDefaults.DEFAULT);

    /** Without user namespaces. */
    public DaemonSecurity(ApiAccess access, ContainerDefaults containers) {
        this(access, containers, null);
    }
}
