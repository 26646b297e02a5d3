package dev.berth.cli.tar;

import dev.berth.dockerfile.DockerIgnore;

/** Go's path/filepath functions on Unix paths, and Docker's pkg/archive path helpers built on them. */
public final class GoPath {
    private GoPath() {}

    public static String clean(String p) {
        return DockerIgnore.cleanPath(p);
    }

    public static boolean isAbs(String p) {
        return p.startsWith("/");
    }

    /** filepath.Dir: everything but the last element, cleaned. */
    public static String dir(String p) {
        int slash = p.lastIndexOf('/');
        return clean(slash < 0 ? "." : p.substring(0, slash + 1));
    }

    /** filepath.Base: the last element, trailing slashes ignored; "/" for the root, "." for "". */
    public static String base(String p) {
        if (p.isEmpty()) {
            return ".";
        }
        String s = p;
        while (s.length() > 1 && s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        if (s.equals("/")) {
            return "/";
        }
        return s.substring(s.lastIndexOf('/') + 1);
    }

    /** filepath.Join of two elements (an empty one is ignored). */
    public static String join(String a, String b) {
        if (a.isEmpty()) {
            return b.isEmpty() ? "" : clean(b);
        }
        return clean(b.isEmpty() ? a : a + "/" + b);
    }

    public static boolean hasTrailingSeparator(String p) {
        return p.endsWith("/");
    }

    public static boolean specifiesCurrentDir(String p) {
        return base(p).equals(".");
    }

    /** archive.AssertsDirectory: a trailing "/" or "/.". */
    public static boolean assertsDirectory(String p) {
        return hasTrailingSeparator(p) || specifiesCurrentDir(p);
    }

    /** archive.SplitPathDirEntry: parent and last element, "/." kept as "." entry. */
    public static String[] splitDirEntry(String p) {
        String cleaned = clean(p);
        if (specifiesCurrentDir(p)) {
            cleaned += "/.";
        }
        return new String[] {dir(cleaned), base(cleaned)};
    }

    /** archive.PreserveTrailingDotOrSeparator: gives {@code cleaned} back the "/." or "/" that {@code original} ended with. */
    public static String preserveTrailingDotOrSeparator(String cleaned, String original) {
        if (specifiesCurrentDir(original) && !specifiesCurrentDir(cleaned)) {
            cleaned += "/.";
        }
        if (hasTrailingSeparator(original) && !hasTrailingSeparator(cleaned)) {
            cleaned += "/";
        }
        return cleaned;
    }

    /** archive.GetRebaseName: the resolved path with the original's trailing form, and the name to rebase to ("" for none). */
    public static String[] rebaseName(String path, String resolved) {
        String r = resolved;
        if (specifiesCurrentDir(path) && !specifiesCurrentDir(r)) {
            r += "/.";
        }
        if (hasTrailingSeparator(path) && !hasTrailingSeparator(r)) {
            r += "/";
        }
        String rebase = base(path).equals(base(r)) ? "" : base(path);
        return new String[] {r, rebase};
    }
}
