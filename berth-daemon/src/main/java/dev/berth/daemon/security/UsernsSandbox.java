package dev.berth.daemon.security;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.oci.IdMap;
import dev.berth.sys.Libc;
import dev.berth.sys.Netns;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Network namespaces for containers in a user namespace. berthd makes a container's network namespace
 * before the runtime starts it; one made by berthd itself would belong to the host's user namespace, and
 * the container's root could then neither mount {@code /sys} nor could {@code runc exec} join it from
 * inside the container's user namespace. So the two are made together, the network namespace owned by the
 * user namespace (what the runtime would have done), each pinned on a file: the network one where berthd's
 * network service expects it, the user one beside it in {@code <exec-root>/userns/<id>}, which the spec then
 * joins ({@link #ownerOf}).
 */
public final class UsernsSandbox implements dev.berth.daemon.network.NetworkService.Namespaces {
    private static final Pattern PROC_NETNS = Pattern.compile("/proc/(\\d+)/ns/net");

    private final UsernsRemap remap;

    public UsernsSandbox(UsernsRemap remap) {
        this.remap = remap;
    }

    /**
     * Makes the network namespace of a container on {@code netnsFile}: inside a new user namespace with the
     * remapping's map, unless the container runs with {@code --userns=host}.
     */
    @Override
    public void create(JsonNode hostConfig, Path netnsFile) throws IOException {
        IdMap ids = remap.forContainer(hostConfig);
        if (ids == null) {
            Netns.create(netnsFile);
            return;
        }
        Path userFile = userFile(netnsFile);
        Files.createDirectories(userFile.getParent());
        for (Path f : new Path[] {netnsFile, userFile}) {
            unpin(f);
            Files.createFile(f);
        }
        // A JVM has threads, and a threaded process cannot unshare a user namespace: a child does it.
        Process p = new ProcessBuilder("unshare", "--user", "--net", "--", "sh", "-c", "echo ready; exec cat")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (var out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII))) {
            if (!"ready".equals(out.readLine())) {
                throw new IOException("unshare --user --net did not start");
            }
            String pid = Long.toString(p.pid());
            Files.writeString(Path.of("/proc", pid, "uid_map"), mapLines(ids.uids()));
            Files.writeString(Path.of("/proc", pid, "gid_map"), mapLines(ids.gids()));
            Libc.mount("/proc/" + pid + "/ns/user", userFile.toString(), null, Libc.MS_BIND, null);
            Libc.mount("/proc/" + pid + "/ns/net", netnsFile.toString(), null, Libc.MS_BIND, null);
        } catch (IOException | RuntimeException e) {
            unpin(userFile);
            unpin(netnsFile);
            throw e;
        } finally {
            p.getOutputStream().close(); // cat ends; the pins keep the namespaces
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Unpins a network namespace made by {@link #create} and the user namespace that owns it. */
    @Override
    public void delete(Path netnsFile) throws IOException {
        Netns.delete(netnsFile);
        unpin(userFile(netnsFile));
    }

    /**
     * Unpins user namespaces whose network namespace is gone (a crash between the two unpins); run after
     * the network service dropped the network namespaces of containers that no longer run.
     */
    public static void sweep(Path netnsDir) throws IOException {
        Path users = userFile(netnsDir.resolve("x")).getParent();
        if (!Files.isDirectory(users)) {
            return;
        }
        try (var s = Files.list(users)) {
            for (Path f : s.toList()) {
                if (!Files.exists(netnsDir.resolve(f.getFileName().toString()))) {
                    unpin(f);
                }
            }
        }
    }

    private static void unpin(Path f) throws IOException {
        Netns.delete(f); // the same for any pinned namespace: detach the bind mount, remove the file
    }

    private static String mapLines(java.util.List<IdMap.Range> ranges) {
        StringBuilder b = new StringBuilder();
        for (IdMap.Range r : ranges) {
            b.append(r.containerId()).append(' ').append(r.hostId()).append(' ').append(r.size()).append('\n');
        }
        return b.toString();
    }

    private static Path userFile(Path netnsFile) {
        return netnsFile.getParent().resolveSibling("userns").resolve(netnsFile.getFileName());
    }

    /**
     * The user namespace a container must join to use the network namespace {@code netns} (a path of the
     * spec): the one pinned beside a namespace {@link #create} made, that of the process for
     * {@code /proc/<pid>/ns/net}, or null when {@code netns} is not a path or has no such owner.
     */
    public static String ownerOf(String netns) {
        if (netns == null || !netns.startsWith("/")) {
            return null;
        }
        var m = PROC_NETNS.matcher(netns);
        if (m.matches()) {
            String user = "/proc/" + m.group(1) + "/ns/user";
            try {
                // a process in the host's user namespace (--userns=host): nothing to join
                return Files.readSymbolicLink(Path.of(user)).equals(Files.readSymbolicLink(Path.of("/proc/self/ns/user")))
                        ? null : user;
            } catch (IOException gone) {
                return null;
            }
        }
        Path user = userFile(Path.of(netns));
        return Files.exists(user) ? user.toString() : null;
    }
}
