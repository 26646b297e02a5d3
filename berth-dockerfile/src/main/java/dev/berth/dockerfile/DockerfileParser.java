package dev.berth.dockerfile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Docker's Dockerfile parser: parser directives, comments, line continuations with the escape
 * character, JSON and shell forms, flags before arguments and here-documents. It yields one
 * {@link Statement} per instruction, before variable expansion (see {@link ShellLex}) and before
 * instruction-specific validation. Each parse uses a fresh parser state; the class is stateless.
 */
public final class DockerfileParser {
    private static final Pattern WHITESPACE = Pattern.compile("[\t\u000b\f\r ]+");
    private static final Pattern DIRECTIVE = Pattern.compile("^([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*\\z", Pattern.DOTALL);
    private static final Pattern HEREDOC = Pattern.compile("^([0-9]*)<<(-?)([^<]*)\\z");
    private static final List<String> DIRECTIVE_NAMES = List.of("escape", "syntax", "check");

    private DockerfileParser() {}

    /** Parses a Dockerfile file (UTF-8). */
    public static ParsedDockerfile parse(Path file) throws IOException, DockerfileSyntaxException {
        return parse(Files.readAllBytes(file));
    }

    /** Parses Dockerfile bytes (UTF-8; invalid bytes are kept as Go keeps them, see {@link GoText#decodeUtf8}). */
    public static ParsedDockerfile parse(byte[] dockerfile) throws DockerfileSyntaxException {
        return parse(GoText.decodeUtf8(dockerfile));
    }

    /** Parses Dockerfile text. */
    public static ParsedDockerfile parse(String text) throws DockerfileSyntaxException {
        return new Run().parse(text);
    }

    /** Docker reads Dockerfiles with a 64 KiB line buffer; a longer line ends the file with an error. */
    static final int MAX_LINE_BYTES = 64 * 1024;

    /** Lines with their line endings kept (heredoc bodies keep them); the last may lack one. */
    private static List<String> scanLines(String text) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl + 1;
            lines.add(text.substring(start, end));
            start = end;
        }
        return lines;
    }

    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
        }
        return n;
    }

    /** Lines as Go's bufio.ScanLines gives them: split at \n, one trailing \r dropped, no empty last line. */
    static List<String> splitLines(String text) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl;
            int stop = end > start && text.charAt(end - 1) == '\r' ? end - 1 : end;
            lines.add(text.substring(start, stop));
            if (nl < 0) {
                break;
            }
            start = nl + 1;
        }
        return lines;
    }

    /** The parser directives state: the escape character and whether directives may still appear. */
    private static final class Directives {
        int escape = '\\';
        boolean done;
        final Map<String, String> seen = new LinkedHashMap<>();

        void possibleDirective(String line, int lineNo) throws DockerfileSyntaxException {
            if (done) {
                return;
            }
            if (!line.startsWith("#")) {
                done = true;
                return;
            }
            Matcher m = DIRECTIVE.matcher(GoText.trimLeftSpace(line.substring(1)));
            if (!m.find()) {
                done = true;
                return;
            }
            String name = m.group(1).toLowerCase(Locale.ROOT);
            if (!DIRECTIVE_NAMES.contains(name)) {
                done = true;
                return;
            }
            if (seen.containsKey(name)) {
                throw new DockerfileSyntaxException(lineNo, "only one " + name + " parser directive can be used");
            }
            String value = m.group(2);
            seen.put(name, value);
            if (name.equals("escape")) {
                if (!value.equals("`") && !value.equals("\\")) {
                    throw new DockerfileSyntaxException(lineNo, "invalid escape token '" + value + "' does not match ` or \\");
                }
                escape = value.charAt(0);
            }
        }
    }

    /** The line with a continuation removed, and whether the instruction ends on it. */
    private record Trimmed(String line, boolean end) {}

    private static final class Run {
        private final Directives d = new Directives();
        private final List<Statement> statements = new ArrayList<>();
        private final List<String> warnings = new ArrayList<>();

        ParsedDockerfile parse(String text) throws DockerfileSyntaxException {
            List<String> lines = scanLines(text);
            int tooLong = -1;
            for (int k = 0; k < lines.size(); k++) {
                if (utf8Length(lines.get(k)) > MAX_LINE_BYTES) {
                    tooLong = k;
                    lines = lines.subList(0, k);
                    break;
                }
            }
            int current = 0;
            int i = 0;
            while (i < lines.size()) {
                String raw = lines.get(i++);
                if (current == 0 && raw.startsWith("\uFEFF")) {
                    raw = raw.substring(1);
                }
                String first = processLine(raw, true, current + 1);
                current++;
                int startLine = current;
                Trimmed t = trimContinuation(first);
                if (t.end() && t.line().isEmpty()) {
                    continue;
                }
                StringBuilder buf = new StringBuilder(t.line());
                boolean end = t.end();
                boolean emptyContinuation = false;
                while (!end && i < lines.size()) {
                    String next = lines.get(i++);
                    String processed = processLine(next, false, current + 1);
                    current++;
                    if (isComment(next)) {
                        continue;
                    }
                    if (GoText.isBlank(trimNewline(processed))) {
                        emptyContinuation = true;
                        continue;
                    }
                    Trimmed c = trimContinuation(processed);
                    end = c.end();
                    buf.append(c.line());
                }
                String line = buf.toString();
                if (emptyContinuation) {
                    warnings.add("Empty continuation line found in: " + line + " (line " + current + ")");
                }
                Statement st;
                try {
                    st = fromLine(line, d);
                } catch (DockerfileSyntaxException.Detail e) {
                    throw new DockerfileSyntaxException(startLine, current, e.getMessage());
                }
                if (canContainHeredoc(st) && line.contains("<<")) {
                    List<Heredoc> docs = new ArrayList<>();
                    for (Heredoc h : heredocsFromLine(line, startLine, current)) {
                        StringBuilder body = new StringBuilder();
                        boolean terminated = false;
                        while (i < lines.size()) {
                            String l = lines.get(i++);
                            current++;
                            String candidate = trimNewline(l);
                            if (h.chomp()) {
                                candidate = candidate.replaceFirst("^\t+", "");
                            }
                            if (candidate.equals(h.name())) {
                                terminated = true;
                                break;
                            }
                            body.append(l);
                        }
                        if (!terminated) {
                            throw new DockerfileSyntaxException(startLine, current, "unterminated heredoc");
                        }
                        docs.add(h.withContent(body.toString()));
                    }
                    st = st.withHeredocs(docs, current);
                }
                statements.add(st.withLines(startLine, current));
            }
            if (statements.isEmpty()) {
                throw new DockerfileSyntaxException(Math.max(current, 1), "file with no instructions");
            }
            if (tooLong >= 0) {
                throw new DockerfileSyntaxException(tooLong + 1, "dockerfile line greater than max allowed size of " + (MAX_LINE_BYTES - 1));
            }
            return new ParsedDockerfile(d.escape, d.seen, statements, warnings);
        }

        private String processLine(String token, boolean stripLeft, int lineNo) throws DockerfileSyntaxException {
            token = trimNewline(token);
            if (stripLeft) {
                token = GoText.trimLeftSpace(token);
            }
            d.possibleDirective(token, lineNo);
            return isComment(token) ? "" : token;
        }

        /**
         * An escape character ending a line (spaces and tabs may follow) continues it, unless the
         * character before it is the escape character too; a line holding only the escape
         * character also continues. The escape and what follows it are dropped.
         */
        private Trimmed trimContinuation(String line) {
            int end = line.length();
            while (end > 0 && (line.charAt(end - 1) == ' ' || line.charAt(end - 1) == '\t')) {
                end--;
            }
            int esc = end - 1;
            if (esc < 0 || line.charAt(esc) != d.escape || (esc > 0 && line.charAt(esc - 1) == d.escape)) {
                return new Trimmed(line, true);
            }
            return new Trimmed(line.substring(0, esc), false);
        }
    }

    private static String trimNewline(String s) {
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == '\r' || s.charAt(end - 1) == '\n')) {
            end--;
        }
        return s.substring(0, end);
    }

    private static boolean isComment(String line) {
        return GoText.trimLeftSpace(trimNewline(line)).startsWith("#");
    }

    /** What the argument parser of one instruction produced. */
    private record Parsed(List<String> args, Statement sub, boolean json) {
        static final Parsed EMPTY = new Parsed(List.of(), null, false);

        static Parsed of(List<String> args) {
            return new Parsed(args, null, false);
        }
    }

    /** Splits a logical line into keyword, flags and arguments and parses the arguments. */
    private static Statement fromLine(String line, Directives d) throws DockerfileSyntaxException.Detail {
        String trimmed = GoText.trimSpace(line);
        Matcher ws = WHITESPACE.matcher(trimmed);
        String keyword;
        String args = "";
        List<String> flags = List.of();
        if (ws.find()) {
            keyword = trimmed.substring(0, ws.start());
            LeadingFlags f = extractFlags(trimmed.substring(ws.end()));
            flags = f.flags();
            args = GoText.trimSpace(f.rest());
        } else {
            keyword = trimmed;
        }
        Parsed p = switch (keyword.toLowerCase(Locale.ROOT)) {
            case "add", "copy", "volume" -> maybeJsonToList(args);
            case "arg" -> Parsed.of(parseWords(args, d));
            case "cmd", "entrypoint", "run", "shell" -> maybeJson(args);
            case "env" -> Parsed.of(nameValues(args, "ENV", d));
            case "label" -> Parsed.of(nameValues(args, "LABEL", d));
            case "expose", "from" -> Parsed.of(whitespaceDelimited(args));
            case "healthcheck" -> healthcheck(args);
            case "maintainer", "stopsignal", "user", "workdir" -> Parsed.of(args.isEmpty() ? List.of() : List.of(args));
            case "onbuild" -> args.isEmpty() ? Parsed.EMPTY : new Parsed(List.of(), fromLine(args, d), false);
            // Unknown instructions parse (as Docker's parser does) and are rejected when evaluated.
            default -> Parsed.of(List.of(""));
        };
        return new Statement(keyword, flags, p.args(), p.sub(), p.json(), List.of(), line, 0, 0);
    }

    private record LeadingFlags(String rest, List<String> flags) {}

    /** Leading {@code --name[=value]} words; quotes inside them are removed, a lone {@code --} ends them. */
    private static LeadingFlags extractFlags(String text) {
        String start = GoText.trimLeftSpace(text);
        if (!start.startsWith("--")) {
            return new LeadingFlags(start, List.of());
        }
        // Docker scans this part byte by byte (each UTF-8 byte becomes one rune), so non-ASCII text
        // in flags comes out as Docker prints it.
        String line = GoText.byteChars(text);
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        final int inSpaces = 0;
        final int inWord = 1;
        final int inQuote = 2;
        int phase = inSpaces;
        char quote = 0;
        boolean blankOk = false;
        for (int pos = 0; pos <= line.length(); pos++) {
            char ch = pos < line.length() ? line.charAt(pos) : 0;
            if (phase == inSpaces) {
                if (pos == line.length()) {
                    break;
                }
                if (GoText.isSpace(ch)) {
                    continue;
                }
                if (ch != '-' || pos + 1 == line.length() || line.charAt(pos + 1) != '-') {
                    return new LeadingFlags(GoText.fromByteChars(line.substring(pos)), words);
                }
                phase = inWord;
            }
            if (pos == line.length()) {
                if (!word.toString().equals("--") && (blankOk || !word.isEmpty())) {
                    words.add(word.toString());
                }
                break;
            }
            if (phase == inWord) {
                if (GoText.isSpace(ch)) {
                    phase = inSpaces;
                    if (word.toString().equals("--")) {
                        return new LeadingFlags(GoText.fromByteChars(line.substring(pos)), words);
                    }
                    if (blankOk || !word.isEmpty()) {
                        words.add(word.toString());
                    }
                    word.setLength(0);
                    blankOk = false;
                    continue;
                }
                if (ch == '\'' || ch == '"') {
                    quote = ch;
                    blankOk = true;
                    phase = inQuote;
                    continue;
                }
                if (ch == '\\') {
                    if (pos + 1 == line.length()) {
                        continue;
                    }
                    ch = line.charAt(++pos);
                }
                word.append(ch);
                continue;
            }
            // inQuote
            if (ch == quote) {
                phase = inWord;
                continue;
            }
            if (ch == '\\') {
                if (pos + 1 == line.length()) {
                    phase = inWord;
                    continue;
                }
                ch = line.charAt(++pos);
            }
            word.append(ch);
        }
        return new LeadingFlags("", words);
    }

    /**
     * Space-separated words with quotes and escapes kept in the words (they are removed at
     * expansion); quoted spaces do not separate.
     */
    static List<String> parseWords(String rest, Directives d) {
        return parseWords(rest, d.escape);
    }

    static List<String> parseWords(String rest, int escape) {
        final int inSpaces = 0;
        final int inWord = 1;
        final int inQuote = 2;
        List<String> words = new ArrayList<>();
        int phase = inSpaces;
        StringBuilder word = new StringBuilder();
        int quote = 0;
        boolean blankOk = false;
        int[] cps = rest.codePoints().toArray();
        for (int pos = 0; pos <= cps.length; pos++) {
            int ch = pos < cps.length ? cps[pos] : -1;
            if (phase == inSpaces) {
                if (pos == cps.length) {
                    break;
                }
                if (GoText.isSpace(ch)) {
                    continue;
                }
                phase = inWord;
            }
            if (pos == cps.length) {
                if (blankOk || !word.isEmpty()) {
                    words.add(word.toString());
                }
                break;
            }
            if (phase == inWord) {
                if (GoText.isSpace(ch)) {
                    phase = inSpaces;
                    if (blankOk || !word.isEmpty()) {
                        words.add(word.toString());
                    }
                    word.setLength(0);
                    blankOk = false;
                    continue;
                }
                if (ch == '\'' || ch == '"') {
                    quote = ch;
                    blankOk = true;
                    phase = inQuote;
                }
                if (ch == escape) {
                    if (pos + 1 == cps.length) {
                        continue;
                    }
                    // Outside quotes the escape and the character after it are both kept, even a quote.
                    word.appendCodePoint(ch);
                    ch = cps[++pos];
                }
                word.appendCodePoint(ch);
                continue;
            }
            // inQuote
            if (ch == quote) {
                phase = inWord;
            }
            if (ch == escape && quote != '\'') {
                if (pos + 1 == cps.length) {
                    phase = inWord;
                    continue;
                }
                word.appendCodePoint(ch);
                ch = cps[++pos];
            }
            word.appendCodePoint(ch);
        }
        return words;
    }

    /** ENV and LABEL: legacy {@code name value} or {@code name=value ...}, as name/value/separator triples. */
    private static List<String> nameValues(String rest, String key, Directives d) throws DockerfileSyntaxException.Detail {
        List<String> words = parseWords(rest, d);
        if (words.isEmpty()) {
            return List.of();
        }
        if (!words.getFirst().contains("=")) {
            String[] parts = WHITESPACE.split(rest, 2);
            if (parts.length < 2) {
                throw new DockerfileSyntaxException.Detail(key + " must have two arguments");
            }
            return List.of(parts[0], parts[1], "");
        }
        List<String> out = new ArrayList<>();
        for (String w : words) {
            int eq = w.indexOf('=');
            if (eq < 0) {
                throw new DockerfileSyntaxException.Detail("Syntax error - can't find = in " + GoText.quote(w) + ". Must be of the form: name=value");
            }
            out.add(w.substring(0, eq));
            out.add(w.substring(eq + 1));
            out.add("=");
        }
        return out;
    }

    private static List<String> whitespaceDelimited(String rest) {
        if (rest.isEmpty()) {
            return List.of();
        }
        List<String> out = new ArrayList<>(List.of(WHITESPACE.split(rest, -1)));
        return out;
    }

    private static Parsed maybeJson(String rest) throws DockerfileSyntaxException.Detail {
        if (rest.isEmpty()) {
            return Parsed.EMPTY;
        }
        return switch (JsonArgs.parse(rest)) {
            case JsonArgs.Strings s -> new Parsed(s.values(), null, true);
            case JsonArgs.NotStringArray n -> throw new DockerfileSyntaxException.Detail(JsonArgs.NOT_STRING_ARRAY);
            case JsonArgs.NotJson n -> Parsed.of(List.of(rest));
        };
    }

    private static Parsed maybeJsonToList(String rest) throws DockerfileSyntaxException.Detail {
        return switch (JsonArgs.parse(rest)) {
            case JsonArgs.Strings s -> new Parsed(s.values(), null, true);
            case JsonArgs.NotStringArray n -> throw new DockerfileSyntaxException.Detail(JsonArgs.NOT_STRING_ARRAY);
            case JsonArgs.NotJson n -> Parsed.of(whitespaceDelimited(rest));
        };
    }

    /** HEALTHCHECK: a type word (CMD, NONE, ...) then a command in JSON or shell form. */
    private static Parsed healthcheck(String text) throws DockerfileSyntaxException.Detail {
        // Docker finds the type word byte by byte, like the flags
        String rest = GoText.byteChars(text);
        int sep = 0;
        while (sep < rest.length() && !GoText.isSpace(rest.charAt(sep))) {
            sep++;
        }
        int next = sep;
        while (next < rest.length() && GoText.isSpace(rest.charAt(next))) {
            next++;
        }
        if (sep == 0) {
            return Parsed.EMPTY;
        }
        Parsed cmd = maybeJson(GoText.fromByteChars(rest.substring(next)));
        List<String> args = new ArrayList<>();
        args.add(GoText.fromByteChars(rest.substring(0, sep)));
        args.addAll(cmd.args());
        return new Parsed(args, null, cmd.json());
    }

    private static boolean canContainHeredoc(Statement st) {
        Statement s = st;
        if (s.command().equals("onbuild") && s.sub() != null) {
            s = s.sub();
        }
        String c = s.command();
        return (c.equals("run") || c.equals("copy") || c.equals("add")) && !s.json();
    }

    /** The here-documents a line introduces, in order. */
    private static List<Heredoc> heredocsFromLine(String line, int start, int end) throws DockerfileSyntaxException {
        List<String> words;
        try {
            words = ShellLex.of('\\').withRawQuotes(true).withRawEscapes(true).withSkipUnsetEnv(true).processWords(line, name -> null);
        } catch (ShellLex.ShellSyntaxException e) {
            return List.of();
        }
        List<Heredoc> docs = new ArrayList<>();
        for (String w : words) {
            try {
                Heredoc h = parseHeredoc(w);
                if (h != null) {
                    docs.add(h);
                }
            } catch (ShellLex.ShellSyntaxException e) {
                throw new DockerfileSyntaxException(start, end, e.getMessage());
            }
        }
        return docs;
    }

    /**
     * A heredoc word ({@code <<EOF}, {@code <<-"EOF"}, {@code 3<<EOF}) as a heredoc without content, or
     * null when the word is not one. Quoting any part of the delimiter turns expansion off.
     */
    public static Heredoc parseHeredoc(String word) throws ShellLex.ShellSyntaxException {
        Matcher m = HEREDOC.matcher(word);
        if (!m.find()) {
            return null;
        }
        String rest = m.group(3);
        if (rest.isEmpty()) {
            return null;
        }
        int fd = m.group(1).isEmpty() ? 0 : parseFd(m.group(1));
        ShellLex lex = ShellLex.of('\\').withSkipUnsetEnv(true);
        List<String> plain = lex.processWords(rest, name -> null);
        if (plain.size() != 1) {
            return null;
        }
        List<String> raw = lex.withRawQuotes(true).processWords(rest, name -> null);
        if (raw.size() != 1) {
            throw new ShellLex.ShellSyntaxException("internal lexing of heredoc produced inconsistent results: " + rest);
        }
        boolean expand = quotes(plain.getFirst()) == quotes(raw.getFirst());
        return new Heredoc(plain.getFirst(), "", expand, m.group(2).equals("-"), fd);
    }

    private static int parseFd(String digits) {
        try {
            return Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static long quotes(String s) {
        return s.chars().filter(c -> c == '\'' || c == '"').count();
    }
}
