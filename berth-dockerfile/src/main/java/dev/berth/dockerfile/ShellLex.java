package dev.berth.dockerfile;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Docker's variable substitution and word splitting for Dockerfile arguments: {@code $VAR},
 * {@code ${VAR}}, {@code ${VAR:-word}}, {@code ${VAR-word}}, {@code ${VAR:+word}},
 * {@code ${VAR+word}}, {@code ${VAR?msg}}, {@code ${VAR#pat}}, {@code ${VAR##pat}},
 * {@code ${VAR%pat}}, {@code ${VAR%%pat}}, {@code ${VAR/pat/repl}}, {@code ${VAR//pat/repl}},
 * single and double quotes, and the escape character. Immutable; the with* methods give variants.
 *
 * @param escape the escape character (backslash or backtick)
 * @param rawQuotes keep quote characters in the result instead of removing them
 * @param rawEscapes keep escape characters in the result
 * @param skipUnsetEnv leave references to unset variables as written
 * @param skipProcessQuotes treat quotes as ordinary characters (heredoc bodies)
 */
public record ShellLex(int escape, boolean rawQuotes, boolean rawEscapes, boolean skipUnsetEnv, boolean skipProcessQuotes) {
    private static final int EOF = -1;

    /** Variable lookup: the value, or null when the variable is not set. */
    @FunctionalInterface
    public interface Env {
        String get(String name);
    }

    /** The processed text as one word, the same text split into words, and the variables looked up. */
    public record Result(String word, List<String> words, Set<String> matched, Set<String> unmatched) {}

    /** A lexer with the given escape character and Docker's defaults for everything else. */
    public static ShellLex of(int escape) {
        return new ShellLex(escape, false, false, false, false);
    }

    public ShellLex withRawQuotes(boolean v) {
        return new ShellLex(escape, v, rawEscapes, skipUnsetEnv, skipProcessQuotes);
    }

    public ShellLex withRawEscapes(boolean v) {
        return new ShellLex(escape, rawQuotes, v, skipUnsetEnv, skipProcessQuotes);
    }

    public ShellLex withSkipUnsetEnv(boolean v) {
        return new ShellLex(escape, rawQuotes, rawEscapes, v, skipProcessQuotes);
    }

    public ShellLex withSkipProcessQuotes(boolean v) {
        return new ShellLex(escape, rawQuotes, rawEscapes, skipUnsetEnv, v);
    }

    /** Expands {@code text} as one word (spaces kept). */
    public String processWord(String text, Env env) throws ShellSyntaxException {
        return process(text, env).word();
    }

    /** Expands {@code text} and splits it into words the way a shell would (quoted spaces kept). */
    public List<String> processWords(String text, Env env) throws ShellSyntaxException {
        return process(text, env).words();
    }

    /** Expands {@code text}, giving both forms and the variables that were (not) found. */
    public Result process(String text, Env env) throws ShellSyntaxException {
        Worker w = new Worker(text, env);
        try {
            Worker.Out out = w.processStopOn(EOF, rawEscapes);
            return new Result(out.word, out.words, w.matched, w.unmatched);
        } catch (ShellSyntaxException e) {
            throw new ShellSyntaxException("failed to process \"" + text + "\": " + e.getMessage());
        }
    }

    /** A malformed substitution or quote. */
    public static final class ShellSyntaxException extends Exception {
        public ShellSyntaxException(String message) {
            super(message);
        }
    }

    /** One pass over one text. */
    private final class Worker {
        private final int[] cps;
        private int pos;
        private final Env env;
        private boolean raw = rawEscapes;
        final Set<String> matched = new LinkedHashSet<>();
        final Set<String> unmatched = new LinkedHashSet<>();

        record Out(String word, List<String> words) {}

        Worker(String text, Env env) {
            this.cps = text.codePoints().toArray();
            this.env = env;
        }

        int peek() {
            return pos < cps.length ? cps[pos] : EOF;
        }

        int next() {
            return pos < cps.length ? cps[pos++] : EOF;
        }

        Out processStopOn(int stop, boolean rawEsc) throws ShellSyntaxException {
            boolean saved = raw;
            raw = rawEsc;
            try {
                return loop(stop);
            } finally {
                raw = saved;
            }
        }

        private Out loop(int stop) throws ShellSyntaxException {
            StringBuilder result = new StringBuilder();
            Words words = new Words();
            while (peek() != EOF) {
                int ch = peek();
                if (stop != EOF && ch == stop) {
                    next();
                    return new Out(result.toString(), words.get());
                }
                if (ch == '$') {
                    String tmp = dollar();
                    result.append(tmp);
                    words.addString(tmp);
                } else if (!skipProcessQuotes && (ch == '\'' || ch == '"')) {
                    String tmp = ch == '\'' ? singleQuote() : doubleQuote();
                    result.append(tmp);
                    words.addRaw(tmp);
                } else {
                    ch = next();
                    if (ch == escape) {
                        if (raw) {
                            words.addRawChar(ch);
                            result.appendCodePoint(ch);
                        }
                        ch = next();
                        if (ch == EOF) {
                            break;
                        }
                        words.addRawChar(ch);
                    } else {
                        words.addChar(ch);
                    }
                    result.appendCodePoint(ch);
                }
            }
            if (stop != EOF) {
                throw new ShellSyntaxException("unexpected end of statement while looking for matching " + Character.toString(stop));
            }
            return new Out(result.toString(), words.get());
        }

        private String singleQuote() throws ShellSyntaxException {
            StringBuilder sb = new StringBuilder();
            int ch = next();
            if (rawQuotes) {
                sb.appendCodePoint(ch);
            }
            while (true) {
                ch = next();
                if (ch == EOF) {
                    throw new ShellSyntaxException("unexpected end of statement while looking for matching single-quote");
                }
                if (ch == '\'') {
                    if (rawQuotes) {
                        sb.appendCodePoint(ch);
                    }
                    return sb.toString();
                }
                sb.appendCodePoint(ch);
            }
        }

        private String doubleQuote() throws ShellSyntaxException {
            StringBuilder sb = new StringBuilder();
            int ch = next();
            if (rawQuotes) {
                sb.appendCodePoint(ch);
            }
            while (true) {
                int p = peek();
                if (p == EOF) {
                    throw new ShellSyntaxException("unexpected end of statement while looking for matching double-quote");
                }
                if (p == '"') {
                    next();
                    if (rawQuotes) {
                        sb.append('"');
                    }
                    return sb.toString();
                }
                if (p == '$') {
                    sb.append(dollar());
                    continue;
                }
                ch = next();
                if (ch == escape) {
                    int q = peek();
                    if (q == EOF) {
                        // an escape at the very end is dropped; the missing quote is reported next round
                        if (raw) {
                            sb.appendCodePoint(ch);
                        }
                        continue;
                    }
                    if (q == '"' || q == '$' || q == escape) {
                        if (raw) {
                            sb.appendCodePoint(ch);
                        }
                        ch = next();
                    }
                }
                sb.appendCodePoint(ch);
            }
        }

        private String dollar() throws ShellSyntaxException {
            next();
            if (peek() != '{') {
                String name = name();
                if (name.isEmpty()) {
                    return "$";
                }
                String v = lookup(name);
                if (v == null && skipUnsetEnv) {
                    return "$" + name;
                }
                return v == null ? "" : v;
            }
            next();
            int p = peek();
            if (p == EOF) {
                throw new ShellSyntaxException("syntax error: missing '}'");
            }
            if (p == '{' || p == '}' || p == ':') {
                throw new ShellSyntaxException("syntax error: bad substitution");
            }
            String name = name();
            int ch = next();
            String chs = ch == EOF ? "" : Character.toString(ch);
            boolean nullIsUnset = false;
            switch (ch) {
                case '}' -> {
                    String v = lookup(name);
                    if (v == null && skipUnsetEnv) {
                        return "${" + name + "}";
                    }
                    return v == null ? "" : v;
                }
                case '/' -> {
                    return replace(name);
                }
                case ':' -> {
                    // ":" then any modifier; an unsupported one is reported after its word is read
                    nullIsUnset = true;
                    ch = next();
                    chs += ch == EOF ? "" : Character.toString(ch);
                }
                case '+', '-', '?', '#', '%' -> { }
                case EOF -> throw new ShellSyntaxException("syntax error: missing '}'");
                default -> throw new ShellSyntaxException("unsupported modifier (" + chs + ") in substitution");
            }
            boolean patternOp = ch == '#' || ch == '%';
            String word;
            try {
                word = processStopOn('}', patternOp).word;
            } catch (ShellSyntaxException e) {
                if (peek() == EOF) {
                    throw new ShellSyntaxException("syntax error: missing '}'");
                }
                throw e;
            }
            String value = lookup(name);
            boolean set = value != null;
            if (skipUnsetEnv && !set) {
                return "${" + name + chs + word + "}";
            }
            boolean empty = !set || (nullIsUnset && value.isEmpty());
            switch (ch) {
                case '-' -> {
                    return empty ? word : value;
                }
                case '+' -> {
                    return empty ? "" : word;
                }
                case '?' -> {
                    if (!set) {
                        throw new ShellSyntaxException(name + ": " + (word.isEmpty() ? "is not allowed to be unset" : word));
                    }
                    if (nullIsUnset && value.isEmpty()) {
                        throw new ShellSyntaxException(name + ": " + (word.isEmpty() ? "is not allowed to be empty" : word));
                    }
                    return value;
                }
                case '#', '%' -> {
                    // one # or % for the shortest match, two for the longest
                    boolean longest = !word.isEmpty() && word.codePointAt(0) == ch;
                    String pattern = longest ? word.substring(Character.charCount(ch)) : word;
                    String v = set ? value : "";
                    return ch == '#' ? ShellPattern.trimPrefix(pattern, v, longest) : ShellPattern.trimSuffix(pattern, v, longest);
                }
                default -> throw new ShellSyntaxException("unsupported modifier (" + chs + ") in substitution");
            }
        }

        private String replace(String name) throws ShellSyntaxException {
            boolean all = peek() == '/';
            if (all) {
                next();
            }
            String pattern;
            try {
                pattern = processStopOn('/', true).word;
            } catch (ShellSyntaxException e) {
                if (peek() == EOF) {
                    throw new ShellSyntaxException("syntax error: missing '/' in ${}");
                }
                throw e;
            }
            String replacement;
            try {
                replacement = processStopOn('}', true).word;
            } catch (ShellSyntaxException e) {
                if (peek() == EOF) {
                    throw new ShellSyntaxException("syntax error: missing '}'");
                }
                throw e;
            }
            String value = lookup(name);
            if (value == null && skipUnsetEnv) {
                return "${" + name + "/" + pattern + "/" + replacement + "}";
            }
            return ShellPattern.replace(pattern, replacement, value == null ? "" : value, all);
        }

        /** A name: letters, digits and underscores; a run of digits; or one special parameter. */
        private String name() {
            StringBuilder sb = new StringBuilder();
            while (peek() != EOF) {
                int ch = peek();
                if (sb.isEmpty() && GoText.isDigit(ch)) {
                    while (peek() != EOF && GoText.isDigit(peek())) {
                        sb.appendCodePoint(next());
                    }
                    return sb.toString();
                }
                if (sb.isEmpty() && isSpecialParam(ch)) {
                    return Character.toString(next());
                }
                if (!GoText.isLetter(ch) && !GoText.isDigit(ch) && ch != '_') {
                    break;
                }
                sb.appendCodePoint(next());
            }
            return sb.toString();
        }

        private String lookup(String name) {
            String v = env.get(name);
            (v != null ? matched : unmatched).add(name);
            return v;
        }
    }

    private static boolean isSpecialParam(int ch) {
        return switch (ch) {
            case '@', '*', '#', '?', '-', '$', '!', '0' -> true;
            default -> false;
        };
    }

    /** Word splitting as the text is produced: unquoted spaces separate words, quoted text never does. */
    private static final class Words {
        private final StringBuilder word = new StringBuilder();
        private final List<String> words = new ArrayList<>();
        private boolean inWord;

        void addChar(int ch) {
            if (GoText.isSpace(ch)) {
                if (inWord && !word.isEmpty()) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                addRawChar(ch);
            }
        }

        void addRawChar(int ch) {
            word.appendCodePoint(ch);
            inWord = true;
        }

        void addString(String s) {
            s.codePoints().forEach(this::addChar);
        }

        void addRaw(String s) {
            word.append(s);
            inWord = true;
        }

        List<String> get() {
            if (!word.isEmpty()) {
                words.add(word.toString());
                word.setLength(0);
                inWord = false;
            }
            return words;
        }
    }
}
