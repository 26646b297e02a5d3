package dev.berth.dockerfile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The files of a build context: which ones a .dockerignore leaves in (walked as the docker CLI
 * walks a context), and which ones a COPY/ADD source names, wildcards included (Go's
 * filepath.Match over paths relative to the context root). Paths are '/'-separated and relative.
 */
public final class ContextFiles {
    private ContextFiles() {}

    /** What a path is. */
    public enum Kind { FILE, DIR, SYMLINK, OTHER }

    /** A read-only view of a context tree: a directory on disk, or an index of a tar. */
    public interface Tree {
        /** The kind of the entry at a relative path ("." is the root), or null when there is none. Never follows symlinks. */
        Kind kind(String path);

        /** The names in a directory, sorted as Go sorts them (by UTF-8 bytes). */
        List<String> list(String dir);
    }

    /** A context directory on disk. */
    public static Tree of(Path root) {
        return new Tree() {
            @Override
            public Kind kind(String path) {
                try {
                    BasicFileAttributes a = Files.readAttributes(resolve(path), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    return a.isSymbolicLink() ? Kind.SYMLINK : a.isDirectory() ? Kind.DIR : a.isRegularFile() ? Kind.FILE : Kind.OTHER;
                } catch (NoSuchFileException e) {
                    return null;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public List<String> list(String dir) {
                try (Stream<Path> s = Files.list(resolve(dir))) {
                    return sorted(s.map(p -> p.getFileName().toString()).toList());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            private Path resolve(String rel) {
                return rel.equals(".") ? root : root.resolve(rel);
            }
        };
    }

    /** Names in Go's order (byte-wise UTF-8, which is code point order). */
    public static List<String> sorted(List<String> names) {
        List<String> out = new ArrayList<>(names);
        out.sort((a, b) -> {
            int i = 0;
            int j = 0;
            while (i < a.length() && j < b.length()) {
                int ca = a.codePointAt(i);
                int cb = b.codePointAt(j);
                if (ca != cb) {
                    return Integer.compare(ca, cb);
                }
                i += Character.charCount(ca);
                j += Character.charCount(cb);
            }
            return Integer.compare(a.length() - i, b.length() - j);
        });
        return out;
    }

    /**
     * Every path of the context the .dockerignore leaves in, parents before children, in lexical
     * order. An excluded directory is not listed; it is entered only when an exception pattern
     * starts with its path, as the docker CLI does.
     */
    public static List<String> included(Tree tree, DockerIgnore ignore) {
        List<String> out = new ArrayList<>();
        walk(tree, ".", ignore, out);
        return out;
    }

    private static void walk(Tree tree, String dir, DockerIgnore ignore, List<String> out) {
        for (String name : tree.list(dir)) {
            String rel = dir.equals(".") ? name : dir + "/" + name;
            boolean isDir = tree.kind(rel) == Kind.DIR;
            if (ignore.excludes(rel)) {
                if (isDir && ignore.hasExceptions() && ignore.mustDescendInto(rel)) {
                    walk(tree, rel, ignore, out);
                }
                continue;
            }
            out.add(rel);
            if (isDir) {
                walk(tree, rel, ignore, out);
            }
        }
    }

    /**
     * A COPY/ADD source as context paths: leading '/', '..' and trailing '/' are dropped; a
     * source with wildcards gives every matching path in walk order (a matching directory stands
     * for its whole tree); otherwise the path must exist ("." is the whole context).
     */
    public static List<String> sources(Tree tree, String source) throws DockerfileSyntaxException.Detail {
        String path = DockerIgnore.cleanPath("/" + source).substring(1);
        if (path.isEmpty()) {
            path = ".";
        }
        if (!GoGlob.hasWildcards(path)) {
            if (tree.kind(path) == null) {
                throw new DockerfileSyntaxException.Detail("file not found in build context or excluded by .dockerignore: stat "
                        + source + ": file does not exist");
            }
            return List.of(path);
        }
        GoGlob glob;
        try {
            glob = GoGlob.compile(path);
        } catch (GoGlob.BadPatternException e) {
            throw new DockerfileSyntaxException.Detail(e.getMessage());
        }
        // '*' and '?' never cross '/', so nothing deeper than the pattern can match (a class can match '/').
        int depth = path.indexOf('[') >= 0 ? Integer.MAX_VALUE : (int) path.chars().filter(c -> c == '/').count() + 1;
        List<String> out = new ArrayList<>();
        match(tree, ".", 1, depth, glob, out);
        if (out.isEmpty()) {
            throw new DockerfileSyntaxException.Detail("no source files were specified");
        }
        return out;
    }

    private static void match(Tree tree, String dir, int level, int depth, GoGlob glob, List<String> out) {
        for (String name : tree.list(dir)) {
            String rel = dir.equals(".") ? name : dir + "/" + name;
            boolean isDir = tree.kind(rel) == Kind.DIR;
            if (glob.matches(rel)) {
                out.add(rel);
            }
            // Docker walks on below a matching directory too (only a class can match across '/')
            if (isDir && level < depth) {
                match(tree, rel, level + 1, depth, glob, out);
            }
        }
    }
}
