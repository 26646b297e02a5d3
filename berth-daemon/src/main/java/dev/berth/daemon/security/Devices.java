package dev.berth.daemon.security;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.daemon.api.ApiException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Host devices given to a container ({@code --device}) and extra device cgroup rules
 * ({@code --device-cgroup-rule}), read from {@code HostConfig.Devices} and {@code HostConfig.DeviceCgroupRules}.
 */
public final class Devices {
    private static final Pattern RULE = Pattern.compile("^([acb]) ([0-9]+|\\*):([0-9]+|\\*) ([rwm]{1,3})$");
    private static final Pattern PERMS = Pattern.compile("^[rwm]{1,3}$");

    /** A device node as the OCI spec's {@code linux.devices} lists it ({@code path} inside the container). */
    public record Node(String path, String type, long major, long minor, int fileMode, int uid, int gid) {}

    /** One device cgroup rule; {@code major}/{@code minor} -1 mean any. */
    public record Rule(boolean allow, String type, long major, long minor, String access) {}

    /** A mapped device: the node to create and the rule that lets the container use it. */
    public record Mapping(Node node, Rule rule) {}

    private Devices() {}

    /** The mappings of {@code HostConfig.Devices}; 400 when a host path is not a device or the permissions are bad. */
    public static List<Mapping> mappings(JsonNode devices) {
        List<Mapping> out = new ArrayList<>();
        for (JsonNode d : devices) {
            String host = d.path("PathOnHost").asText("");
            String inside = d.path("PathInContainer").asText("");
            String perms = d.path("CgroupPermissions").asText("");
            if (perms.isEmpty()) {
                perms = "rwm";
            }
            if (!PERMS.matcher(perms).matches()) {
                throw ApiException.badRequest("invalid device mode: " + perms);
            }
            if (host.isEmpty() || !host.startsWith("/")) {
                throw ApiException.badRequest("invalid device path on host: \"" + host + "\": must be absolute");
            }
            if (inside.isEmpty()) {
                inside = host;
            }
            if (!inside.startsWith("/")) {
                throw ApiException.badRequest("invalid device path in container: \"" + inside + "\": must be absolute");
            }
            out.addAll(mapping(Path.of(host), inside, perms));
        }
        return out;
    }

    private static List<Mapping> mapping(Path host, String inside, String perms) {
        Path real;
        try {
            real = host.toRealPath(); // /dev/disk/by-id/… links: the node is what counts
        } catch (IOException e) {
            throw ApiException.badRequest("error gathering device information while adding custom device \""
                    + host + "\": no such file or directory");
        }
        if (Files.isDirectory(real)) {
            // A directory gives every device below it, at the same place under the container path.
            List<Mapping> out = new ArrayList<>();
            try (var walk = Files.walk(real)) {
                for (Path p : walk.toList()) {
                    Node n = stat(p, inside + "/" + real.relativize(p));
                    if (n != null) {
                        out.add(new Mapping(n, new Rule(true, n.type(), n.major(), n.minor(), perms)));
                    }
                }
            } catch (IOException e) {
                throw ApiException.badRequest("error gathering device information while adding custom device \""
                        + host + "\": " + e.getMessage());
            }
            return out;
        }
        Node n = stat(real, inside);
        if (n == null) {
            throw ApiException.badRequest("error gathering device information while adding custom device \""
                    + host + "\": not a device node");
        }
        return List.of(new Mapping(n, new Rule(true, n.type(), n.major(), n.minor(), perms)));
    }

    /** The node at {@code p} as it will appear at {@code inside}, or null when {@code p} is not a device. */
    public static Node stat(Path p, String inside) {
        try {
            if (Files.isSymbolicLink(p)) {
                return null;
            }
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            int fmt = mode & 0170000;
            String type = fmt == 0020000 ? "c" : fmt == 0060000 ? "b" : null;
            if (type == null) {
                return null;
            }
            long rdev = (Long) Files.getAttribute(p, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
            long major = ((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~0xfffL);
            long minor = (rdev & 0xff) | ((rdev >> 12) & ~0xffL);
            return new Node(inside, type, major, minor, mode & 07777,
                    (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS),
                    (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS));
        } catch (IOException | RuntimeException e) {
            return null; // vanished or unreadable: not a device we can hand out
        }
    }

    /** {@code HostConfig.DeviceCgroupRules} ({@code c 1:3 rwm}, {@code b *:* m}); 400 on a malformed rule. */
    public static List<Rule> cgroupRules(JsonNode rules) {
        List<Rule> out = new ArrayList<>();
        for (JsonNode r : rules) {
            String text = r.asText("");
            Matcher m = RULE.matcher(text);
            if (!m.matches()) {
                throw ApiException.badRequest("invalid device cgroup rule format: '" + text + "'");
            }
            out.add(new Rule(true, m.group(1), number(m.group(2)), number(m.group(3)), m.group(4)));
        }
        return out;
    }

    private static long number(String s) {
        try {
            return s.equals("*") ? -1 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid device cgroup rule: device number " + s + " out of range");
        }
    }
}
