package dev.berth.cli.template;

/** One lexical item of a template: its kind, text and byte offset in the source. */
record Token(Kind kind, String text, int pos) {

    enum Kind {
        TEXT, LEFT_DELIM, RIGHT_DELIM, SPACE, COMMENT,
        FIELD, VARIABLE, IDENTIFIER, STRING, RAW_STRING, CHAR_CONSTANT, NUMBER, BOOL, NIL, DOT,
        PIPE, LEFT_PAREN, RIGHT_PAREN, DECLARE, ASSIGN, CHAR,
        IF, ELSE, END, RANGE, WITH, DEFINE, TEMPLATE, BLOCK, BREAK, CONTINUE,
        EOF, ERROR
    }

    /** Go's rendering of an item in "unexpected X in Y" messages. */
    String describe() {
        return switch (kind) {
            case EOF -> "EOF";
            case ERROR -> text;
            case IF, ELSE, END, RANGE, WITH, DEFINE, TEMPLATE, BLOCK, BREAK, CONTINUE, NIL, DOT -> "<" + text + ">";
            default -> text.length() > 10 ? GoFormat.quote(text.substring(0, 10)) + "..." : GoFormat.quote(text);
        };
    }
}
