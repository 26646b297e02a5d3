package dev.berth.daemon.security;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.daemon.api.ApiException;
import dev.berth.oci.IdMap;
import dev.berth.sys.Libc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;

/**
 * dockerd's {@code --userns-remap}: container root is the first ID of a user's subordinate ranges
 * ({@code /etc/subuid}, {@code /etc/subgid}), every container gets a user namespace unless it asks
 * for {@code --userns=host}, and the daemon keeps its state for this mapping under
 * {@code <data-root>/<uid>.<gid>/}.
 *
 * @param user  the remapped user's name ({@code dockremap} for {@code default})
 * @param group the group whose subordinate GID ranges are used
 * @param ids   the namespace's map: container IDs 0.. onto the ranges, in ascending host order
 */
public record UsernsRemap(String user, String group, IdMap ids) {
    private static final Logger LOG = Logger.getLogger(UsernsRemap.class.getName());

    /** The user {@code default} names, created when missing, as dockerd does. */
    public static final String DEFAULT_USER = "dockremap";
    /** dockerd's choice of ranges for the user it creates: 65536 IDs, the first free block from 100000. */
    static final long DEFAULT_START = 100_000;
    static final long DEFAULT_SIZE = 65_536;

    /** Where the account files live; {@link #HOST} is the machine's. */
    record AccountFiles(Path passwd, Path group, Path subuid, Path subgid) {}

    static final AccountFiles HOST = new AccountFiles(Path.of("/etc/passwd"), Path.of("/etc/group"), Path.of("/etc/subuid"),
            Path.of("/etc/subgid"));

    /**
     * The remapping {@code --userns-remap} or daemon.json's {@code userns-remap} asks for, or null when neither
     * does; an unknown user, {@code root} or missing ranges are startup errors.
     */
    public static UsernsRemap resolve(JsonNode file, String flag, List<String> conflicts) {
        String spec = flag;
        if (file.has("userns-remap")) {
            if (flag != null) {
                conflicts.add("userns-remap");
            }
            spec = file.get("userns-remap").asText();
        }
        if (spec == null || spec.isBlank()) {
            return null;
        }
        if (spec.trim().equals("default")) {
            ensureDefaultUser(HOST);
        }
        return parse(spec.trim(), HOST);
    }

    /** {@code default}, {@code user}, {@code user:group}, {@code uid} or {@code uid:gid}, looked up in {@code etc}. */
    static UsernsRemap parse(String spec, AccountFiles etc) {
        String[] parts = spec.split(":", -1);
        if (parts.length > 2 || parts[0].isEmpty() || (parts.length == 2 && parts[1].isEmpty())) {
            throw new IllegalArgumentException("invalid --userns-remap " + quote(spec) + ": expected user[:group] or uid[:gid]");
        }
        String userPart = parts[0].equals("default") ? DEFAULT_USER : parts[0];
        List<String[]> passwd = entries(etc.passwd());
        String[] pw = userPart.chars().allMatch(Character::isDigit)
                ? find(passwd, 2, userPart, "UID " + userPart + " has no entry in " + etc.passwd())
                : find(passwd, 0, userPart, "user " + quote(userPart) + " not found in " + etc.passwd());
        String user = pw[0];
        if (user.equals("root") || pw[2].equals("0")) {
            throw new IllegalArgumentException("invalid --userns-remap " + quote(spec)
                    + ": root cannot be the remapped root (that is no remapping at all)");
        }
        String groupName = user;
        String gid = null;
        if (parts.length == 2) {
            List<String[]> groups = entries(etc.group());
            String[] gr = parts[1].chars().allMatch(Character::isDigit)
                    ? find(groups, 2, parts[1], "GID " + parts[1] + " has no entry in " + etc.group())
                    : find(groups, 0, parts[1], "group " + quote(parts[1]) + " not found in " + etc.group());
            groupName = gr[0];
            gid = gr[2];
        } else {
            for (String[] g : entries(etc.group())) {
                if (g[0].equals(user)) {
                    gid = g[2];
                }
            }
        }
        List<long[]> subUids = ranges(etc.subuid(), user, pw[2]);
        List<long[]> subGids = ranges(etc.subgid(), groupName, gid);
        if (subUids.isEmpty()) {
            throw new IllegalArgumentException("no subordinate UID ranges for user " + quote(user) + " in " + etc.subuid()
                    + " (add a line such as " + user + ":" + DEFAULT_START + ":" + DEFAULT_SIZE + ")");
        }
        if (subGids.isEmpty()) {
            throw new IllegalArgumentException("no subordinate GID ranges for group " + quote(groupName) + " in " + etc.subgid()
                    + " (add a line such as " + groupName + ":" + DEFAULT_START + ":" + DEFAULT_SIZE + ")");
        }
        return new UsernsRemap(user, groupName, IdMap.fromSubordinate(subUids, subGids));
    }

    /** Creates {@code dockremap} and its ranges when missing (dockerd's {@code useradd} and {@code usermod -v -w}). */
    static void ensureDefaultUser(AccountFiles etc) {
        try {
            boolean exists = entries(etc.passwd()).stream().anyMatch(e -> e[0].equals(DEFAULT_USER));
            if (!exists) {
                run("useradd", "-r", "-s", "/bin/false", DEFAULT_USER);
                LOG.info("created user " + DEFAULT_USER + " for --userns-remap=default");
            }
            String uid = find(entries(etc.passwd()), 0, DEFAULT_USER, "user " + DEFAULT_USER + " was not created")[2];
            if (ranges(etc.subuid(), DEFAULT_USER, uid).isEmpty() || ranges(etc.subgid(), DEFAULT_USER, null).isEmpty()) {
                long start = freeStart(etc);
                String range = start + "-" + (start + DEFAULT_SIZE - 1);
                if (ranges(etc.subuid(), DEFAULT_USER, uid).isEmpty()) {
                    run("usermod", "-v", range, DEFAULT_USER);
                }
                if (ranges(etc.subgid(), DEFAULT_USER, null).isEmpty()) {
                    run("usermod", "-w", range, DEFAULT_USER);
                }
                LOG.info("gave " + DEFAULT_USER + " the subordinate IDs " + range);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot set up user " + DEFAULT_USER + " for --userns-remap=default: "
                    + e.getMessage(), e);
        }
    }

    /** The first block of {@link #DEFAULT_SIZE} IDs from {@link #DEFAULT_START} that no line of either file uses. */
    static long freeStart(AccountFiles etc) {
        List<long[]> used = new ArrayList<>();
        for (Path f : List.of(etc.subuid(), etc.subgid())) {
            for (String[] e : entries(f)) {
                long[] r = range(e);
                if (r != null) {
                    used.add(r);
                }
            }
        }
        long start = DEFAULT_START;
        boolean moved = true;
        while (moved) {
            moved = false;
            for (long[] r : used) {
                if (start < r[0] + r[1] && r[0] < start + DEFAULT_SIZE) {
                    start = r[0] + r[1];
                    moved = true;
                }
            }
        }
        return start;
    }

    private static void run(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        try {
            if (p.waitFor() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", cmd), e);
        }
    }

    /** The {start, count} ranges of {@code name} (or of its numeric ID) in a subordinate ID file. */
    static List<long[]> ranges(Path file, String name, String numericId) {
        List<long[]> out = new ArrayList<>();
        for (String[] e : entries(file)) {
            if (e[0].equals(name) || e[0].equals(numericId)) {
                long[] r = range(e);
                if (r != null) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    private static long[] range(String[] e) {
        if (e.length < 3) {
            return null;
        }
        try {
            long start = Long.parseLong(e[1].trim());
            long count = Long.parseLong(e[2].trim());
            return start >= 0 && count > 0 ? new long[] {start, count} : null;
        } catch (NumberFormatException bad) {
            return null;
        }
    }

    /** The colon-separated lines of an account file, comments and blank lines left out; none when it is missing. */
    private static List<String[]> entries(Path file) {
        List<String[]> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    out.add(line.split(":", -1));
                }
            }
        } catch (java.nio.file.NoSuchFileException missing) {
            return out;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static String[] find(List<String[]> entries, int field, String value, String notFound) {
        for (String[] e : entries) {
            if (e.length > 2 && e[field].equals(value)) {
                return e;
            }
        }
        throw new IllegalArgumentException("--userns-remap: " + notFound);
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }

    // ---- what the daemon does with it ----

    /** Where berthd keeps its state for this mapping: {@code <data-root>/<uid>.<gid>}, as dockerd. */
    public Path root(Path dataRoot) {
        return dataRoot.resolve(Integer.toUnsignedString(ids.rootUid()) + "." + Integer.toUnsignedString(ids.rootGid()));
    }

    /**
     * Makes the mapping's root: the data root searchable by everyone ({@code 0711}), the mapping's
     * directory {@code 0710} owned by root and the remapped root's group, so that the remapped root
     * can reach layers, container root file systems and volumes but not list them. A directory above
     * that the remapped root cannot search would only fail every container start, so it is a startup
     * error here, as in dockerd.
     */
    public void prepare(Path remappedRoot) throws IOException {
        Path dataRoot = remappedRoot.getParent();
        Files.createDirectories(dataRoot);
        Libc.chmod(dataRoot.toString(), 0711);
        Files.createDirectories(remappedRoot);
        Libc.lchown(remappedRoot.toString(), 0, ids.rootGid());
        Libc.chmod(remappedRoot.toString(), 0710);
        for (Path p = dataRoot.getParent(); p != null; p = p.getParent()) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
            if (!perms.contains(PosixFilePermission.OTHERS_EXECUTE)) {
                throw new IOException("the directory " + p + " above the data root " + dataRoot
                        + " does not let the remapped root (" + Integer.toUnsignedString(ids.rootUid())
                        + ") search it; allow it with chmod o+x");
            }
        }
    }

    /** Gives a directory the daemon made for container root (a writable layer, a volume) to the remapped root. */
    public void ownByRoot(Path dir) throws IOException {
        Libc.lchown(dir.toString(), ids.rootUid(), ids.rootGid());
    }

    /** Whether a container's HostConfig opts out with {@code --userns=host}. */
    public static boolean hostMode(JsonNode hostConfig) {
        return "host".equals(hostConfig.path("UsernsMode").asText(""));
    }

    /** The container's user namespace map, or null for {@code --userns=host}. */
    public IdMap forContainer(JsonNode hostConfig) {
        return hostMode(hostConfig) ? null : ids;
    }

    /** dockerd's refusals at create: what cannot work inside a user namespace unless the container opts out. */
    public static void check(JsonNode hostConfig) {
        if (hostMode(hostConfig)) {
            return;
        }
        String mode = hostConfig.path("UsernsMode").asText("");
        if (!mode.isEmpty()) {
            throw ApiException.badRequest("invalid USER mode: " + mode);
        }
        if (hostConfig.path("Privileged").asBoolean(false)) {
            throw ApiException.badRequest("privileged mode is incompatible with user namespaces.  You must run the container "
                    + "in the host namespace when running privileged mode");
        }
        if ("host".equals(hostConfig.path("NetworkMode").asText(""))) {
            throw ApiException.badRequest("cannot share the host's network namespace when user namespaces are enabled");
        }
        if ("host".equals(hostConfig.path("PidMode").asText(""))) {
            throw ApiException.badRequest("cannot share the host PID namespace when user namespaces are enabled");
        }
    }
}
