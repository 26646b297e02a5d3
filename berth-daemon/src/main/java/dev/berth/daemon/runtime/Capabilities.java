package dev.berth.daemon.runtime;

import dev.berth.daemon.api.ApiException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Linux capability names, Docker's default set, and Docker's rules for --cap-add / --cap-drop. */
public final class Capabilities {
    /** Capability names by number (linux/capability.h). */
    static final List<String> NAMES = List.of(
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
            "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
            "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
            "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
            "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
            "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
            "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE");

    /** What Docker grants a container that asks for nothing. */
    public static final List<String> DEFAULTS = List.of(
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
            "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
            "CAP_AUDIT_WRITE");

    private Capabilities() {}

    /**
     * Every capability this daemon may hand out: those in its own bounding set. Asking runc for one
     * outside it makes the container fail to start, so "all" means "all we have".
     */
    public static List<String> all() {
        long bnd = boundingSet();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < NAMES.size(); i++) {
            if ((bnd & (1L << i)) != 0) {
                out.add(NAMES.get(i));
            }
        }
        return out;
    }

    /** berthd never changes its own bounding set, so it is read once (every spec asks). */
    private static final class Bounding {
        static final long SET = readBoundingSet();
    }

    private static long boundingSet() {
        return Bounding.SET;
    }

    private static long readBoundingSet() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapBnd:")) {
                    return Long.parseUnsignedLong(line.substring(7).trim(), 16);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through: assume every known capability
        }
        return -1L;
    }

    /** {@code net_admin}, {@code NET_ADMIN} and {@code CAP_NET_ADMIN} all name the same capability. */
    static String normalize(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT);
        if (n.equals("ALL")) {
            return n;
        }
        if (!n.startsWith("CAP_")) {
            n = "CAP_" + n;
        }
        if (!NAMES.contains(n)) {
            throw ApiException.badRequest("invalid CapAdd: unknown capability: \"" + n + "\"");
        }
        return n;
    }

    /** Docker's algorithm: privileged gets all; ALL in add starts from all; ALL in drop starts from none. */
    public static List<String> effective(boolean privileged, List<String> add, List<String> drop) {
        if (privileged) {
            return all();
        }
        Set<String> adds = new LinkedHashSet<>();
        for (String a : add == null ? List.<String>of() : add) {
            adds.add(normalize(a));
        }
        Set<String> drops = new LinkedHashSet<>();
        for (String d : drop == null ? List.<String>of() : drop) {
            drops.add(normalize(d));
        }
        List<String> all = all();
        Set<String> caps = new LinkedHashSet<>(adds.contains("ALL") ? all : DEFAULTS);
        if (drops.contains("ALL")) {
            caps.clear();
        } else {
            caps.removeAll(drops);
        }
        for (String a : adds) {
            // An explicit add wins over a drop of the same capability, as in Docker.
            if (!a.equals("ALL")) {
                caps.add(a);
            }
        }
        caps.retainAll(all);
        return List.copyOf(caps);
    }
}
