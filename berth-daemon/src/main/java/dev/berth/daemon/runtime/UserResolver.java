package dev.berth.daemon.runtime;

import dev.berth.daemon.api.ApiException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns Docker's {@code --user} forms ({@code name}, {@code uid}, {@code name:group}, {@code uid:gid})
 * into numeric IDs using the container's own /etc/passwd and /etc/group, as runc's user lookup does.
 */
public final class UserResolver {
    /** A numeric user with its primary and supplementary groups. */
    public record User(int uid, int gid, List<Integer> additionalGids) {
        public static final User ROOT = new User(0, 0, List.of());
    }

    private UserResolver() {}

    public static User resolve(Path rootfs, String spec) {
        if (spec == null || spec.isEmpty()) {
            spec = "0";
        }
        String userPart = spec;
        String groupPart = null;
        int colon = spec.indexOf(':');
        if (colon >= 0) {
            userPart = spec.substring(0, colon);
            groupPart = spec.substring(colon + 1);
        }
        List<String[]> passwd = readDb(rootfs, "etc/passwd");
        List<String[]> groups = readDb(rootfs, "etc/group");
        Integer uid = null;
        int gid = 0;
        String userName = null;
        for (String[] p : passwd) {
            if (p.length < 4) {
                continue;
            }
            if (p[0].equals(userPart) || isNumber(userPart) && p[2].equals(userPart)) {
                uid = parse(p[2]);
                gid = parse(p[3]);
                userName = p[0];
                break;
            }
        }
        if (uid == null) {
            if (!isNumber(userPart)) {
                throw new ApiException(400, "unable to find user " + userPart + ": no matching entries in passwd file");
            }
            uid = parse(userPart);
        }
        List<Integer> extra = new ArrayList<>();
        if (groupPart != null && !groupPart.isEmpty()) {
            Integer g = null;
            for (String[] gr : groups) {
                if (gr.length >= 3 && (gr[0].equals(groupPart) || isNumber(groupPart) && gr[2].equals(groupPart))) {
                    g = parse(gr[2]);
                    break;
                }
            }
            if (g == null) {
                if (!isNumber(groupPart)) {
                    throw new ApiException(400, "unable to find group " + groupPart + ": no matching entries in group file");
                }
                g = parse(groupPart);
            }
            gid = g;
        } else if (userName != null) {
            // Supplementary groups only come from the group file when no group was named.
            for (String[] gr : groups) {
                if (gr.length >= 4 && !gr[3].isEmpty()) {
                    for (String member : gr[3].split(",")) {
                        if (member.trim().equals(userName)) {
                            int g = parse(gr[2]);
                            if (g != gid && !extra.contains(g)) {
                                extra.add(g);
                            }
                        }
                    }
                }
            }
        }
        // As containerd does for Docker: the primary group is also a supplementary group.
        if (!extra.contains(gid)) {
            extra.addFirst(gid);
        }
        return new User(uid, gid, List.copyOf(extra));
    }

    /** Adds {@code --group-add} groups (names from the container's /etc/group, or numbers). */
    public static User withGroups(Path rootfs, User user, List<String> groupAdd) {
        if (groupAdd == null || groupAdd.isEmpty()) {
            return user;
        }
        List<String[]> groups = readDb(rootfs, "etc/group");
        List<Integer> extra = new ArrayList<>(user.additionalGids());
        for (String g : groupAdd) {
            Integer gid = null;
            for (String[] gr : groups) {
                if (gr.length >= 3 && gr[0].equals(g)) {
                    gid = parse(gr[2]);
                }
            }
            if (gid == null) {
                if (!isNumber(g)) {
                    throw new ApiException(400, "Unable to find group " + g + ": no matching entries in group file");
                }
                gid = parse(g);
            }
            if (!extra.contains(gid)) {
                extra.add(gid);
            }
        }
        return new User(user.uid(), user.gid(), List.copyOf(extra));
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit) && s.length() < 10;
    }

    private static int parse(String s) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Reads a colon database; a symlinked or missing file counts as empty (the image is untrusted). */
    private static List<String[]> readDb(Path rootfs, String rel) {
        List<String[]> out = new ArrayList<>();
        Path p = rootfs;
        for (Path part : Path.of(rel)) {
            p = p.resolve(part.toString());
            if (Files.isSymbolicLink(p)) {
                return out;
            }
        }
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        try {
            for (String line : Files.readAllLines(p, java.nio.charset.StandardCharsets.ISO_8859_1)) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    out.add(line.split(":", -1));
                }
            }
        } catch (IOException e) {
            // unreadable: as if absent
        }
        return out;
    }
}
