package dev.berth.daemon.runtime;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The default seccomp filter. Docker's own profile is an allowlist; this one is its inverse
 * approximation, a denylist of the syscalls that profile withholds, each allowed back when the
 * container holds the capability Docker ties it to. Unknown names are skipped by runc.
 */
final class Seccomp {
    /** Syscalls blocked unless the container has the capability (null: always blocked). */
    private static final Map<String, List<String>> BLOCKED = new LinkedHashMap<>();

    static {
        BLOCKED.put(null, List.of("add_key", "keyctl", "request_key", "create_module", "get_kernel_syms",
                "query_module", "nfsservctl", "sysfs", "_sysctl", "uselib", "ustat", "vm86", "vm86old",
                "io_uring_setup", "io_uring_enter", "io_uring_register"));
        BLOCKED.put("CAP_SYS_ADMIN", List.of("mount", "umount", "umount2", "pivot_root", "setns", "unshare",
                "swapon", "swapoff", "quotactl", "quotactl_fd", "lookup_dcookie", "fanotify_init", "name_to_handle_at",
                "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr"));
        BLOCKED.put("CAP_SYS_MODULE", List.of("init_module", "finit_module", "delete_module"));
        BLOCKED.put("CAP_SYS_BOOT", List.of("reboot", "kexec_load", "kexec_file_load"));
        BLOCKED.put("CAP_SYS_TIME", List.of("clock_adjtime", "clock_settime", "settimeofday", "stime", "adjtimex"));
        BLOCKED.put("CAP_SYS_PACCT", List.of("acct"));
        BLOCKED.put("CAP_SYS_RAWIO", List.of("iopl", "ioperm"));
        BLOCKED.put("CAP_SYS_PTRACE", List.of("kcmp", "process_vm_readv", "process_vm_writev", "userfaultfd"));
        BLOCKED.put("CAP_SYS_NICE", List.of("get_mempolicy", "mbind", "set_mempolicy", "move_pages"));
        BLOCKED.put("CAP_SYSLOG", List.of("syslog"));
        BLOCKED.put("CAP_SYS_TTY_CONFIG", List.of("vhangup"));
        BLOCKED.put("CAP_DAC_READ_SEARCH", List.of("open_by_handle_at"));
        BLOCKED.put("CAP_BPF", List.of("bpf"));
        BLOCKED.put("CAP_PERFMON", List.of("perf_event_open"));
    }

    private Seccomp() {}

    static Map<String, Object> profile(List<String> caps) {
        List<String> names = new ArrayList<>();
        for (var e : BLOCKED.entrySet()) {
            boolean allowedByCap = e.getKey() != null && (caps.contains(e.getKey())
                    // Docker lets CAP_SYS_ADMIN stand in for the newer, narrower capabilities
                    || (e.getKey().equals("CAP_BPF") || e.getKey().equals("CAP_PERFMON")) && caps.contains("CAP_SYS_ADMIN"));
            if (!allowedByCap) {
                names.addAll(e.getValue());
            }
        }
        Map<String, Object> deny = new LinkedHashMap<>();
        deny.put("names", names);
        deny.put("action", "SCMP_ACT_ERRNO");
        deny.put("errnoRet", 1);
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("defaultAction", "SCMP_ACT_ALLOW");
        p.put("architectures", List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"));
        p.put("syscalls", List.of(deny));
        return p;
    }
}
