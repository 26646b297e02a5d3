package dev.berth.daemon.containers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a container changed, read from its overlay upper directory: whiteouts (0/0 character
 * devices) are deletions, paths also present in a lower layer are modifications, the rest are
 * additions. The mount points the runtime makes are left out, as Docker keeps them in an init layer.
 */
final class Changes {
    /** Docker's kinds: 0 modified, 1 added, 2 deleted. */
    record Change(String path, int kind) {}

    private static final List<String> RUNTIME_PATHS = List.of("/etc/hosts", "/etc/hostname", "/etc/resolv.conf",
            "/dev", "/proc", "/sys", "/.dockerenv");

    private Changes() {}

    static List<Change> of(Path upper, List<Path> lowerTopFirst) throws IOException {
        Map<String, Integer> found = new TreeMap<>();
        if (!Files.isDirectory(upper)) {
            return List.of();
        }
        try (var walk = Files.walk(upper)) {
            for (Path p : walk.toList()) {
                if (p.equals(upper)) {
                    continue;
                }
                String rel = "/" + upper.relativize(p).toString();
                if (isRuntimePath(rel)) {
                    continue;
                }
                if (isWhiteout(p)) {
                    found.put(rel, 2);
                } else {
                    boolean inLower = lowerTopFirst.stream().anyMatch(l -> Files.exists(l.resolve(rel.substring(1)), LinkOption.NOFOLLOW_LINKS));
                    found.put(rel, inLower ? 0 : 1);
                }
            }
        }
        List<Change> out = new ArrayList<>();
        for (var e : found.entrySet()) {
            String path = e.getKey();
            // an unchanged directory appears in the upper dir only because something below it changed;
            // if all of that was the runtime's, it is not a change
            if (e.getValue() == 0 && Files.isDirectory(upper.resolve(path.substring(1)), LinkOption.NOFOLLOW_LINKS)
                    && found.keySet().stream().noneMatch(k -> k.startsWith(path + "/"))) {
                continue;
            }
            out.add(new Change(path, e.getValue()));
        }
        return out;
    }

    static boolean isRuntimePath(String rel) {
        for (String r : RUNTIME_PATHS) {
            if (rel.equals(r) || rel.startsWith(r + "/")) {
                return true;
            }
        }
        return false;
    }

    private static boolean isWhiteout(Path p) throws IOException {
        if (Files.isSymbolicLink(p)) {
            return false;
        }
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & 0170000) != 0020000) {
            return false;
        }
        return (Long) Files.getAttribute(p, "unix:rdev", LinkOption.NOFOLLOW_LINKS) == 0L;
    }
}
