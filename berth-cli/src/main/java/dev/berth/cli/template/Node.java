package dev.berth.cli.template;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** The parse tree of a template, mirroring Go's text/template/parse nodes; toString renders like Go's String(). */
sealed interface Node {

    /** Byte offset of the node in the source, for error positions. */
    int pos();

    /** A sequence of nodes. */
    record ListNode(int pos, List<Node> nodes) implements Node {
        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            nodes.forEach(sb::append);
            return sb.toString();
        }
    }

    /** Plain text copied to the output. */
    record TextNode(int pos, String text) implements Node {
        @Override
        public String toString() {
            return GoFormat.quote(text);
        }
    }

    /** {{pipeline}}: evaluates and prints unless it declares variables. */
    record ActionNode(int pos, PipeNode pipe) implements Node {
        @Override
        public String toString() {
            return "{{" + pipe + "}}";
        }
    }

    /** if, with or range: a pipeline, a body and an optional else body. */
    record ControlNode(int pos, Control kind, PipeNode pipe, ListNode list, ListNode elseList) implements Node {
        @Override
        public String toString() {
            String name = kind.name().toLowerCase(java.util.Locale.ROOT);
            String s = "{{" + name + " " + pipe + "}}" + list;
            if (elseList != null) {
                s += "{{else}}" + elseList;
            }
            return s + "{{end}}";
        }
    }

    /** The three control structures. */
    enum Control { IF, WITH, RANGE }

    /** {{template "name" pipeline}} (also what {{block}} leaves in place); pipe may be null. */
    record TemplateCallNode(int pos, String name, PipeNode pipe) implements Node {
        @Override
        public String toString() {
            return "{{template " + GoFormat.quote(name) + (pipe == null ? "" : " " + pipe) + "}}";
        }
    }

    /** {{break}} or {{continue}} inside a range. */
    record LoopControlNode(int pos, boolean isBreak) implements Node {
        @Override
        public String toString() {
            return isBreak ? "{{break}}" : "{{continue}}";
        }
    }

    /** A pipeline, optionally declaring (:=) or assigning (=) variables. */
    record PipeNode(int pos, List<String> decl, boolean isAssign, List<CommandNode> cmds) implements Node {
        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            if (!decl.isEmpty()) {
                sb.append(String.join(", ", decl)).append(isAssign ? " = " : " := ");
            }
            for (int i = 0; i < cmds.size(); i++) {
                if (i > 0) {
                    sb.append(" | ");
                }
                sb.append(cmds.get(i));
            }
            return sb.toString();
        }
    }

    /** One stage of a pipeline: an operand or a function with arguments. */
    record CommandNode(int pos, List<Node> args) implements Node {
        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < args.size(); i++) {
                if (i > 0) {
                    sb.append(' ');
                }
                Node a = args.get(i);
                if (a instanceof PipeNode) {
                    sb.append('(').append(a).append(')');
                } else {
                    sb.append(a);
                }
            }
            return sb.toString();
        }
    }

    /** .A.B.C */
    record FieldNode(int pos, List<String> idents) implements Node {
        @Override
        public String toString() {
            return "." + String.join(".", idents);
        }
    }

    /** $x.A.B, with idents[0] the variable name including '$'. */
    record VariableNode(int pos, List<String> idents) implements Node {
        @Override
        public String toString() {
            return String.join(".", idents);
        }
    }

    /** (pipeline).A.B or other term followed by fields. */
    record ChainNode(int pos, Node node, List<String> fields) implements Node {
        @Override
        public String toString() {
            String s = node instanceof PipeNode ? "(" + node + ")" : node.toString();
            return s + "." + String.join(".", fields);
        }
    }

    /** A function name. */
    record IdentifierNode(int pos, String name) implements Node {
        @Override
        public String toString() {
            return name;
        }
    }

    /** The cursor, ".". */
    record DotNode(int pos) implements Node {
        @Override
        public String toString() {
            return ".";
        }
    }

    /** The untyped nil. */
    record NilNode(int pos) implements Node {
        @Override
        public String toString() {
            return "nil";
        }
    }

    /** A constant: bool, number, string or character, with its source text. */
    record ConstantNode(int pos, JsonNode value, String text) implements Node {
        @Override
        public String toString() {
            return text;
        }
    }
}
