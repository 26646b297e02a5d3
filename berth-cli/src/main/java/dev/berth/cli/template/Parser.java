package dev.berth.cli.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.berth.cli.template.Node.ActionNode;
import dev.berth.cli.template.Node.ChainNode;
import dev.berth.cli.template.Node.CommandNode;
import dev.berth.cli.template.Node.ConstantNode;
import dev.berth.cli.template.Node.Control;
import dev.berth.cli.template.Node.ControlNode;
import dev.berth.cli.template.Node.DotNode;
import dev.berth.cli.template.Node.FieldNode;
import dev.berth.cli.template.Node.IdentifierNode;
import dev.berth.cli.template.Node.ListNode;
import dev.berth.cli.template.Node.LoopControlNode;
import dev.berth.cli.template.Node.NilNode;
import dev.berth.cli.template.Node.PipeNode;
import dev.berth.cli.template.Node.VariableNode;
import dev.berth.cli.template.Token.Kind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Recursive-descent parser producing the same tree and errors as Go's text/template/parse. */
final class Parser {
    /** Thrown internally to unwind; converted to a TemplateException by {@link #parse}. */
    private static final class Failure extends RuntimeException {
        Failure(String message) {
            super(message, null, false, false);
        }
    }

    /** Marks the {{end}} or {{else}} that closes a list. */
    private record Terminator(Kind kind, int pos, Token elseFollower) {}

    private final String src;
    private final List<Token> tokens;
    private final Set<String> functions;
    private List<String> vars = new ArrayList<>();
    private final Map<String, ListNode> defines = new HashMap<>();
    private int idx;
    private int rangeDepth;
    private int errorPos;

    private Parser(String src, Set<String> functions) {
        this.src = src;
        this.tokens = Lexer.lex(src);
        this.functions = functions;
        vars.add("$");
    }

    /** The main template and the templates it defines with {{define}} or {{block}}. */
    record Parsed(ListNode root, Map<String, ListNode> defines) {}

    static Parsed parse(String src, Set<String> functions) throws TemplateException {
        Parser p = new Parser(src, functions);
        try {
            ListNode root = p.root();
            return new Parsed(root, Map.copyOf(p.defines));
        } catch (Failure f) {
            throw new TemplateException("template: :" + lineOf(src, p.errorPos) + ": " + f.getMessage());
        }
    }

    static int lineOf(String src, int pos) {
        int line = 1;
        for (int i = 0; i < pos && i < src.length(); i++) {
            if (src.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    private ListNode root() {
        List<Node> nodes = new ArrayList<>();
        while (peek().kind() != Kind.EOF) {
            // {{define}} is only allowed at the top level, as in Go.
            if (peek().kind() == Kind.LEFT_DELIM) {
                int save = idx;
                next();
                if (nextNonSpace().kind() == Kind.DEFINE) {
                    definition("define clause");
                    continue;
                }
                idx = save;
            }
            Object n = textOrAction();
            if (n instanceof Terminator t) {
                throw fail(t.pos(), "unexpected {{" + (t.kind() == Kind.END ? "end" : "else") + "}}");
            }
            if (n != null) {
                nodes.add((Node) n);
            }
        }
        return new ListNode(0, nodes);
    }

    /** Parses until {{end}} or {{else}}; returns the list and leaves the terminator in {@code term[0]}. */
    private ListNode itemList(Terminator[] term) {
        List<Node> nodes = new ArrayList<>();
        int pos = peekNonSpace().pos();
        while (peekNonSpace().kind() != Kind.EOF) {
            Object n = textOrAction();
            if (n instanceof Terminator t) {
                term[0] = t;
                return new ListNode(pos, nodes);
            }
            if (n != null) {
                nodes.add((Node) n);
            }
        }
        throw fail(peek().pos(), "unexpected EOF");
    }

    /** Returns a Node, a Terminator, or null for a comment. */
    private Object textOrAction() {
        Token t = nextNonSpace();
        return switch (t.kind()) {
            case TEXT -> new Node.TextNode(t.pos(), t.text());
            case LEFT_DELIM -> action();
            case COMMENT -> null;
            default -> throw unexpected(t, "input");
        };
    }

    private Object action() {
        Token t = nextNonSpace();
        switch (t.kind()) {
            case TEMPLATE -> {
                return templateCall("template clause");
            }
            case BLOCK -> {
                return block();
            }
            case BREAK, CONTINUE -> {
                return loopControl(t);
            }
            case ELSE -> {
                return elseControl(t);
            }
            case END -> {
                expect(Kind.RIGHT_DELIM, "end");
                return new Terminator(Kind.END, t.pos(), null);
            }
            case IF -> {
                return control(Control.IF, t);
            }
            case RANGE -> {
                return control(Control.RANGE, t);
            }
            case WITH -> {
                return control(Control.WITH, t);
            }
            default -> {
                backup();
            }
        }
        Token start = peek();
        return new ActionNode(start.pos(), pipeline("command", Kind.RIGHT_DELIM));
    }

    /** After {{define: "name"}} body {{end}}; the body has its own variables. */
    private void definition(String context) {
        String name = templateName(nextNonSpace(), context);
        expect(Kind.RIGHT_DELIM, context);
        defineBody(name, context);
    }

    private void defineBody(String name, String context) {
        List<String> outerVars = vars;
        int outerRangeDepth = rangeDepth;
        vars = new ArrayList<>(List.of("$"));
        rangeDepth = 0;
        try {
            Terminator[] term = new Terminator[1];
            ListNode body = itemList(term);
            if (term[0].kind() != Kind.END) {
                throw fail(term[0].pos(), "unexpected {{else}} in " + context);
            }
            // As in Go, an empty redefinition does not replace a non-empty one.
            if (!defines.containsKey(name) || !isEmpty(body)) {
                defines.put(name, body);
            }
        } finally {
            vars = outerVars;
            rangeDepth = outerRangeDepth;
        }
    }

    private static boolean isEmpty(ListNode list) {
        for (Node n : list.nodes()) {
            if (!(n instanceof Node.TextNode t) || !t.text().isBlank()) {
                return false;
            }
        }
        return true;
    }

    private String templateName(Token t, String context) {
        if (t.kind() != Kind.STRING && t.kind() != Kind.RAW_STRING) {
            throw unexpected(t, context);
        }
        String name = GoFormat.unquote(t.text());
        if (name == null) {
            throw fail(t.pos(), "invalid syntax");
        }
        return name;
    }

    /** After {{template: "name" [pipeline]}}. */
    private Node templateCall(String context) {
        Token nameToken = nextNonSpace();
        String name = templateName(nameToken, context);
        PipeNode pipe = null;
        if (nextNonSpace().kind() != Kind.RIGHT_DELIM) {
            backup();
            pipe = pipeline(context, Kind.RIGHT_DELIM);
        }
        return new Node.TemplateCallNode(nameToken.pos(), name, pipe);
    }

    /** After {{block: "name" pipeline}} body {{end}}: defines name and calls it here. */
    private Node block() {
        String context = "block clause";
        Token nameToken = nextNonSpace();
        String name = templateName(nameToken, context);
        PipeNode pipe = pipeline(context, Kind.RIGHT_DELIM);
        defineBody(name, context);
        return new Node.TemplateCallNode(nameToken.pos(), name, pipe);
    }

    private Node loopControl(Token t) {
        String name = t.text();
        Token next = nextNonSpace();
        if (next.kind() != Kind.RIGHT_DELIM) {
            throw unexpected(next, "{{" + name + "}}");
        }
        if (rangeDepth == 0) {
            throw fail(t.pos(), "{{" + name + "}} outside {{range}}");
        }
        return new LoopControlNode(t.pos(), t.kind() == Kind.BREAK);
    }

    private Terminator elseControl(Token t) {
        // "else if" / "else with" chain into a nested control ending at the same {{end}}.
        Token p = peekNonSpace();
        if (p.kind() == Kind.IF || p.kind() == Kind.WITH) {
            return new Terminator(Kind.ELSE, t.pos(), p);
        }
        // Anything else after else must close the action.
        Token next = nextNonSpace();
        if (next.kind() != Kind.RIGHT_DELIM) {
            throw unexpected(next, "else");
        }
        return new Terminator(Kind.ELSE, t.pos(), null);
    }

    private ControlNode control(Control kind, Token t) {
        int mark = vars.size();
        try {
            String context = kind.name().toLowerCase(java.util.Locale.ROOT);
            PipeNode pipe = pipeline(context, Kind.RIGHT_DELIM);
            if (kind == Control.RANGE) {
                rangeDepth++;
            }
            Terminator[] term = new Terminator[1];
            ListNode list;
            try {
                list = itemList(term);
            } finally {
                if (kind == Control.RANGE) {
                    rangeDepth--;
                }
            }
            ListNode elseList = null;
            if (term[0].kind() == Kind.ELSE) {
                Token follower = term[0].elseFollower();
                if (follower != null) {
                    if (kind == Control.RANGE || (follower.kind() == Kind.WITH) != (kind == Control.WITH)) {
                        // Go only chains "else if" after if and "else with" after with; otherwise the keyword
                        // reaches the list parser as input.
                        throw unexpected(follower, "input");
                    }
                    // The nested control consumes the shared {{end}}.
                    Token kw = nextNonSpace();
                    ControlNode nested = control(kind, kw);
                    elseList = new ListNode(nested.pos(), List.of(nested));
                } else {
                    elseList = itemList(term);
                    if (term[0].kind() != Kind.END) {
                        throw fail(term[0].pos(), "expected end; found {{else}}");
                    }
                }
            }
            return new ControlNode(t.pos(), kind, pipe, list, elseList);
        } finally {
            while (vars.size() > mark) {
                vars.removeLast();
            }
        }
    }

    private PipeNode pipeline(String context, Kind end) {
        int pos = peekNonSpace().pos();
        List<String> decl = new ArrayList<>();
        boolean isAssign = false;
        // Lookahead for "$x :=", "$x =", "$i, $v :=".
        int save = idx;
        if (peekNonSpace().kind() == Kind.VARIABLE) {
            Token v = nextNonSpace();
            Token after = nextNonSpace();
            if (after.kind() == Kind.DECLARE || after.kind() == Kind.ASSIGN) {
                isAssign = after.kind() == Kind.ASSIGN;
                decl.add(v.text());
            } else if (after.kind() == Kind.CHAR && after.text().equals(",")) {
                if (!context.equals("range")) {
                    throw fail(after.pos(), "too many declarations in " + context);
                }
                Token v2 = nextNonSpace();
                if (v2.kind() != Kind.VARIABLE) {
                    throw fail(v2.pos(), "range can only initialize variables");
                }
                Token op = nextNonSpace();
                if (op.kind() == Kind.CHAR && op.text().equals(",")) {
                    throw fail(op.pos(), "too many declarations in " + context);
                }
                if (op.kind() != Kind.DECLARE && op.kind() != Kind.ASSIGN) {
                    throw unexpected(op, context);
                }
                isAssign = op.kind() == Kind.ASSIGN;
                decl.add(v.text());
                decl.add(v2.text());
            } else {
                idx = save;
            }
        }
        for (String d : decl) {
            if (isAssign) {
                useVar(pos, d);
            } else {
                vars.add(d);
            }
        }
        List<CommandNode> cmds = new ArrayList<>();
        while (true) {
            Token t = nextNonSpace();
            if (t.kind() == end) {
                checkPipeline(t, cmds, context);
                return new PipeNode(pos, List.copyOf(decl), isAssign, cmds);
            }
            switch (t.kind()) {
                case BOOL, CHAR_CONSTANT, DOT, FIELD, IDENTIFIER, NUMBER, NIL, RAW_STRING, STRING, VARIABLE,
                     LEFT_PAREN -> {
                    backup();
                    cmds.add(command());
                }
                default -> throw unexpected(t, context);
            }
        }
    }

    private void checkPipeline(Token at, List<CommandNode> cmds, String context) {
        if (cmds.isEmpty()) {
            throw fail(at.pos(), "missing value for " + context);
        }
        for (int i = 1; i < cmds.size(); i++) {
            Node first = cmds.get(i).args().getFirst();
            if (first instanceof ConstantNode || first instanceof DotNode || first instanceof NilNode) {
                throw fail(first.pos(), "non executable command in pipeline stage " + (i + 1));
            }
        }
    }

    private CommandNode command() {
        int pos = peekNonSpace().pos();
        List<Node> args = new ArrayList<>();
        while (true) {
            peekNonSpace();
            Node operand = operand();
            if (operand != null) {
                args.add(operand);
            }
            Token t = next();
            switch (t.kind()) {
                case SPACE -> {
                    continue;
                }
                case RIGHT_DELIM, RIGHT_PAREN -> backup();
                case PIPE -> {
                    // nothing: the pipeline loop reads the next command (Go accepts a trailing "|")
                }
                default -> throw unexpected(t, "operand");
            }
            break;
        }
        if (args.isEmpty()) {
            throw fail(pos, "empty command");
        }
        return new CommandNode(pos, args);
    }

    private Node operand() {
        Node node = term();
        if (node == null) {
            return null;
        }
        if (peek().kind() == Kind.FIELD) {
            // Like Go, the combined node takes the position of the first chained field (used in error positions).
            int chainPos = peek().pos();
            List<String> fields = new ArrayList<>();
            while (peek().kind() == Kind.FIELD) {
                fields.add(next().text().substring(1));
            }
            if (node instanceof FieldNode f) {
                List<String> all = new ArrayList<>(f.idents());
                all.addAll(fields);
                return new FieldNode(chainPos, all);
            } else if (node instanceof VariableNode v) {
                List<String> all = new ArrayList<>(v.idents());
                all.addAll(fields);
                return new VariableNode(chainPos, all);
            } else if (node instanceof ConstantNode || node instanceof NilNode || node instanceof DotNode) {
                throw fail(node.pos(), "unexpected . after term " + GoFormat.quote(node.toString()));
            }
            return new ChainNode(chainPos, node, fields);
        }
        return node;
    }

    private Node term() {
        Token t = nextNonSpace();
        switch (t.kind()) {
            case IDENTIFIER -> {
                if (!functions.contains(t.text())) {
                    throw fail(t.pos(), "function " + GoFormat.quote(t.text()) + " not defined");
                }
                return new IdentifierNode(t.pos(), t.text());
            }
            case DOT -> {
                return new DotNode(t.pos());
            }
            case NIL -> {
                return new NilNode(t.pos());
            }
            case VARIABLE -> {
                useVar(t.pos(), t.text());
                return new VariableNode(t.pos(), List.of(t.text()));
            }
            case FIELD -> {
                return new FieldNode(t.pos(), List.of(t.text().substring(1)));
            }
            case BOOL -> {
                return new ConstantNode(t.pos(), BooleanNode.valueOf(t.text().equals("true")), t.text());
            }
            case CHAR_CONSTANT, NUMBER -> {
                return new ConstantNode(t.pos(), number(t), t.text());
            }
            case LEFT_PAREN -> {
                return pipeline("parenthesized pipeline", Kind.RIGHT_PAREN);
            }
            case STRING, RAW_STRING -> {
                String s = GoFormat.unquote(t.text());
                if (s == null) {
                    throw fail(t.pos(), "invalid syntax");
                }
                return new ConstantNode(t.pos(), TextNode.valueOf(s), t.text());
            }
            default -> {
                backup();
                return null;
            }
        }
    }

    private JsonNode number(Token t) {
        if (t.kind() == Kind.CHAR_CONSTANT) {
            JsonNode c = GoFormat.charConstant(t.text());
            if (c == null) {
                throw fail(t.pos(), "malformed character constant: " + t.text());
            }
            return c;
        }
        JsonNode n = GoFormat.parseNumber(t.text());
        if (n == null) {
            throw fail(t.pos(), (GoFormat.looksLikeInteger(t.text()) ? "integer overflow: " : "illegal number syntax: ")
                    + GoFormat.quote(t.text()));
        }
        return n;
    }

    private void useVar(int pos, String name) {
        if (!vars.contains(name)) {
            throw fail(pos, "undefined variable " + GoFormat.quote(name));
        }
    }

    private void expect(Kind kind, String context) {
        Token t = nextNonSpace();
        if (t.kind() != kind) {
            throw unexpected(t, context);
        }
    }

    private Token next() {
        Token t = tokens.get(Math.min(idx, tokens.size() - 1));
        if (t.kind() == Kind.ERROR) {
            throw fail(t.pos(), t.text());
        }
        idx++;
        return t;
    }

    private void backup() {
        idx--;
    }

    private Token peek() {
        Token t = tokens.get(Math.min(idx, tokens.size() - 1));
        if (t.kind() == Kind.ERROR) {
            throw fail(t.pos(), t.text());
        }
        return t;
    }

    private Token nextNonSpace() {
        Token t;
        do {
            t = next();
        } while (t.kind() == Kind.SPACE);
        return t;
    }

    private Token peekNonSpace() {
        Token t = nextNonSpace();
        backup();
        return t;
    }

    private Failure unexpected(Token t, String context) {
        if (t.kind() == Kind.ERROR) {
            return fail(t.pos(), t.text());
        }
        return fail(t.pos(), "unexpected " + t.describe() + " in " + context);
    }

    private Failure fail(int pos, String message) {
        errorPos = pos;
        return new Failure(message);
    }
}
