package dev.berth.cli.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
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
import java.util.ArrayList;
import java.util.List;

/** One execution of a parsed template over a JSON value, following Go's text/template exec semantics. */
final class Exec {
    /** Unwinds execution with Go's message; the node gives the position. */
    static final class Failure extends RuntimeException {
        final Node at;

        Failure(Node at, String message) {
            super(message, null, false, false);
            this.at = at;
        }
    }

    /** How a walk ended: normally, or by {{break}} / {{continue}}. */
    private enum Signal { NORMAL, BREAK, CONTINUE }

    private static final JsonNode MISSING = MissingNode.getInstance();

    private final TemplateFunctions funcs;
    private final StringBuilder out;
    private final boolean missingKeyError;
    private final java.util.function.Function<String, String> nullFields;
    private final List<String> varNames = new ArrayList<>();
    private final List<JsonNode> varValues = new ArrayList<>();
    private Node at;
    /** The dot of the command being evaluated, for a method's arguments. */
    private JsonNode currentDot;

    Exec(TemplateFunctions funcs, StringBuilder out, boolean missingKeyError,
            java.util.function.Function<String, String> nullFields) {
        this.funcs = funcs;
        this.out = out;
        this.missingKeyError = missingKeyError;
        this.nullFields = nullFields;
    }

    private java.util.Map<String, ListNode> defines = java.util.Map.of();

    void run(Parser.Parsed parsed, JsonNode data) {
        defines = parsed.defines();
        push("$", data);
        walk(data, parsed.root());
    }

    /** {{template}}: runs a defined template on the pipeline's value with a fresh variable scope ($ = dot). */
    private void walkTemplate(JsonNode dot, Node.TemplateCallNode t) {
        at = t;
        ListNode body = defines.get(t.name());
        if (body == null) {
            throw new Failure(t, "template " + GoFormat.quote(t.name()) + " not defined");
        }
        JsonNode newDot = t.pipe() == null ? MISSING : evalPipeline(dot, t.pipe());
        List<String> savedNames = new ArrayList<>(varNames);
        List<JsonNode> savedValues = new ArrayList<>(varValues);
        pop(0);
        push("$", newDot);
        try {
            walk(newDot, body);
        } finally {
            pop(0);
            varNames.addAll(savedNames);
            varValues.addAll(savedValues);
        }
    }

    private Signal walk(JsonNode dot, Node node) {
        // instanceof chains rather than pattern switches: those bootstrap at run time, which costs CLI start-up.
        if (node instanceof Node.TextNode t) {
            out.append(t.text());
        } else if (node instanceof ActionNode a) {
            at = a;
            JsonNode val = evalPipeline(dot, a.pipe());
            if (a.pipe().decl().isEmpty()) {
                printValue(val);
            }
        } else if (node instanceof ListNode l) {
            for (Node n : l.nodes()) {
                Signal s = walk(dot, n);
                if (s != Signal.NORMAL) {
                    return s;
                }
            }
        } else if (node instanceof ControlNode c) {
            return c.kind() == Control.RANGE ? walkRange(dot, c) : walkIfOrWith(dot, c);
        } else if (node instanceof Node.TemplateCallNode t) {
            walkTemplate(dot, t);
        } else if (node instanceof LoopControlNode b) {
            return b.isBreak() ? Signal.BREAK : Signal.CONTINUE;
        } else {
            throw new Failure(node, "unknown node: " + node);
        }
        return Signal.NORMAL;
    }

    private void printValue(JsonNode v) {
        if (v.isMissingNode()) {
            out.append("<no value>");
        } else if (v instanceof FieldNull f) {
            out.append(f.rendered());
        } else {
            GoFormat.appendValue(out, v);
        }
    }

    private Signal walkIfOrWith(JsonNode dot, ControlNode c) {
        int mark = varNames.size();
        try {
            at = c;
            JsonNode val = evalPipeline(dot, c.pipe());
            if (TemplateFunctions.truth(val)) {
                return walk(c.kind() == Control.WITH ? val : dot, c.list());
            } else if (c.elseList() != null) {
                return walk(dot, c.elseList());
            }
            return Signal.NORMAL;
        } finally {
            pop(mark);
        }
    }

    private Signal walkRange(JsonNode dot, ControlNode r) {
        int mark = varNames.size();
        try {
            at = r;
            JsonNode val = evalPipeline(dot, r.pipe());
            int inner = varNames.size();
            boolean ran = false;
            if (val.isArray()) {
                for (int i = 0; i < val.size(); i++) {
                    ran = true;
                    if (iteration(r, inner, IntNode.valueOf(i), val.get(i)) == Signal.BREAK) {
                        break;
                    }
                }
            } else if (val.isObject()) {
                for (String key : GoFormat.sortedKeys(val)) {
                    ran = true;
                    if (iteration(r, inner, TextNode.valueOf(key), val.get(key)) == Signal.BREAK) {
                        break;
                    }
                }
            } else if (val.isIntegralNumber()) {
                if (r.pipe().decl().size() > 1) {
                    throw new Failure(at, "can't use " + GoFormat.valueString(val) + " to iterate over more than one variable");
                }
                long n = val.longValue();
                for (long i = 0; i < n; i++) {
                    ran = true;
                    JsonNode v = IntNode.valueOf((int) i);
                    if (iteration(r, inner, v, v) == Signal.BREAK) {
                        break;
                    }
                }
            } else if (!val.isMissingNode() && !val.isNull()) {
                // Docker's typed nil slices and maps become JSON null, so null ranges like an empty list.
                throw new Failure(at, "range can't iterate over " + GoFormat.valueString(val));
            }
            if (!ran && r.elseList() != null) {
                return walk(dot, r.elseList());
            }
            return Signal.NORMAL;
        } finally {
            pop(mark);
        }
    }

    private Signal iteration(ControlNode r, int mark, JsonNode index, JsonNode elem) {
        List<String> decl = r.pipe().decl();
        if (!decl.isEmpty()) {
            if (r.pipe().isAssign()) {
                if (decl.size() > 1) {
                    setVar(decl.get(0), index);
                    setVar(decl.get(1), elem);
                } else {
                    setVar(decl.get(0), elem);
                }
            } else {
                setTopVar(1, elem);
                if (decl.size() > 1) {
                    setTopVar(2, index);
                }
            }
        }
        try {
            return walk(elem, r.list());
        } finally {
            pop(mark);
        }
    }

    private JsonNode evalPipeline(JsonNode dot, PipeNode pipe) {
        at = pipe;
        JsonNode value = null;
        for (CommandNode cmd : pipe.cmds()) {
            value = evalCommand(dot, cmd, value);
        }
        for (String name : pipe.decl()) {
            if (pipe.isAssign()) {
                setVar(name, value);
            } else {
                push(name, value);
            }
        }
        return value;
    }

    /** {@code fin} is the previous pipeline stage's value, or null for the first stage. */
    private JsonNode evalCommand(JsonNode dot, CommandNode cmd, JsonNode fin) {
        JsonNode saved = currentDot;
        currentDot = dot;
        try {
            return evalCommandAt(dot, cmd, fin);
        } finally {
            currentDot = saved;
        }
    }

    private JsonNode evalCommandAt(JsonNode dot, CommandNode cmd, JsonNode fin) {
        Node first = cmd.args().getFirst();
        if (first instanceof FieldNode f) {
            return evalFieldNode(dot, f, cmd.args(), fin);
        } else if (first instanceof ChainNode c) {
            return evalChainNode(dot, c, cmd.args(), fin);
        } else if (first instanceof IdentifierNode i) {
            return evalFunction(dot, i, cmd, cmd.args(), fin);
        } else if (first instanceof PipeNode p) {
            notAFunction(cmd.args(), fin);
            return evalPipeline(dot, p);
        } else if (first instanceof VariableNode v) {
            return evalVariableNode(dot, v, cmd.args(), fin);
        }
        at = first;
        notAFunction(cmd.args(), fin);
        if (first instanceof ConstantNode c) {
            return c.value();
        } else if (first instanceof DotNode) {
            return dot;
        } else if (first instanceof NilNode) {
            throw new Failure(first, "nil is not a command");
        }
        throw new Failure(first, "can't evaluate command " + first);
    }

    private void notAFunction(List<Node> args, JsonNode fin) {
        if ((args != null && args.size() > 1) || fin != null) {
            throw new Failure(at, "can't give argument to non-function " + args.getFirst());
        }
    }

    private JsonNode evalFieldNode(JsonNode dot, FieldNode f, List<Node> args, JsonNode fin) {
        at = f;
        return evalFieldChain(dot, f, f.idents(), args, fin);
    }

    private JsonNode evalChainNode(JsonNode dot, ChainNode c, List<Node> args, JsonNode fin) {
        at = c;
        JsonNode receiver = evalArg(dot, c.node());
        at = c;
        return evalFieldChain(receiver, c, c.fields(), args, fin);
    }

    private JsonNode evalVariableNode(JsonNode dot, VariableNode v, List<Node> args, JsonNode fin) {
        at = v;
        JsonNode value = varValue(v, v.idents().getFirst());
        if (v.idents().size() == 1) {
            notAFunction(args, fin);
            return value;
        }
        return evalFieldChain(value, v, v.idents().subList(1, v.idents().size()), args, fin);
    }

    private JsonNode evalFieldChain(JsonNode receiver, Node node, List<String> idents, List<Node> args, JsonNode fin) {
        int n = idents.size();
        for (int i = 0; i < n - 1; i++) {
            receiver = evalField(idents.get(i), node, null, null, receiver);
        }
        return evalField(idents.get(n - 1), node, args, fin, receiver);
    }

    private JsonNode evalField(String name, Node node, List<Node> args, JsonNode fin, JsonNode receiver) {
        if (receiver.isMissingNode()) {
            if (missingKeyError) {
                throw new Failure(node, "nil data; no entry for key " + GoFormat.quote(name));
            }
            return MISSING;
        }
        boolean hasArgs = (args != null && args.size() > 1) || fin != null;
        TemplateFunctions.MethodDef method = receiver.isObject() ? funcs.method(name) : null;
        if (method != null) {
            return callMethod(method, receiver, node, args, fin);
        }
        if (receiver.isObject()) {
            if (hasArgs) {
                throw new Failure(node, name + " is not a method but has arguments");
            }
            JsonNode v = receiver.get(name);
            if (v == null && missingKeyError) {
                throw new Failure(node, "map has no entry for key " + GoFormat.quote(name));
            }
            if (v != null && v.isNull() && nullFields != null) {
                return new FieldNull(name, nullFields.apply(name));
            }
            return v == null ? MISSING : v;
        }
        if (receiver.isNull()) {
            throw new Failure(node, "nil pointer evaluating interface {}." + name);
        }
        // Values decoded from JSON sit in interface{} slots, which is the type Go names here.
        throw new Failure(node, "can't evaluate field " + name + " in type interface {}");
    }

    private JsonNode callMethod(TemplateFunctions.MethodDef m, JsonNode receiver, Node node, List<Node> args, JsonNode fin) {
        List<Node> argNodes = args == null ? List.of() : args.subList(1, args.size());
        int numIn = argNodes.size() + (fin != null ? 1 : 0);
        if (numIn < m.minArgs() || (m.maxArgs() >= 0 && numIn > m.maxArgs())) {
            String want = m.maxArgs() < 0 ? "at least " + m.minArgs() : Integer.toString(m.minArgs());
            throw new Failure(node, "wrong number of args for " + m.name() + ": want " + want + " got " + numIn);
        }
        List<JsonNode> values = new ArrayList<>(numIn);
        Node[] argAt = new Node[argNodes.size()];
        // Arguments evaluate against the dot of the enclosing command, as in Go.
        for (int i = 0; i < argNodes.size(); i++) {
            values.add(evalArg(currentDot, argNodes.get(i)));
            argAt[i] = at;
        }
        if (fin != null) {
            values.add(fin);
        }
        try {
            JsonNode result = m.fn().apply(receiver, values);
            return result == null ? NullNode.getInstance() : result;
        } catch (TemplateFunctions.CallException e) {
            if (e.argumentError()) {
                throw argumentFailure(e, argNodes, argAt);
            }
            throw new Failure(node, "error calling " + m.name() + ": " + e.getMessage());
        }
    }

    private JsonNode evalFunction(JsonNode dot, IdentifierNode ident, Node cmd, List<Node> args, JsonNode fin) {
        at = ident;
        TemplateFunctions.Def def = funcs.get(ident.name());
        if (def == null) {
            throw new Failure(ident, GoFormat.quote(ident.name()) + " is not a defined function");
        }
        List<Node> argNodes = args == null ? List.of() : args.subList(1, args.size());
        int numIn = argNodes.size() + (fin != null ? 1 : 0);
        if (numIn < def.minArgs() || (def.maxArgs() >= 0 && numIn > def.maxArgs())) {
            String want = def.maxArgs() < 0 ? "at least " + def.minArgs() : Integer.toString(def.minArgs());
            throw new Failure(ident, "wrong number of args for " + def.name() + ": want " + want + " got " + numIn);
        }
        if (def.builtin() && (def.name().equals("and") || def.name().equals("or"))) {
            boolean isOr = def.name().equals("or");
            JsonNode v = MISSING;
            for (Node a : argNodes) {
                v = evalArg(dot, a);
                if (TemplateFunctions.truth(v) == isOr) {
                    return v;
                }
            }
            return fin != null ? fin : v;
        }
        List<JsonNode> values = new ArrayList<>(numIn);
        // Go reports a value of the wrong type at the node evaluated last while computing that argument.
        Node[] argAt = new Node[argNodes.size()];
        for (int i = 0; i < argNodes.size(); i++) {
            values.add(evalArg(dot, argNodes.get(i)));
            argAt[i] = at;
        }
        if (fin != null) {
            values.add(fin);
        }
        try {
            JsonNode result = def.fn().apply(values);
            return result == null ? NullNode.getInstance() : result;
        } catch (TemplateFunctions.CallException e) {
            if (e.argumentError()) {
                throw argumentFailure(e, argNodes, argAt);
            }
            throw new Failure(cmd, "error calling " + def.name() + ": " + e.getMessage());
        }
    }

    /**
     * Go converts each argument to the parameter's type while evaluating it: a constant of the wrong kind reads
     * "expected integer; found 1.5", any other value "wrong type for value; ...", both at the argument.
     */
    private Failure argumentFailure(TemplateFunctions.CallException e, List<Node> argNodes, Node[] argAt) {
        int i = e.argIndex();
        if (i < 0 || i >= argNodes.size()) {
            return new Failure(at, e.getMessage());
        }
        Node arg = argNodes.get(i);
        if (arg instanceof ConstantNode c) {
            String expected = e.expected();
            return switch (expected) {
                case "int" -> new Failure(arg, "expected integer; found " + c.text());
                case "string", "bool" -> new Failure(arg, "expected " + expected + "; found " + c.text());
                default -> new Failure(arg, "can't handle " + c.text() + " for arg of type " + expected);
            };
        }
        return new Failure(argAt[i], e.getMessage());
    }

    private JsonNode evalArg(JsonNode dot, Node n) {
        at = n;
        if (n instanceof DotNode) {
            return dot;
        } else if (n instanceof NilNode) {
            return NullNode.getInstance();
        } else if (n instanceof FieldNode f) {
            return evalFieldNode(dot, f, List.of(n), null);
        } else if (n instanceof VariableNode v) {
            return evalVariableNode(dot, v, null, null);
        } else if (n instanceof PipeNode p) {
            return evalPipeline(dot, p);
        } else if (n instanceof IdentifierNode i) {
            return evalFunction(dot, i, i, null, null);
        } else if (n instanceof ChainNode c) {
            return evalChainNode(dot, c, null, null);
        } else if (n instanceof ConstantNode c) {
            return c.value();
        }
        throw new Failure(n, "can't handle " + n + " for arg");
    }

    // ---- variables ----

    private void push(String name, JsonNode value) {
        varNames.add(name);
        varValues.add(value);
    }

    private void pop(int mark) {
        while (varNames.size() > mark) {
            varNames.removeLast();
            varValues.removeLast();
        }
    }

    private void setVar(String name, JsonNode value) {
        for (int i = varNames.size() - 1; i >= 0; i--) {
            if (varNames.get(i).equals(name)) {
                varValues.set(i, value);
                return;
            }
        }
        throw new Failure(at, "undefined variable: " + name);
    }

    private void setTopVar(int n, JsonNode value) {
        varValues.set(varValues.size() - n, value);
    }

    private JsonNode varValue(Node node, String name) {
        for (int i = varNames.size() - 1; i >= 0; i--) {
            if (varNames.get(i).equals(name)) {
                return varValues.get(i);
            }
        }
        throw new Failure(node, "undefined variable: " + name);
    }

    Node lastNode() {
        return at;
    }
}
