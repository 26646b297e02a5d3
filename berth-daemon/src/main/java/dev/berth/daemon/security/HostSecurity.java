package dev.berth.daemon.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Which Linux security modules this host runs, as {@code /info} reports and the spec writer needs. */
public final class HostSecurity {
    private static final boolean APPARMOR = apparmorEnabled();
    private static final boolean SELINUX = Files.exists(Path.of("/sys/fs/selinux/enforce"));

    private HostSecurity() {}

    /** Which security modules can label a container's process. */
    public record Modules(boolean apparmor, boolean selinux) {}

    /** This host's modules. */
    public static Modules modules() {
        return new Modules(APPARMOR, SELINUX);
    }

    /** AppArmor is enabled in the kernel and its parser is installed (both needed to load a profile), as dockerd checks. */
    private static boolean apparmorEnabled() {
        try {
            return Files.readString(Path.of("/sys/module/apparmor/parameters/enabled")).startsWith("Y")
                    && (Files.exists(Path.of("/sbin/apparmor_parser")) || Files.exists(Path.of("/usr/sbin/apparmor_parser")));
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code /info}'s {@code SecurityOptions} with Docker's defaults. */
    public static List<String> securityOptions() {
        return securityOptions(ContainerDefaults.DEFAULT);
    }

    /** {@code /info}'s {@code SecurityOptions}: what confines containers here, in dockerd's order. */
    public static List<String> securityOptions(ContainerDefaults defaults) {
        return securityOptions(new DaemonSecurity(ApiAccess.DEFAULT, defaults));
    }

    /** The same, with {@code name=userns} when containers run in a user namespace ({@code --userns-remap}). */
    public static List<String> securityOptions(DaemonSecurity daemon) {
        ContainerDefaults defaults = daemon.containers();
        List<String> out = new ArrayList<>();
        if (APPARMOR) {
            out.add("name=apparmor");
        }
        out.add("name=seccomp,profile=" + defaults.seccompName());
        if (SELINUX) {
            out.add("name=selinux");
        }
        if (daemon.userns() != null) {
            out.add("name=userns");
        }
        if (defaults.noNewPrivileges()) {
            out.add("name=no-new-privileges");
        }
        return List.copyOf(out);
    }
}
