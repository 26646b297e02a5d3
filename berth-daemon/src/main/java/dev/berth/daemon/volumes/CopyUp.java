package dev.berth.daemon.volumes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Docker's copy-up: a volume that is still empty when first mounted over a directory with content
 * in the image is filled with that content, owners, modes, timestamps and xattrs included.
 */
final class CopyUp {
    private static final int MAX_LINKS = 255;

    private CopyUp() {}

    /**
     * Copies {@code rootfs}'s content at {@code destination} into {@code volume} when the volume is
     * empty and the image has a non-empty directory there. Returns whether anything was copied.
     */
    static boolean fill(Path rootfs, String destination, Path volume) throws IOException {
        Path src = resolveInRoot(rootfs, destination);
        if (src == null || !Files.isDirectory(src, LinkOption.NOFOLLOW_LINKS) || isEmpty(src) || !isEmpty(volume)) {
            return false;
        }
        // GNU cp -a keeps owners, modes, times, hard links, special files and xattrs, and copies
        // the attributes of "src/." onto the volume's root as Docker does.
        Process p = new ProcessBuilder("cp", "-a", src + "/.", volume + "/")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) {
                throw new IOException("copying image content at " + destination + " into the volume failed: " + out.trim());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while copying into a volume", e);
        }
        return true;
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    /**
     * {@code path} inside {@code root} with every symlink resolved as if {@code root} were "/":
     * a link in the image can never lead outside the container's root filesystem. Null when a
     * component does not exist.
     */
    static Path resolveInRoot(Path root, String path) throws IOException {
        Deque<String> todo = new ArrayDeque<>(parts(path));
        Deque<String> done = new ArrayDeque<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String part = todo.pollFirst();
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                done.pollLast();
                continue;
            }
            Path cur = join(root, done).resolve(part);
            if (Files.isSymbolicLink(cur)) {
                if (++links > MAX_LINKS) {
                    throw new IOException("too many levels of symbolic links at " + path);
                }
                String target = Files.readSymbolicLink(cur).toString();
                if (target.startsWith("/")) {
                    done.clear();
                }
                List<String> t = parts(target);
                for (int i = t.size() - 1; i >= 0; i--) {
                    todo.addFirst(t.get(i));
                }
                continue;
            }
            if (!Files.exists(cur, LinkOption.NOFOLLOW_LINKS)) {
                return null;
            }
            done.addLast(part);
        }
        return join(root, done);
    }

    private static List<String> parts(String p) {
        return List.of(p.split("/"));
    }

    private static Path join(Path root, Deque<String> parts) {
        Path p = root;
        for (String s : parts) {
            p = p.resolve(s);
        }
        return p;
    }
}
