package dev.berth.daemon.build;

import dev.berth.dockerfile.ContextFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Files a build step reads, as a read-only tree whose paths never follow a symlink: directories
 * stacked as overlay stacks them ({@link Dirs}: an image's layers, a stage) or the build context
 * as its tar described it ({@link ContextIndex}).
 */
abstract sealed class FileView implements ContextFiles.Tree permits FileView.Dirs, ContextIndex {
    static FileView ofImageLayers(List<Path> bottomFirst) {
        return new Dirs(bottomFirst.reversed());
    }

    static final FileView EMPTY = new Dirs(List.of());

    /** The directories, upper first (the context's are written out first when it is only indexed). */
    abstract List<Path> layers() throws IOException;

    /**
     * One entry: {@code host} is where its bytes are (for an indexed context, where they will be once
     * written out), {@code mode} the permission bits with setuid/setgid/sticky, {@code link} a symlink's
     * target, {@code digest} the content's sha256 when already known.
     */
    record Entry(Path host, ContextFiles.Kind kind, int mode, long size, long mtimeMillis, String link, String digest) {
        boolean isDirectory() {
            return kind == ContextFiles.Kind.DIR;
        }

        boolean isRegularFile() {
            return kind == ContextFiles.Kind.FILE;
        }

        boolean isSymbolicLink() {
            return kind == ContextFiles.Kind.SYMLINK;
        }
    }

    /** The entry at a relative path ("." or "" is the root), or null. */
    abstract Entry entry(String rel);

    /** A regular file's contents; {@code e} is {@link #entry}'s answer for {@code rel}. */
    java.io.InputStream open(String rel, Entry e) throws IOException {
        return Files.newInputStream(e.host(), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * An absolute path as the image's own symlinks lead it, kept inside the root as
     * {@code openat2(RESOLVE_IN_ROOT)} would: every existing symlink component is followed
     * (absolute targets from the root, {@code ..} stopping at the root); missing components are
     * kept as written. Returns a relative path ("" for the root).
     */
    String resolve(String abs) throws IOException {
        java.util.Deque<String> todo = new java.util.ArrayDeque<>(parts(abs));
        List<String> done = new ArrayList<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String c = todo.removeFirst();
            if (c.equals("..")) {
                if (!done.isEmpty()) {
                    done.removeLast();
                }
                continue;
            }
            done.add(c);
            Entry e = entry(String.join("/", done));
            if (e != null && e.isSymbolicLink()) {
                if (++links > 40) {
                    throw new IOException("too many levels of symbolic links in " + abs);
                }
                String target = e.link();
                done.removeLast();
                if (target.startsWith("/")) {
                    done.clear();
                }
                List<String> t = new ArrayList<>();
                for (String s : target.split("/")) {
                    if (!s.isEmpty() && !s.equals(".")) {
                        t.add(s);
                    }
                }
                for (int i = t.size() - 1; i >= 0; i--) {
                    todo.addFirst(t.get(i));
                }
            }
        }
        return String.join("/", done);
    }

    @Override
    public ContextFiles.Kind kind(String path) {
        Entry e = entry(path);
        return e == null ? null : e.kind();
    }

    /**
     * Directories stacked as overlay stacks them: the topmost entry wins, whiteouts (0/0 character
     * devices) hide what is below. An entry whose parent in some layer is not a real directory does
     * not exist in that layer, so a hostile link cannot point the build at host files.
     */
    static final class Dirs extends FileView {
        private final List<Path> topFirst;

        /** @param topFirst the directories, upper first */
        Dirs(List<Path> topFirst) {
            this.topFirst = List.copyOf(topFirst);
        }

        @Override
        List<Path> layers() {
            return topFirst;
        }

        @Override
        Entry entry(String rel) {
            List<String> parts = parts(rel);
            for (Path layer : topFirst) {
                Path p = layer;
                boolean hidden = false;
                boolean absent = false;
                for (int i = 0; i < parts.size(); i++) {
                    p = p.resolve(parts.get(i));
                    PosixFileAttributes a = lstat(p);
                    if (a == null) {
                        absent = true;
                        break;
                    }
                    if (isWhiteout(a)) {
                        hidden = true;
                        break;
                    }
                    if (i < parts.size() - 1 && !a.isDirectory()) {
                        hidden = !a.isSymbolicLink(); // a file over the path hides the rest; a link we do not follow
                        absent = true;
                        break;
                    }
                    if (i == parts.size() - 1) {
                        return toEntry(p, a);
                    }
                }
                if (parts.isEmpty()) {
                    PosixFileAttributes a = lstat(p);
                    if (a != null) {
                        return toEntry(p, a);
                    }
                }
                if (hidden) {
                    return null;
                }
                if (!absent) {
                    return null;
                }
            }
            return null;
        }

        private static Entry toEntry(Path p, PosixFileAttributes a) {
            ContextFiles.Kind kind = a.isSymbolicLink() ? ContextFiles.Kind.SYMLINK : a.isDirectory() ? ContextFiles.Kind.DIR
                    : a.isRegularFile() ? ContextFiles.Kind.FILE : ContextFiles.Kind.OTHER;
            try {
                int mode = ((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS)) & 07777;
                String link = kind == ContextFiles.Kind.SYMLINK ? Files.readSymbolicLink(p).toString() : null;
                return new Entry(p, kind, mode, a.size(), a.lastModifiedTime().toMillis(), link, null);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public List<String> list(String dir) {
            List<String> parts = parts(dir);
            Set<String> names = new LinkedHashSet<>();
            Set<String> hidden = new java.util.HashSet<>();
            for (Path layer : topFirst) {
                Path p = layer;
                boolean ok = true;
                for (String s : parts) {
                    p = p.resolve(s);
                    PosixFileAttributes a = lstat(p);
                    if (a == null || !a.isDirectory()) {
                        ok = false;
                        break;
                    }
                }
                if (!ok) {
                    continue;
                }
                try (var s = Files.list(p)) {
                    for (Path c : (Iterable<Path>) s::iterator) {
                        String n = c.getFileName().toString();
                        PosixFileAttributes a = lstat(c);
                        if (a != null && isWhiteout(a)) {
                            hidden.add(n);
                        } else if (!hidden.contains(n)) {
                            names.add(n);
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return ContextFiles.sorted(new ArrayList<>(names));
        }

        private static boolean isWhiteout(PosixFileAttributes a) {
            // overlay whiteouts are 0/0 character devices; other devices in a layer are rare enough to treat alike
            return a.isOther() && !a.isDirectory() && !a.isRegularFile() && !a.isSymbolicLink() && a.size() == 0;
        }
    }

    static PosixFileAttributes lstat(Path p) {
        try {
            return Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException | java.nio.file.NotDirectoryException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> parts(String rel) {
        List<String> out = new ArrayList<>();
        for (String s : rel.split("/")) {
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                if (!out.isEmpty()) {
                    out.removeLast();
                }
                continue;
            }
            out.add(s);
        }
        return out;
    }
}
