package dev.berth.dockerfile;

import dev.berth.dockerfile.Instruction.Arg;
import dev.berth.dockerfile.Instruction.ArgDef;
import dev.berth.dockerfile.Instruction.Copy;
import dev.berth.dockerfile.Instruction.Env;
import dev.berth.dockerfile.Instruction.Expose;
import dev.berth.dockerfile.Instruction.From;
import dev.berth.dockerfile.Instruction.InlineSource;
import dev.berth.dockerfile.Instruction.KeyValue;
import dev.berth.dockerfile.Instruction.Label;
import dev.berth.dockerfile.Instruction.Run;
import dev.berth.dockerfile.Instruction.StopSignal;
import dev.berth.dockerfile.Instruction.User;
import dev.berth.dockerfile.Instruction.Volume;
import dev.berth.dockerfile.Instruction.Workdir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Walks one stage's instructions in order, as Docker's builder does, keeping the variable scope:
 * the image environment (the base image's Env, then ENV instructions) and the declared ARGs with
 * their values. {@link #evaluate} returns each instruction with variables expanded in the places
 * Docker expands them (ADD, COPY, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR, ARG
 * defaults and RUN --mount options; not RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK or ONBUILD).
 * ENV always wins over an ARG of the same name. One evaluator per stage and build; not thread-safe.
 */
public final class StageEvaluator {
    private final ShellLex lex;
    private final BuildArgs buildArgs;
    private final Map<String, String> globalScope;
    /** The image environment, in order, as KEY -> value. */
    private final LinkedHashMap<String, String> env = new LinkedHashMap<>();
    /** Declared ARGs: name -> value, null when declared without one. */
    private final LinkedHashMap<String, String> args = new LinkedHashMap<>();

    /**
     * @param model the Dockerfile (for its escape character)
     * @param buildArgs the build's --build-arg values
     * @param globalScope {@link BuildArgs#globalScope}
     * @param baseEnv the base image's Env ("KEY=value" entries); for a stage based on another stage,
     *                that stage's final {@link #env()}
     * @param inheritedArgs for a stage based on another stage, that stage's {@link #declaredArgs()}
     */
    public StageEvaluator(DockerfileModel model, BuildArgs buildArgs, Map<String, String> globalScope, List<String> baseEnv,
                          Map<String, String> inheritedArgs) {
        this.lex = ShellLex.of(model.escape());
        this.buildArgs = buildArgs;
        this.globalScope = globalScope;
        for (String e : baseEnv) {
            int eq = e.indexOf('=');
            env.put(eq < 0 ? e : e.substring(0, eq), eq < 0 ? "" : e.substring(eq + 1));
        }
        args.putAll(inheritedArgs);
    }

    /** The stage's FROM with its image and platform expanded in the global scope. */
    public static From expandFrom(From from, DockerfileModel model, Map<String, String> globalScope) throws DockerfileSyntaxException {
        ShellLex lex = ShellLex.of(model.escape());
        String image = expand(lex, from.image(), globalScope::get, from);
        if (image.isEmpty()) {
            throw new DockerfileSyntaxException(from.source().startLine(), "base name (" + from.image() + ") should not be blank");
        }
        String platform = from.platform() == null ? null : expand(lex, from.platform(), globalScope::get, from);
        return new From(image, platform, from.stageName(), from.source());
    }

    /** The value of a variable for expansion: ENV first, then a declared ARG with a value. */
    public String lookup(String name) {
        String v = env.get(name);
        return v != null ? v : args.get(name);
    }

    /** Expands and applies one instruction; returns it with its variables expanded. */
    public Instruction evaluate(Instruction in) throws DockerfileSyntaxException {
        // All words of one instruction see the scope as it was before the instruction.
        Map<String, String> envSnapshot = new HashMap<>(env);
        Map<String, String> argSnapshot = new HashMap<>(args);
        ShellLex.Env scope = name -> {
            String v = envSnapshot.get(name);
            return v != null ? v : argSnapshot.get(name);
        };
        return switch (in) {
            case Env e -> {
                List<KeyValue> pairs = pairs(e.pairs(), scope, in);
                for (KeyValue kv : pairs) {
                    // as Docker: a variable set again keeps its place in the image's Env
                    env.put(kv.key(), kv.value());
                }
                yield new Env(pairs, e.source());
            }
            case Label l -> new Label(pairs(l.pairs(), scope, in), l.source());
            case Arg a -> {
                List<ArgDef> defs = new ArrayList<>();
                for (ArgDef d : a.args()) {
                    String name = expand(lex, d.name(), scope, in);
                    String value = buildArgs.consume(name);
                    if (value == null && d.value() != null) {
                        value = expand(lex, d.value(), scope, in);
                    }
                    if (value == null && d.value() == null) {
                        value = globalScope.get(name);
                    }
                    args.remove(name);
                    args.put(name, value);
                    defs.add(new ArgDef(name, value));
                }
                yield new Arg(List.copyOf(defs), a.source());
            }
            case Expose x -> {
                List<String> ports = new ArrayList<>();
                for (String p : x.ports()) {
                    ports.addAll(expandWords(p, scope, in));
                }
                yield new Expose(List.copyOf(ports), x.source());
            }
            case Volume v -> {
                List<String> paths = new ArrayList<>();
                for (String p : v.paths()) {
                    paths.add(expand(lex, p, scope, in));
                }
                yield new Volume(List.copyOf(paths), v.source());
            }
            case User u -> new User(expand(lex, u.user(), scope, in), u.source());
            case Workdir w -> new Workdir(expand(lex, w.path(), scope, in), w.source());
            case StopSignal s -> new StopSignal(expand(lex, s.signal(), scope, in), s.source());
            case Copy c -> copy(c, scope);
            case Run r -> {
                List<String> mounts = new ArrayList<>();
                for (String m : r.mounts()) {
                    mounts.add(expand(lex, m, scope, in));
                }
                yield new Run(r.command(), List.copyOf(mounts), r.network() == null ? null : expand(lex, r.network(), scope, in),
                        r.security(), r.heredocs(), r.source());
            }
            default -> in;
        };
    }

    private Copy copy(Copy c, ShellLex.Env scope) throws DockerfileSyntaxException {
        List<String> sources = new ArrayList<>();
        for (String s : c.sources()) {
            sources.add(expand(lex, s, scope, c));
        }
        List<InlineSource> inline = new ArrayList<>();
        ShellLex raw = ShellLex.of('\\').withSkipProcessQuotes(true);
        for (InlineSource s : c.inline()) {
            inline.add(s.expand() ? new InlineSource(s.path(), expand(raw, s.data(), scope, c), true) : s);
        }
        return new Copy(c.add(), List.copyOf(sources), List.copyOf(inline), expand(lex, c.dest(), scope, c),
                c.from() == null ? null : expand(lex, c.from(), scope, c),
                c.chown() == null ? null : expand(lex, c.chown(), scope, c),
                c.chmod() == null ? null : expand(lex, c.chmod(), scope, c),
                c.link(), c.parents(), c.excludes(), c.checksum(), c.unpack(), c.keepGitDir(), c.source());
    }

    private List<KeyValue> pairs(List<KeyValue> in, ShellLex.Env scope, Instruction at) throws DockerfileSyntaxException {
        List<KeyValue> out = new ArrayList<>();
        for (KeyValue kv : in) {
            out.add(new KeyValue(expand(lex, kv.key(), scope, at), expand(lex, kv.value(), scope, at)));
        }
        return List.copyOf(out);
    }

    private List<String> expandWords(String word, ShellLex.Env scope, Instruction at) throws DockerfileSyntaxException {
        try {
            return lex.processWords(word, scope);
        } catch (ShellLex.ShellSyntaxException e) {
            throw new DockerfileSyntaxException(at.source().startLine(), at.source().endLine(), e.getMessage());
        }
    }

    static String expand(ShellLex lex, String word, ShellLex.Env scope, Instruction at) throws DockerfileSyntaxException {
        try {
            return lex.processWord(word, scope);
        } catch (ShellLex.ShellSyntaxException e) {
            throw new DockerfileSyntaxException(at.source().startLine(), at.source().endLine(), e.getMessage());
        }
    }

    /** The image environment now, as "KEY=value" entries in order (what the image config's Env gets). */
    public List<String> env() {
        List<String> out = new ArrayList<>();
        env.forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }

    /** The declared ARGs and their values (null: declared without one), for stages based on this one. */
    public Map<String, String> declaredArgs() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(args));
    }

    /**
     * The ARGs a RUN sees besides the image environment: declared ARGs with a value that no ENV
     * overrides, sorted by name ("KEY=value"). These make the RUN's cache key and history entry
     * ({@code |N K=V ... cmd}).
     */
    public List<String> runArgs() {
        TreeMap<String, String> sorted = new TreeMap<>();
        args.forEach((k, v) -> {
            if (v != null && !env.containsKey(k)) {
                sorted.put(k, v);
            }
        });
        List<String> out = new ArrayList<>();
        sorted.forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }

    /**
     * The full environment of a RUN container: the image environment, then {@link #runArgs()}, then
     * the proxy build args that are neither declared nor set by ENV.
     */
    public List<String> runEnv() {
        List<String> out = new ArrayList<>(env());
        out.addAll(runArgs());
        buildArgs.proxies().forEach((k, v) -> {
            if (!env.containsKey(k) && !args.containsKey(k)) {
                out.add(k + "=" + v);
            }
        });
        return out;
    }
}
