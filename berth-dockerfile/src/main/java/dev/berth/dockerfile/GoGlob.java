package dev.berth.dockerfile;

import java.util.ArrayList;
import java.util.List;

/**
 * Go's filepath.Match on '/'-separated paths, the rule for COPY and ADD source wildcards:
 * {@code *} matches any run of characters except '/', {@code ?} one character except '/',
 * {@code [a-z]} / {@code [^...]} a class, and a backslash makes the next character literal. A
 * malformed pattern is an error whatever the name. Instances are immutable.
 */
public final class GoGlob {
    /** A pattern that is not valid (unclosed class, bad range, trailing backslash). */
    public static final class BadPatternException extends Exception {
        public BadPatternException(String pattern) {
            super("syntax error in pattern: " + pattern);
        }
    }

    private sealed interface Token permits Literal, AnyOne, Star, CharClass {}

    private record Literal(int cp) implements Token {}

    private record AnyOne() implements Token {}

    private record Star() implements Token {}

    private record Range(int lo, int hi) {}

    private record CharClass(boolean negated, List<Range> ranges) implements Token {
        boolean matches(int cp) {
            boolean in = false;
            for (Range r : ranges) {
                if (r.lo <= cp && cp <= r.hi) {
                    in = true;
                    break;
                }
            }
            return in != negated;
        }
    }

    private final String pattern;
    private final Token[] tokens;

    private GoGlob(String pattern, Token[] tokens) {
        this.pattern = pattern;
        this.tokens = tokens;
    }

    /** Compiles a pattern. */
    public static GoGlob compile(String pattern) throws BadPatternException {
        int[] p = pattern.codePoints().toArray();
        List<Token> out = new ArrayList<>();
        for (int i = 0; i < p.length; i++) {
            int c = p[i];
            switch (c) {
                case '*' -> out.add(new Star());
                case '?' -> out.add(new AnyOne());
                case '\\' -> {
                    if (++i >= p.length) {
                        throw new BadPatternException(pattern);
                    }
                    out.add(new Literal(p[i]));
                }
                case '[' -> {
                    i++;
                    boolean negated = i < p.length && p[i] == '^';
                    if (negated) {
                        i++;
                    }
                    List<Range> ranges = new ArrayList<>();
                    boolean first = true;
                    while (true) {
                        if (i >= p.length) {
                            throw new BadPatternException(pattern);
                        }
                        if (p[i] == ']' && !first) {
                            break;
                        }
                        int[] lo = classChar(p, i, pattern);
                        i = lo[1];
                        int hi = lo[0];
                        if (i < p.length && p[i] == '-') {
                            int[] h = classChar(p, i + 1, pattern);
                            hi = h[0];
                            i = h[1];
                            // a reversed range is valid for Go and matches nothing
                        }
                        ranges.add(new Range(lo[0], hi));
                        first = false;
                    }
                    out.add(new CharClass(negated, List.copyOf(ranges)));
                }
                default -> out.add(new Literal(c));
            }
        }
        return new GoGlob(pattern, out.toArray(Token[]::new));
    }

    /** One character of a class at {@code i}: its value and the index after it. */
    private static int[] classChar(int[] p, int i, String pattern) throws BadPatternException {
        if (i >= p.length || p[i] == '-' || p[i] == ']') {
            throw new BadPatternException(pattern);
        }
        if (p[i] == '\\') {
            if (i + 1 >= p.length) {
                throw new BadPatternException(pattern);
            }
            return new int[] {p[i + 1], i + 2};
        }
        return new int[] {p[i], i + 1};
    }

    /** Whether the pattern has wildcard characters not escaped by a backslash. */
    public static boolean hasWildcards(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '*' || c == '?' || c == '[') {
                return true;
            }
        }
        return false;
    }

    /** filepath.Match(pattern, name). */
    public static boolean match(String pattern, String name) throws BadPatternException {
        return compile(pattern).matches(name);
    }

    public boolean matches(String name) {
        int[] s = name.codePoints().toArray();
        return match(0, s, 0, new boolean[tokens.length + 1][s.length + 1]);
    }

    /** Matches tokens from t against s from i; {@code failed} remembers dead ends so stars stay polynomial. */
    private boolean match(int t, int[] s, int i, boolean[][] failed) {
        if (failed[t][i]) {
            return false;
        }
        boolean result = matchFrom(t, s, i, failed);
        if (!result) {
            failed[t][i] = true;
        }
        return result;
    }

    private boolean matchFrom(int t, int[] s, int i, boolean[][] failed) {
        while (t < tokens.length) {
            Token tok = tokens[t];
            if (tok instanceof Star) {
                // Try every possible length of the starred run, never across a '/'.
                for (int j = i; ; j++) {
                    if (match(t + 1, s, j, failed)) {
                        return true;
                    }
                    if (j >= s.length || s[j] == '/') {
                        return false;
                    }
                }
            }
            if (i >= s.length) {
                return false;
            }
            boolean ok = switch (tok) {
                case Literal l -> l.cp() == s[i];
                case AnyOne a -> s[i] != '/';
                case CharClass c -> c.matches(s[i]);
                case Star st -> throw new IllegalStateException();
            };
            if (!ok) {
                return false;
            }
            t++;
            i++;
        }
        return i == s.length;
    }

    @Override
    public String toString() {
        return pattern;
    }
}
