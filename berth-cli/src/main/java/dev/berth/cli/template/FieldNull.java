package dev.berth.cli.template;

import com.fasterxml.jackson.databind.node.NullNode;

/**
 * A JSON null read from a named field, with how docker's typed Go value would print ("[]" for a nil slice, "map[]"
 * for a nil map, "&lt;nil&gt;" for a nil pointer), so printing and fmt functions can render it that way.
 */
final class FieldNull extends NullNode {
    private final String field;
    private final String rendered;

    FieldNull(String field, String rendered) {
        this.field = field;
        this.rendered = rendered;
    }

    String field() {
        return field;
    }

    String rendered() {
        return rendered;
    }

    /** A nil slice or map: Go prints it as an empty collection with any verb. */
    boolean isEmptyCollection() {
        return !rendered.equals("<nil>");
    }
}
