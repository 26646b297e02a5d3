package dev.berth.daemon.images;

import dev.berth.dockerfile.GoText;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A platform specifier such as {@code linux/arm64/v8}, {@code arm64} or {@code linux}, parsed by
 * the rules of containerd's {@code platforms.Parse} (which dockerd uses for {@code --platform}):
 * every component matches {@code [A-Za-z0-9_-]+}, a lone component must be a known operating
 * system or architecture, and architecture names are normalized ({@code x86_64} is {@code amd64}).
 */
public final class PlatformSpec {
    private static final Pattern COMPONENT = Pattern.compile("^[A-Za-z0-9_-]+$");
    private static final Set<String> KNOWN_OS = Set.of("aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos",
            "ios", "js", "linux", "nacl", "netbsd", "openbsd", "plan9", "solaris", "windows", "zos");
    private static final Set<String> KNOWN_ARCH = Set.of("386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be",
            "ppc64", "ppc64le", "loong64", "mips", "mipsle", "mips64", "mips64le", "mips64p32", "mips64p32le", "ppc",
            "riscv", "riscv64", "s390", "s390x", "sparc", "sparc64", "wasm");

    /** A specifier that does not parse; the message is containerd's, which the docker CLI shows. */
    public static final class InvalidPlatformException extends IllegalArgumentException {
        InvalidPlatformException(String message) {
            super(message);
        }
    }

    private PlatformSpec() {}

    /**
     * Parses {@code spec}; a lone OS gets {@code host}'s architecture, a lone architecture the host's OS.
     */
    public static ImageService.Platform parse(String spec, ImageService.Platform host) {
        String[] parts = spec.split("/", -1);
        for (String p : parts) {
            if (!COMPONENT.matcher(p).matches()) {
                throw new InvalidPlatformException(GoText.quote(p) + " is an invalid component of " + GoText.quote(spec)
                        + ": platform specifier component must match \"^[A-Za-z0-9_-]+$\": invalid argument");
            }
        }
        switch (parts.length) {
            case 1 -> {
                String one = parts[0].toLowerCase(Locale.ROOT);
                if (KNOWN_OS.contains(normalizeOs(one))) {
                    return new ImageService.Platform(normalizeOs(one), host.architecture(), host.variant());
                }
                String[] arch = normalizeArch(one, "");
                if (KNOWN_ARCH.contains(arch[0])) {
                    return new ImageService.Platform(host.os(), arch[0], arch[1]);
                }
                throw new InvalidPlatformException(GoText.quote(spec) + ": unknown operating system or architecture: invalid argument");
            }
            case 2, 3 -> {
                String os = normalizeOs(parts[0].toLowerCase(Locale.ROOT));
                String[] arch = normalizeArch(parts[1].toLowerCase(Locale.ROOT), parts.length == 3 ? parts[2].toLowerCase(Locale.ROOT) : "");
                if (parts.length == 2 && arch[0].equals("arm") && "v7".equals(arch[1])) {
                    arch[1] = null; // containerd's default arm variant is not spelled out
                }
                return new ImageService.Platform(os, arch[0], arch[1]);
            }
            default -> throw new InvalidPlatformException(GoText.quote(spec) + ": cannot parse platform specifier: invalid argument");
        }
    }

    /** An architecture's canonical name ({@code x86_64} is {@code amd64}, {@code aarch64} is {@code arm64}). */
    public static String architecture(String arch) {
        return normalizeArch(arch, "")[0];
    }

    private static String normalizeOs(String os) {
        return os.equals("macos") ? "darwin" : os;
    }

    /** containerd's normalizeArch: the architecture and its variant (null when it has none). */
    private static String[] normalizeArch(String arch, String variant) {
        String v = variant.isEmpty() ? null : variant;
        return switch (arch) {
            case "i386" -> new String[] {"386", null};
            case "x86_64", "x86-64", "amd64" -> new String[] {"amd64", v == null || v.equals("v1") ? null : v};
            case "aarch64", "arm64" -> new String[] {"arm64", v == null || v.equals("8") || v.equals("v8") ? null : v};
            case "armhf" -> new String[] {"arm", "v7"};
            case "armel" -> new String[] {"arm", "v6"};
            case "arm" -> new String[] {"arm", switch (v == null ? "" : v) {
                case "", "7" -> "v7";
                case "5", "6", "8" -> "v" + v;
                default -> v;
            }};
            default -> new String[] {arch, v};
        };
    }

}
