package dev.berth.dockerfile;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * .dockerignore rules as the docker CLI applies them: one pattern per line, {@code #} comment
 * lines, {@code !} exceptions (the last matching pattern wins), {@code *} and {@code ?} within one
 * path element, {@code **} across any number of elements, and a pattern that matches a directory
 * excluding everything under it. Paths are relative to the context root, '/'-separated.
 */
public final class DockerIgnore {
    /** No patterns: nothing is excluded. */
    public static final DockerIgnore NONE = new DockerIgnore(List.of());

    private enum Kind { EXACT, PREFIX, SUFFIX, REGEX }

    /** One compiled pattern. */
    private record Rule(String text, boolean exception, Kind kind, Pattern regex) {
        boolean matches(String path) {
            return switch (kind) {
                case EXACT -> path.equals(text);
                case PREFIX -> path.startsWith(text.substring(0, text.length() - 2));
                case SUFFIX -> {
                    String suffix = text.substring(2);
                    yield path.endsWith(suffix) || (suffix.startsWith("/") && path.equals(suffix.substring(1)));
                }
                case REGEX -> regex.matcher(path).matches();
            };
        }
    }

    private final List<Rule> rules;

    private DockerIgnore(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** Compiles patterns (as {@link #read} gives them); a malformed one is an error. */
    public static DockerIgnore of(List<String> patterns) throws DockerfileSyntaxException.Detail {
        List<Rule> rules = new ArrayList<>();
        for (String p : patterns) {
            p = GoText.trimSpace(p);
            if (p.isEmpty()) {
                continue;
            }
            boolean exception = p.startsWith("!");
            if (exception) {
                if (p.length() == 1) {
                    throw new DockerfileSyntaxException.Detail("illegal exclusion pattern: \"!\"");
                }
                p = p.substring(1);
            }
            p = cleanPath(p);
            try {
                // like the docker CLI: the pattern must also be valid for Go's filepath.Match
                GoGlob.compile(p);
            } catch (GoGlob.BadPatternException e) {
                throw new DockerfileSyntaxException.Detail(e.getMessage());
            }
            rules.add(compile(p, exception));
        }
        return new DockerIgnore(rules);
    }

    /** Parses a .dockerignore file's text and compiles it. */
    public static DockerIgnore parse(String content) throws DockerfileSyntaxException.Detail {
        return of(read(content));
    }

    /**
     * The patterns of a .dockerignore file: comment lines (starting with #) and blank lines
     * dropped, whitespace trimmed, each pattern cleaned and made relative to the context root.
     */
    public static List<String> read(String content) {
        List<String> out = new ArrayList<>();
        boolean first = true;
        for (String line : DockerfileParser.splitLines(content)) {
            if (first && line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            first = false;
            if (line.startsWith("#")) {
                continue;
            }
            String p = GoText.trimSpace(line);
            if (p.isEmpty()) {
                continue;
            }
            boolean invert = p.charAt(0) == '!';
            if (invert) {
                p = GoText.trimSpace(p.substring(1));
            }
            if (!p.isEmpty()) {
                p = cleanPath(p);
                if (p.length() > 1 && p.charAt(0) == '/') {
                    p = p.substring(1);
                }
            }
            out.add(invert ? "!" + p : p);
        }
        return out;
    }

    /**
     * What the docker CLI does before sending a context: if the patterns would exclude the
     * .dockerignore file or the Dockerfile, exceptions for them are added, so the daemon still
     * gets them (the builder itself never copies them when they are excluded).
     */
    public static List<String> keepBuildFiles(List<String> patterns, String dockerfile) throws DockerfileSyntaxException.Detail {
        List<String> out = new ArrayList<>(patterns);
        if (of(out).excludes(".dockerignore")) {
            out.add("!.dockerignore");
        }
        String df = dockerfile.replace('\\', '/');
        if (of(out).excludes(df)) {
            out.add("!" + df);
        }
        return out;
    }

    /** Whether a file or directory is excluded (itself or through a parent directory). */
    public boolean excludes(String path) {
        path = cleanPath(path);
        int slash = path.lastIndexOf('/');
        String parent = slash < 0 ? "." : path.substring(0, slash);
        String[] parentDirs = parent.split("/");
        boolean matched = false;
        for (Rule r : rules) {
            // An exception only matters once something matched; an exclusion only until it has.
            if (r.exception() != matched) {
                continue;
            }
            boolean m = r.matches(path);
            if (!m && !parent.equals(".")) {
                StringBuilder prefix = new StringBuilder();
                for (String dir : parentDirs) {
                    prefix.append(prefix.isEmpty() ? "" : "/").append(dir);
                    if (r.matches(prefix.toString())) {
                        m = true;
                        break;
                    }
                }
            }
            if (m) {
                matched = !r.exception();
            }
        }
        return matched;
    }

    /** Whether any pattern is an exception ({@code !...}). */
    public boolean hasExceptions() {
        return rules.stream().anyMatch(Rule::exception);
    }

    /**
     * Whether a walk must still enter an excluded directory: only when an exception pattern
     * starts with the directory's path (the docker CLI's rule; {@code !**}{@code /x} does not count).
     */
    public boolean mustDescendInto(String dir) {
        String dirSlash = cleanPath(dir) + "/";
        for (Rule r : rules) {
            if (r.exception() && (r.text() + "/").startsWith(dirSlash)) {
                return true;
            }
        }
        return false;
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    /**
     * Compiles a cleaned pattern. Like the docker CLI, plain patterns compare exactly, "x**" and
     * "x/**" by prefix, a leading "**" by suffix, and anything with other wildcards by regex.
     */
    private static Rule compile(String pattern, boolean exception) throws DockerfileSyntaxException.Detail {
        StringBuilder re = new StringBuilder();
        Kind kind = Kind.EXACT;
        int[] p = pattern.codePoints().toArray();
        for (int i = 0; i < p.length; i++) {
            int start = i;
            int c = p[i];
            if (c == '*' && i + 1 < p.length && p[i + 1] == '*') {
                i++;
                if (i + 1 < p.length && p[i + 1] == '/') {
                    i++; // "**/" is "**"
                }
                if (i + 1 >= p.length) {
                    // a trailing "**" takes everything below, as in .gitignore
                    if (kind == Kind.EXACT) {
                        kind = Kind.PREFIX;
                    } else {
                        re.append("[^\n]*");
                        kind = Kind.REGEX;
                    }
                } else {
                    re.append("([^\n]*/)?");
                    kind = Kind.REGEX;
                }
                if (start == 0) {
                    kind = Kind.SUFFIX;
                }
            } else if (c == '*') {
                re.append("[^/]*");
                kind = Kind.REGEX;
            } else if (c == '?') {
                re.append("[^/]");
                kind = Kind.REGEX;
            } else if (c == '\\') {
                if (i + 1 < p.length) {
                    re.append(Pattern.quote(Character.toString(p[++i])));
                    kind = Kind.REGEX;
                } else {
                    re.append("\\\\");
                }
            } else if (c == '[') {
                i = charClass(p, i, re, pattern);
                kind = Kind.REGEX;
            } else {
                re.append(Pattern.quote(Character.toString(c)));
            }
        }
        Pattern regex = null;
        if (kind == Kind.REGEX) {
            try {
                regex = Pattern.compile(re.toString());
            } catch (PatternSyntaxException e) {
                throw new DockerfileSyntaxException.Detail("syntax error in pattern: " + pattern);
            }
        }
        return new Rule(pattern, exception, kind, regex);
    }

    /**
     * Appends the class starting at p[open] ('[') as a Java regex class and returns the index of its ']'.
     * Members are written as code point escapes, so user text can never change the regex's syntax.
     */
    private static int charClass(int[] p, int open, StringBuilder re, String pattern) throws DockerfileSyntaxException.Detail {
        int j = open + 1;
        re.append('[');
        if (j < p.length && p[j] == '^') {
            re.append('^');
            j++;
        }
        boolean first = true;
        while (j < p.length) {
            if (p[j] == ']' && !first) {
                re.append(']');
                return j;
            }
            first = false;
            int[] lo = classMember(p, j, pattern);
            j = lo[1];
            codePoint(re, lo[0]);
            if (j + 1 < p.length && p[j] == '-' && p[j + 1] != ']') {
                int[] hi = classMember(p, j + 1, pattern);
                if (hi[0] < lo[0]) {
                    throw new DockerfileSyntaxException.Detail("syntax error in pattern: " + pattern);
                }
                re.append('-');
                codePoint(re, hi[0]);
                j = hi[1];
            }
        }
        throw new DockerfileSyntaxException.Detail("syntax error in pattern: " + pattern);
    }

    /** One (possibly backslash-escaped) class member at p[at]: its code point and the index after it. */
    private static int[] classMember(int[] p, int at, String pattern) throws DockerfileSyntaxException.Detail {
        if (p[at] == '\\') {
            if (at + 1 >= p.length) {
                throw new DockerfileSyntaxException.Detail("syntax error in pattern: " + pattern);
            }
            return new int[] {p[at + 1], at + 2};
        }
        return new int[] {p[at], at + 1};
    }

    private static void codePoint(StringBuilder re, int c) {
        re.append("\\x{").append(Integer.toHexString(c)).append('}');
    }

    /** Go's path.Clean: no empty or "." elements, ".." resolved, no trailing slash. */
    public static String cleanPath(String path) {
        if (path.isEmpty()) {
            return ".";
        }
        boolean rooted = path.startsWith("/");
        List<String> parts = new ArrayList<>();
        for (String e : path.split("/")) {
            if (e.isEmpty() || e.equals(".")) {
                continue;
            }
            if (e.equals("..")) {
                if (!parts.isEmpty() && !parts.getLast().equals("..")) {
                    parts.removeLast();
                } else if (!rooted) {
                    parts.add("..");
                }
                continue;
            }
            parts.add(e);
        }
        String joined = String.join("/", parts);
        if (rooted) {
            return "/" + joined;
        }
        return joined.isEmpty() ? "." : joined;
    }
}
