package dev.berth.cli.template;

import dev.berth.cli.template.Token.Kind;
import java.util.ArrayList;
import java.util.List;

/** Splits a template into tokens the way Go's text/template lexer does (delimiters "{{" and "}}"). */
final class Lexer {
    private static final String LEFT = "{{";
    private static final String RIGHT = "}}";
    private static final String LEFT_COMMENT = "/*";
    private static final String RIGHT_COMMENT = "*/";

    private final String in;
    private final List<Token> out = new ArrayList<>();
    private int start;
    private int pos;
    private int parenDepth;
    private boolean failed;

    private Lexer(String in) {
        this.in = in;
    }

    /** Returns all tokens; the list ends with EOF or with an ERROR token carrying Go's message. */
    static List<Token> lex(String text) {
        Lexer l = new Lexer(text);
        l.run();
        return l.out;
    }

    private void run() {
        while (!failed) {
            if (!lexText()) {
                break;
            }
            lexAfterLeftDelim();
        }
        if (!failed) {
            out.add(new Token(Kind.EOF, "", in.length()));
        }
    }

    /** Emits text up to the next "{{"; returns false at end of input. */
    private boolean lexText() {
        int x = in.indexOf(LEFT, pos);
        if (x < 0) {
            pos = in.length();
            if (pos > start) {
                emit(Kind.TEXT);
            }
            return false;
        }
        int textEnd = x;
        if (hasLeftTrimMarker(x + LEFT.length())) {
            while (textEnd > start && isSpace(in.charAt(textEnd - 1))) {
                textEnd--;
            }
        }
        if (textEnd > start) {
            out.add(new Token(Kind.TEXT, in.substring(start, textEnd), start));
        }
        pos = x;
        start = x;
        return true;
    }

    private void lexAfterLeftDelim() {
        pos += LEFT.length();
        boolean trim = hasLeftTrimMarker(pos);
        int afterMarker = trim ? 2 : 0;
        if (in.startsWith(LEFT_COMMENT, pos + afterMarker)) {
            pos += afterMarker;
            start = pos;
            lexComment();
            return;
        }
        emit(Kind.LEFT_DELIM);
        pos += afterMarker;
        start = pos;
        parenDepth = 0;
        lexInsideAction();
    }

    private void lexComment() {
        pos += LEFT_COMMENT.length();
        int x = in.indexOf(RIGHT_COMMENT, pos);
        if (x < 0) {
            error("unclosed comment");
            return;
        }
        pos = x + RIGHT_COMMENT.length();
        int delim = atRightDelim();
        if (delim == 0) {
            error("comment ends before closing delimiter");
            return;
        }
        emit(Kind.COMMENT);
        pos += delim == 2 ? 2 + RIGHT.length() : RIGHT.length();
        if (delim == 2) {
            skipLeadingSpace();
        }
        start = pos;
    }

    /** 0: not at a right delimiter; 1: at "}}"; 2: at " -}}". */
    private int atRightDelim() {
        if (hasRightTrimMarker(pos) && in.startsWith(RIGHT, pos + 2)) {
            return 2;
        }
        return in.startsWith(RIGHT, pos) ? 1 : 0;
    }

    private void lexInsideAction() {
        while (!failed) {
            int delim = atRightDelim();
            if (delim != 0) {
                if (parenDepth != 0) {
                    error("unclosed left paren");
                    return;
                }
                if (delim == 2) {
                    pos += 2;
                    start = pos;
                }
                pos += RIGHT.length();
                emit(Kind.RIGHT_DELIM);
                if (delim == 2) {
                    skipLeadingSpace();
                    start = pos;
                }
                return;
            }
            if (pos >= in.length()) {
                error("unclosed action");
                return;
            }
            char c = in.charAt(pos++);
            if (isSpace(c)) {
                pos--;
                lexSpace();
            } else if (c == '=') {
                emit(Kind.ASSIGN);
            } else if (c == ':') {
                if (pos >= in.length() || in.charAt(pos) != '=') {
                    error("expected :=");
                    return;
                }
                pos++;
                emit(Kind.DECLARE);
            } else if (c == '|') {
                emit(Kind.PIPE);
            } else if (c == '"') {
                lexQuote();
            } else if (c == '`') {
                lexRawQuote();
            } else if (c == '$') {
                lexFieldOrVariable(Kind.VARIABLE);
            } else if (c == '\'') {
                lexChar();
            } else if (c == '.' && (pos >= in.length() || in.charAt(pos) < '0' || in.charAt(pos) > '9')) {
                lexFieldOrVariable(Kind.FIELD);
            } else if (c == '.' || c == '+' || c == '-' || (c >= '0' && c <= '9')) {
                pos--;
                lexNumber();
            } else if (isAlphaNumeric(c)) {
                pos--;
                lexIdentifier();
            } else if (c == '(') {
                emit(Kind.LEFT_PAREN);
                parenDepth++;
            } else if (c == ')') {
                if (--parenDepth < 0) {
                    error("unexpected right paren");
                    return;
                }
                emit(Kind.RIGHT_PAREN);
            } else if (c < 0x7f && c >= 0x20) {
                emit(Kind.CHAR);
            } else {
                int cp = in.codePointAt(pos - 1);
                error("unrecognized character in action: " + GoFormat.unicodeName(cp));
                return;
            }
        }
    }

    private void lexSpace() {
        int n = 0;
        while (pos < in.length() && isSpace(in.charAt(pos))) {
            pos++;
            n++;
        }
        // A space may belong to a trim marker " -}}": leave it for the delimiter.
        if (hasRightTrimMarker(pos - 1) && in.startsWith(RIGHT, pos + 1)) {
            pos--;
            if (n == 1) {
                return;
            }
        }
        emit(Kind.SPACE);
    }

    private void lexQuote() {
        while (true) {
            if (pos >= in.length() || in.charAt(pos) == '\n') {
                error("unterminated quoted string");
                return;
            }
            char c = in.charAt(pos++);
            if (c == '\\') {
                if (pos >= in.length() || in.charAt(pos) == '\n') {
                    error("unterminated quoted string");
                    return;
                }
                pos++;
            } else if (c == '"') {
                break;
            }
        }
        emit(Kind.STRING);
    }

    private void lexRawQuote() {
        int x = in.indexOf('`', pos);
        if (x < 0) {
            error("unterminated raw quoted string");
            return;
        }
        pos = x + 1;
        emit(Kind.RAW_STRING);
    }

    private void lexChar() {
        while (true) {
            if (pos >= in.length() || in.charAt(pos) == '\n') {
                error("unterminated character constant");
                return;
            }
            char c = in.charAt(pos++);
            if (c == '\\') {
                if (pos >= in.length() || in.charAt(pos) == '\n') {
                    error("unterminated character constant");
                    return;
                }
                pos++;
            } else if (c == '\'') {
                break;
            }
        }
        emit(Kind.CHAR_CONSTANT);
    }

    private void lexFieldOrVariable(Kind kind) {
        if (atTerminator()) {
            emit(kind == Kind.VARIABLE ? Kind.VARIABLE : Kind.DOT);
            return;
        }
        while (pos < in.length() && isAlphaNumeric(in.charAt(pos))) {
            pos++;
        }
        if (!atTerminator()) {
            badCharacter();
            return;
        }
        emit(kind);
    }

    private void lexIdentifier() {
        while (pos < in.length() && isAlphaNumeric(in.charAt(pos))) {
            pos++;
        }
        if (!atTerminator()) {
            badCharacter();
            return;
        }
        String word = in.substring(start, pos);
        Kind kind = switch (word) {
            case "if" -> Kind.IF;
            case "else" -> Kind.ELSE;
            case "end" -> Kind.END;
            case "range" -> Kind.RANGE;
            case "with" -> Kind.WITH;
            case "define" -> Kind.DEFINE;
            case "template" -> Kind.TEMPLATE;
            case "block" -> Kind.BLOCK;
            case "break" -> Kind.BREAK;
            case "continue" -> Kind.CONTINUE;
            case "nil" -> Kind.NIL;
            case "true", "false" -> Kind.BOOL;
            default -> Kind.IDENTIFIER;
        };
        emit(kind);
    }

    private void badCharacter() {
        int cp = pos < in.length() ? in.codePointAt(pos) : -1;
        error("bad character " + GoFormat.unicodeName(cp));
    }

    private void lexNumber() {
        if (!scanNumber()) {
            error("bad number syntax: " + GoFormat.quote(in.substring(start, pos)));
            return;
        }
        emit(Kind.NUMBER);
    }

    private boolean scanNumber() {
        accept("+-");
        String digits = "0123456789_";
        if (accept("0")) {
            if (accept("xX")) {
                digits = "0123456789abcdefABCDEF_";
            } else if (accept("oO")) {
                digits = "01234567_";
            } else if (accept("bB")) {
                digits = "01_";
            }
        }
        acceptRun(digits);
        if (accept(".")) {
            acceptRun(digits);
        }
        if (digits.length() == 11 && accept("eE")) {
            accept("+-");
            acceptRun("0123456789_");
        }
        if (digits.length() == 23 && accept("pP")) {
            accept("+-");
            acceptRun("0123456789_");
        }
        accept("i");
        if (pos < in.length() && isAlphaNumeric(in.charAt(pos))) {
            pos++;
            return false;
        }
        return true;
    }

    private boolean accept(String valid) {
        if (pos < in.length() && valid.indexOf(in.charAt(pos)) >= 0) {
            pos++;
            return true;
        }
        return false;
    }

    private void acceptRun(String valid) {
        while (accept(valid)) {
            // consume
        }
    }

    private boolean atTerminator() {
        if (pos >= in.length()) {
            return true;
        }
        char c = in.charAt(pos);
        if (isSpace(c)) {
            return true;
        }
        return switch (c) {
            case '.', ',', '|', ':', ')', '(' -> true;
            default -> in.startsWith(RIGHT, pos);
        };
    }

    private void skipLeadingSpace() {
        while (pos < in.length() && isSpace(in.charAt(pos))) {
            pos++;
        }
    }

    private boolean hasLeftTrimMarker(int at) {
        return at + 1 < in.length() && in.charAt(at) == '-' && isSpace(in.charAt(at + 1));
    }

    private boolean hasRightTrimMarker(int at) {
        return at >= 0 && at + 1 < in.length() && isSpace(in.charAt(at)) && in.charAt(at + 1) == '-';
    }

    private void emit(Kind kind) {
        out.add(new Token(kind, in.substring(start, pos), start));
        start = pos;
    }

    private void error(String message) {
        out.add(new Token(Kind.ERROR, message, start));
        failed = true;
    }

    static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    static boolean isAlphaNumeric(char c) {
        return c == '_' || Character.isLetterOrDigit(c);
    }
}
