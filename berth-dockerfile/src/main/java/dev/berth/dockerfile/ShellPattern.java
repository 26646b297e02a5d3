package dev.berth.dockerfile;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shell patterns of {@code ${VAR#pat}}, {@code ${VAR%pat}} and {@code ${VAR/pat/repl}}:
 * {@code ?} is one character, {@code *} any run of characters, a backslash makes {@code * ? \}
 * literal. Bracket expressions are not supported (as in Docker).
 */
final class ShellPattern {
    private ShellPattern() {}

    /** The pattern as a regex; {@code longest} picks greedy stars. */
    static Pattern toRegex(String pattern, boolean anchored, boolean longest) throws ShellLex.ShellSyntaxException {
        StringBuilder re = new StringBuilder(anchored ? "^" : "");
        int[] cps = pattern.codePoints().toArray();
        for (int i = 0; i < cps.length; i++) {
            int c = cps[i];
            switch (c) {
                // Go's '.' is any character but a newline; Java's would also refuse \r and others
                case '*' -> re.append(longest ? "[^\n]*" : "[^\n]*?");
                case '?' -> re.append("[^\n]");
                case '\\' -> {
                    // "}" and "/" are escaped only to end the ${} word early; the escape is not part of the pattern
                    if (i + 1 < cps.length && (cps[i + 1] == '}' || cps[i + 1] == '/')) {
                        continue;
                    }
                    if (i + 1 >= cps.length || (cps[i + 1] != '*' && cps[i + 1] != '?' && cps[i + 1] != '\\')) {
                        String bad = i + 1 < cps.length ? Character.toString(cps[i + 1]) : "";
                        throw new ShellLex.ShellSyntaxException("invalid pattern (" + pattern + ") in substitution: invalid escape '\\" + bad + "'");
                    }
                    re.append(Pattern.quote(Character.toString(cps[++i])));
                }
                default -> re.append(Pattern.quote(Character.toString(c)));
            }
        }
        return Pattern.compile(re.toString());
    }

    /** {@code ${v#p}} / {@code ${v##p}}: drops the shortest / longest prefix matching the pattern. */
    static String trimPrefix(String pattern, String value, boolean longest) throws ShellLex.ShellSyntaxException {
        Matcher m = toRegex(pattern, true, longest).matcher(value);
        return m.find() ? value.substring(m.end()) : value;
    }

    /** {@code ${v%p}} / {@code ${v%%p}}: drops the shortest / longest suffix matching the pattern. */
    static String trimSuffix(String pattern, String value, boolean longest) throws ShellLex.ShellSyntaxException {
        // Regexes find leftmost matches, so search the reversed value with the reversed pattern.
        String reversed = trimPrefix(reversePattern(pattern), reverse(value), longest);
        return reverse(reversed);
    }

    /** {@code ${v/p/r}} and {@code ${v//p/r}}: replaces the first / every longest match (an empty pattern matches everywhere, as in Docker). */
    static String replace(String pattern, String replacement, String value, boolean all) throws ShellLex.ShellSyntaxException {
        Matcher m = toRegex(pattern, false, true).matcher(value);
        String r = Matcher.quoteReplacement(replacement);
        return all ? m.replaceAll(r) : m.replaceFirst(r);
    }

    private static String reverse(String s) {
        int[] cps = s.codePoints().toArray();
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = cps.length - 1; i >= 0; i--) {
            sb.appendCodePoint(cps[i]);
        }
        return sb.toString();
    }

    /** Reverses a pattern keeping each escape in front of the character it escapes. */
    private static String reversePattern(String pattern) {
        int[] cps = pattern.codePoints().toArray();
        int n = cps.length;
        int[] out = new int[n];
        for (int i = 0; i < n; ) {
            int o = n - 1 - i;
            if (cps[i] == '\\' && i != n - 1) {
                out[o - 1] = '\\';
                out[o] = cps[i + 1];
                i += 2;
            } else {
                out[o] = cps[i];
                i++;
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int c : out) {
            sb.appendCodePoint(c);
        }
        return sb.toString();
    }
}
