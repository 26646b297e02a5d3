package dev.berth.cli.template;

import com.fasterxml.jackson.databind.node.NullNode;

/** A JSON null read from a named field, kept so that printing can render it as docker's typed Go value would. */
final class FieldNull extends NullNode {
    private final String field;

    FieldNull(String field) {
        this.field = field;
    }

    String field() {
        return field;
    }
}
