package dev.berth.daemon.security;

import dev.berth.daemon.api.ApiException;

import java.util.ArrayList;
import java.util.List;

/**
 * A container's {@code HostConfig.SecurityOpt}, parsed as dockerd reads it. {@code key=value}, or the
 * older {@code key:value}; anything unknown is a 400 at create rather than a surprise at start.
 *
 * @param seccomp             the profile to apply, or null for {@code seccomp=unconfined}
 * @param noNewPrivileges     {@code no-new-privileges[=true]}
 * @param apparmorProfile     {@code apparmor=<profile>}, or null when not given
 * @param labels              the {@code label=…} options ({@code disable}, {@code user:…}, {@code role:…},
 *                            {@code type:…}, {@code level:…}, {@code filetype:…}, {@code nested})
 * @param systemPathsUnconfined {@code systempaths=unconfined}: no masked or read-only /proc and /sys paths
 */
public record SecurityOpts(SeccompProfile seccomp, boolean noNewPrivileges, String apparmorProfile, List<String> labels,
                           boolean systemPathsUnconfined) {

    /** A container that asked for nothing. */
    public static final SecurityOpts DEFAULT = new SecurityOpts(SeccompProfile.builtin(), false, null, List.of(), false);

    /** Parses the options over Docker's defaults; 400 on an unknown key, a bad boolean or an invalid seccomp profile. */
    public static SecurityOpts parse(List<String> opts) {
        return parse(opts, ContainerDefaults.DEFAULT);
    }

    /** Parses the options over the daemon's {@code defaults}. */
    public static SecurityOpts parse(List<String> opts, ContainerDefaults defaults) {
        SeccompProfile seccomp = defaults.seccomp();
        boolean nnp = defaults.noNewPrivileges();
        if (opts == null) {
            opts = List.of();
        }
        String apparmor = null;
        List<String> labels = new ArrayList<>();
        boolean systemPaths = false;
        for (String opt : opts) {
            if (opt.equals("no-new-privileges")) {
                nnp = true;
                continue;
            }
            int eq = opt.indexOf('=');
            int colon = opt.indexOf(':');
            // The profile's JSON is full of colons: '=' wins whenever there is one.
            int sep = eq >= 0 ? eq : colon;
            if (sep <= 0) {
                throw invalid(opt);
            }
            String key = opt.substring(0, sep);
            String value = opt.substring(sep + 1);
            switch (key) {
                case "no-new-privileges" -> nnp = bool(opt, value);
                case "seccomp" -> seccomp = switch (value) {
                    case "unconfined" -> null;
                    case "builtin", "" -> SeccompProfile.builtin();
                    default -> SeccompProfile.parseDocker(value);
                };
                case "apparmor" -> apparmor = value;
                case "label" -> labels.add(label(opt, value));
                case "systempaths" -> {
                    if (!value.equals("unconfined")) {
                        throw ApiException.badRequest("invalid --security-opt: systempaths=" + value
                                + ": the only value is \"unconfined\"");
                    }
                    systemPaths = true;
                }
                case "writable-cgroups" -> bool(opt, value); // accepted; cgroups stay read-only, as without privileges
                default -> throw invalid(opt);
            }
        }
        return new SecurityOpts(seccomp, nnp, apparmor, List.copyOf(labels), systemPaths);
    }

    private static String label(String opt, String value) {
        if (value.equals("disable") || value.equals("nested")) {
            return value;
        }
        int c = value.indexOf(':');
        String kind = c < 0 ? "" : value.substring(0, c);
        if (!List.of("user", "role", "type", "level", "filetype").contains(kind) || c == value.length() - 1) {
            throw ApiException.badRequest("invalid --security-opt " + opt
                    + ": label takes disable, nested, user:, role:, type:, level: or filetype:");
        }
        return value;
    }

    private static boolean bool(String opt, String value) {
        return switch (value) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw ApiException.badRequest("invalid --security-opt " + opt + ": not a boolean");
        };
    }

    private static ApiException invalid(String opt) {
        String shown = opt.length() > 80 ? opt.substring(0, 80) + "…" : opt;
        return ApiException.badRequest("Invalid --security-opt: \"" + shown + "\"");
    }

    /**
     * The SELinux process label from the {@code label=} parts over the usual container context, or null when
     * none was asked for or labels are disabled.
     */
    public String selinuxProcessLabel() {
        if (labels.isEmpty() || labels.contains("disable")) {
            return null;
        }
        String[] ctx = {"system_u", "system_r", "container_t", "s0"};
        boolean any = false;
        for (String l : labels) {
            int c = l.indexOf(':');
            if (c < 0) {
                continue;
            }
            String v = l.substring(c + 1);
            switch (l.substring(0, c)) {
                case "user" -> ctx[0] = v;
                case "role" -> ctx[1] = v;
                case "type" -> ctx[2] = v;
                case "level" -> ctx[3] = v;
                default -> {
                    continue;
                }
            }
            any = true;
        }
        return any ? String.join(":", ctx) : null;
    }
}
