package dev.berth.tests.security;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A throwaway system user with subordinate ID ranges of its own, for {@code --userns-remap} tests:
 * created with useradd, its lines appended to /etc/subuid and /etc/subgid; {@link #remove()} deletes the
 * user and exactly those lines, nothing else in the files.
 */
final class RemapUser {
    static final long SIZE = 65_536;
    private static final Path SUBUID = Path.of("/etc/subuid");
    private static final Path SUBGID = Path.of("/etc/subgid");

    final String name;
    /** The host UID (and GID) of the container's root. */
    final long start;
    private boolean removed;

    private RemapUser(String name, long start) {
        this.name = name;
        this.start = start;
    }

    /** Creates the user; on failure nothing is left behind. */
    static RemapUser create() {
        String name = "bitns" + UUID.randomUUID().toString().substring(0, 8);
        run("useradd", "-r", "-M", "-s", "/bin/false", name);
        RemapUser u = null;
        try {
            long start = Math.max(2_000_000, Math.max(end(SUBUID), end(SUBGID)));
            start = (start + SIZE - 1) / SIZE * SIZE;
            u = new RemapUser(name, start);
            Runtime.getRuntime().addShutdownHook(new Thread(u::remove));
            appendLine(SUBUID, name + ":" + start + ":" + SIZE);
            appendLine(SUBGID, name + ":" + start + ":" + SIZE);
            return u;
        } catch (IOException | RuntimeException e) {
            if (u != null) {
                u.remove();
            } else {
                run("userdel", name);
            }
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    /** Deletes the user and its lines; safe to call twice. */
    synchronized void remove() {
        if (removed) {
            return;
        }
        removed = true;
        BerthdFixture.run(List.of("userdel", name), null, Map.of());
        dropRanges(name);
    }

    /** Removes the subordinate ID lines of {@code user} from /etc/subuid and /etc/subgid. */
    static void dropRanges(String user) {
        try {
            dropLines(SUBUID, user);
            dropLines(SUBGID, user);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether /etc/subuid or /etc/subgid has a line for {@code user}. */
    static boolean hasRanges(String user) {
        try {
            return Files.readAllLines(SUBUID).stream().anyMatch(l -> l.startsWith(user + ":"))
                    || Files.readAllLines(SUBGID).stream().anyMatch(l -> l.startsWith(user + ":"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The start of the first /etc/subuid range of {@code user}. */
    static long firstSubuid(String user) throws IOException {
        return Files.readAllLines(SUBUID).stream().filter(l -> l.startsWith(user + ":"))
                .mapToLong(l -> Long.parseLong(l.split(":")[1])).min().orElseThrow();
    }

    private static long end(Path f) throws IOException {
        long max = 0;
        for (String line : Files.readAllLines(f)) {
            String[] p = line.split(":");
            if (p.length == 3) {
                try {
                    max = Math.max(max, Long.parseLong(p[1].trim()) + Long.parseLong(p[2].trim()));
                } catch (NumberFormatException ignored) {
                    // not a range
                }
            }
        }
        return max;
    }

    private static synchronized void appendLine(Path f, String line) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(f));
        lines.add(line);
        rewrite(f, lines);
    }

    private static synchronized void dropLines(Path f, String user) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(f));
        if (lines.removeIf(l -> l.startsWith(user + ":"))) {
            rewrite(f, lines);
        }
    }

    /** Temp file and rename, keeping the file's mode: a reader never sees half a file. */
    private static void rewrite(Path f, List<String> lines) throws IOException {
        Path tmp = f.resolveSibling("." + f.getFileName() + ".bit-" + UUID.randomUUID().toString().substring(0, 8));
        Files.write(tmp, lines);
        Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(f));
        Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void run(String... cmd) {
        CommandResult r = BerthdFixture.run(List.of(cmd), null, Map.of());
        if (r.exitCode() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + r);
        }
    }
}
