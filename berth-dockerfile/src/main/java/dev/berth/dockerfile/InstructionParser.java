package dev.berth.dockerfile;

import dev.berth.dockerfile.Instruction.Arg;
import dev.berth.dockerfile.Instruction.ArgDef;
import dev.berth.dockerfile.Instruction.Cmd;
import dev.berth.dockerfile.Instruction.CommandLine;
import dev.berth.dockerfile.Instruction.Copy;
import dev.berth.dockerfile.Instruction.Entrypoint;
import dev.berth.dockerfile.Instruction.Env;
import dev.berth.dockerfile.Instruction.Expose;
import dev.berth.dockerfile.Instruction.From;
import dev.berth.dockerfile.Instruction.Healthcheck;
import dev.berth.dockerfile.Instruction.InlineSource;
import dev.berth.dockerfile.Instruction.KeyValue;
import dev.berth.dockerfile.Instruction.Label;
import dev.berth.dockerfile.Instruction.Maintainer;
import dev.berth.dockerfile.Instruction.Onbuild;
import dev.berth.dockerfile.Instruction.Run;
import dev.berth.dockerfile.Instruction.Shell;
import dev.berth.dockerfile.Instruction.StopSignal;
import dev.berth.dockerfile.Instruction.User;
import dev.berth.dockerfile.Instruction.Volume;
import dev.berth.dockerfile.Instruction.Workdir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** The per-instruction argument rules of {@link Instruction#of(Statement)}. */
final class InstructionParser {
    private InstructionParser() {}

    static Instruction parse(Statement st) throws DockerfileSyntaxException.Detail {
        List<String> a = st.args();
        String kw = st.keyword().toUpperCase(Locale.ROOT);
        return switch (st.command()) {
            case "from" -> {
                Flags f = new Flags().string("platform").parse(st.flags());
                String name = null;
                if (a.size() == 3 && a.get(1).equalsIgnoreCase("as")) {
                    name = a.get(2).toLowerCase(Locale.ROOT);
                    if (!Instruction.STAGE_NAME.matcher(name).matches()) {
                        throw new DockerfileSyntaxException.Detail("invalid name for build stage: " + GoText.quote(a.get(2))
                                + ", name can't start with a number or contain symbols");
                    }
                } else if (a.size() != 1) {
                    throw new DockerfileSyntaxException.Detail("FROM requires either one or three arguments");
                }
                yield new From(a.getFirst(), f.value("platform"), name, st);
            }
            case "run" -> {
                Flags f = new Flags().list("mount").string("network").string("security").list("device").parse(st.flags());
                String network = f.value("network");
                if (network != null && !List.of("default", "none", "host").contains(network)) {
                    throw new DockerfileSyntaxException.Detail("unsupported network mode " + GoText.quote(network));
                }
                yield new Run(commandLine(st), f.values("mount"), network, f.value("security"), st.heredocs(), st);
            }
            case "cmd" -> {
                new Flags().parse(st.flags());
                yield new Cmd(commandLine(st), st);
            }
            case "entrypoint" -> {
                new Flags().parse(st.flags());
                yield new Entrypoint(commandLine(st), st);
            }
            case "env", "label" -> {
                new Flags().parse(st.flags());
                if (a.isEmpty()) {
                    throw atLeastOne(kw);
                }
                if (a.size() % 3 != 0) {
                    throw new DockerfileSyntaxException.Detail("Bad input to " + kw + ", too many arguments");
                }
                List<KeyValue> kv = new ArrayList<>();
                for (int i = 0; i < a.size(); i += 3) {
                    if (a.get(i).isEmpty()) {
                        throw new DockerfileSyntaxException.Detail(kw + " names can not be blank");
                    }
                    kv.add(new KeyValue(a.get(i), a.get(i + 1)));
                }
                yield st.command().equals("env") ? new Env(List.copyOf(kv), st) : new Label(List.copyOf(kv), st);
            }
            case "arg" -> {
                new Flags().parse(st.flags());
                if (a.isEmpty()) {
                    throw atLeastOne(kw);
                }
                List<ArgDef> defs = new ArrayList<>();
                for (String word : a) {
                    int eq = word.indexOf('=');
                    String name = eq < 0 ? word : word.substring(0, eq);
                    if (name.isEmpty()) {
                        throw new DockerfileSyntaxException.Detail("ARG names can not be blank");
                    }
                    defs.add(new ArgDef(name, eq < 0 ? null : word.substring(eq + 1)));
                }
                yield new Arg(List.copyOf(defs), st);
            }
            case "expose" -> {
                new Flags().parse(st.flags());
                if (a.isEmpty()) {
                    throw atLeastOne(kw);
                }
                // Docker sorts the ports as written, before expansion
                List<String> ports = new ArrayList<>(a);
                Collections.sort(ports);
                yield new Expose(List.copyOf(ports), st);
            }
            case "volume" -> {
                new Flags().parse(st.flags());
                if (a.isEmpty()) {
                    throw atLeastOne(kw);
                }
                List<String> paths = new ArrayList<>();
                for (String v : a) {
                    String t = GoText.trimSpace(v);
                    if (t.isEmpty()) {
                        throw new DockerfileSyntaxException.Detail("VOLUME specified can not be an empty string");
                    }
                    paths.add(t);
                }
                yield new Volume(List.copyOf(paths), st);
            }
            case "user" -> new User(exactlyOne(st, kw), st);
            case "workdir" -> new Workdir(exactlyOne(st, kw), st);
            case "stopsignal" -> {
                // Docker checks no flags on STOPSIGNAL
                if (a.size() != 1) {
                    throw new DockerfileSyntaxException.Detail(kw + " requires exactly one argument");
                }
                yield new StopSignal(a.getFirst(), st);
            }
            case "maintainer" -> new Maintainer(exactlyOne(st, kw), st);
            case "shell" -> {
                new Flags().parse(st.flags());
                if (a.isEmpty()) {
                    throw atLeastOne(kw);
                }
                if (!st.json()) {
                    throw new DockerfileSyntaxException.Detail("SHELL requires the arguments to be in JSON form");
                }
                yield new Shell(a, st);
            }
            case "onbuild" -> onbuild(st);
            case "healthcheck" -> healthcheck(st);
            case "copy" -> {
                Flags f = new Flags().string("from").string("chown").string("chmod").bool("link").bool("parents").list("exclude")
                        .parse(st.flags());
                yield copy(st, false, f);
            }
            case "add" -> {
                Flags f = new Flags().string("chown").string("chmod").bool("link").bool("keep-git-dir").string("checksum")
                        .bool("unpack").list("exclude").parse(st.flags());
                yield copy(st, true, f);
            }
            default -> throw new DockerfileSyntaxException.Detail(Suggest.wrap("unknown instruction: " + st.keyword(), kw, INSTRUCTIONS, true));
        };
    }

    private static final List<String> INSTRUCTIONS = List.of("add", "arg", "cmd", "copy", "entrypoint", "env", "expose", "from",
            "healthcheck", "label", "maintainer", "onbuild", "run", "shell", "stopsignal", "user", "volume", "workdir");

    private static DockerfileSyntaxException.Detail atLeastOne(String kw) {
        return new DockerfileSyntaxException.Detail(kw + " requires at least one argument");
    }

    private static String exactlyOne(Statement st, String kw) throws DockerfileSyntaxException.Detail {
        new Flags().parse(st.flags());
        if (st.args().size() != 1) {
            throw new DockerfileSyntaxException.Detail(kw + " requires exactly one argument");
        }
        return st.args().getFirst();
    }

    private static CommandLine commandLine(Statement st) {
        return new CommandLine(st.args(), !st.json());
    }

    private static Instruction onbuild(Statement st) throws DockerfileSyntaxException.Detail {
        new Flags().parse(st.flags());
        if (st.sub() == null) {
            throw atLeastOne("ONBUILD");
        }
        String trigger = st.sub().keyword().toUpperCase(Locale.ROOT);
        switch (trigger) {
            case "ONBUILD" -> throw new DockerfileSyntaxException.Detail("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
            case "MAINTAINER", "FROM" -> throw new DockerfileSyntaxException.Detail(trigger + " isn't allowed as an ONBUILD trigger");
            default -> { }
        }
        StringBuilder expr = new StringBuilder(ONBUILD_PREFIX.matcher(st.original()).replaceFirst(""));
        for (Heredoc h : st.heredocs()) {
            expr.append('\n').append(h.content()).append(h.name());
        }
        return new Onbuild(expr.toString(), st);
    }

    private static final Pattern ONBUILD_PREFIX = Pattern.compile("(?i)^\\s*ONBUILD\\s*");

    private static Instruction healthcheck(Statement st) throws DockerfileSyntaxException.Detail {
        List<String> a = st.args();
        if (a.isEmpty()) {
            throw new DockerfileSyntaxException.Detail("HEALTHCHECK requires at least one argument");
        }
        String type = a.getFirst().toUpperCase(Locale.ROOT);
        if (type.equals("NONE")) {
            if (a.size() != 1) {
                throw new DockerfileSyntaxException.Detail("HEALTHCHECK NONE takes no arguments");
            }
            return new Healthcheck(List.of("NONE"), 0, 0, 0, 0, 0, st);
        }
        if (!type.equals("CMD")) {
            throw new DockerfileSyntaxException.Detail("Unknown type " + GoText.quote(type) + " in HEALTHCHECK (try CMD)");
        }
        Flags f = new Flags().string("interval").string("timeout").string("start-period").string("start-interval").string("retries")
                .parse(st.flags());
        if (a.size() < 2) {
            throw new DockerfileSyntaxException.Detail("Missing command after HEALTHCHECK CMD");
        }
        List<String> test = new ArrayList<>();
        if (st.json()) {
            test.add("CMD");
            test.addAll(a.subList(1, a.size()));
        } else {
            test.add("CMD-SHELL");
            test.add(a.get(1));
        }
        int retries = 0;
        String r = f.value("retries");
        if (r != null) {
            try {
                retries = Integer.parseInt(r);
            } catch (NumberFormatException e) {
                throw new DockerfileSyntaxException.Detail("strconv.ParseInt: parsing " + GoText.quote(r) + ": invalid syntax");
            }
            if (retries < 0) {
                throw new DockerfileSyntaxException.Detail("--retries cannot be negative (" + retries + ")");
            }
        }
        return new Healthcheck(List.copyOf(test), duration(f, "interval"), duration(f, "timeout"), duration(f, "start-period"),
                duration(f, "start-interval"), retries, st);
    }

    /** A health duration flag: 0 when absent, else at least 1ms (Docker's rule). */
    private static long duration(Flags f, String name) throws DockerfileSyntaxException.Detail {
        String v = f.value(name);
        if (v == null) {
            return 0;
        }
        long ns;
        try {
            ns = GoDuration.parse(v);
        } catch (IllegalArgumentException e) {
            throw new DockerfileSyntaxException.Detail(e.getMessage());
        }
        if (ns == 0) {
            return 0;
        }
        if (ns < 1_000_000) {
            throw new DockerfileSyntaxException.Detail("Interval " + GoText.quote(name) + " cannot be less than 1ms");
        }
        return ns;
    }

    private static Instruction copy(Statement st, boolean add, Flags f) throws DockerfileSyntaxException.Detail {
        String kw = add ? "ADD" : "COPY";
        List<String> a = st.args();
        if (a.size() < 2) {
            throw new DockerfileSyntaxException.Detail(kw + " requires at least two arguments, but only one was provided. Destination could not be determined");
        }
        String dest = a.getLast();
        if (heredoc(dest) != null) {
            throw new DockerfileSyntaxException.Detail(kw + " cannot accept a heredoc as a destination");
        }
        Map<String, Heredoc> docs = new HashMap<>();
        for (Heredoc h : st.heredocs()) {
            docs.put(h.name(), h);
        }
        List<String> paths = new ArrayList<>();
        List<InlineSource> inline = new ArrayList<>();
        for (String src : a.subList(0, a.size() - 1)) {
            Heredoc h = st.json() ? null : heredoc(src);
            if (h != null) {
                Heredoc body = docs.getOrDefault(h.name(), h);
                inline.add(new InlineSource(h.name(), body.effectiveContent(), h.expand()));
            } else {
                paths.add(src);
            }
        }
        return new Copy(add, List.copyOf(paths), List.copyOf(inline), dest, add ? null : f.value("from"), f.value("chown"),
                f.value("chmod"), f.isTrue("link"), !add && f.isTrue("parents"), f.values("exclude"),
                add ? f.value("checksum") : null, add ? f.flag("unpack") : null, add && f.isTrue("keep-git-dir"), st);
    }

    private static Heredoc heredoc(String word) {
        try {
            return DockerfileParser.parseHeredoc(word);
        } catch (ShellLex.ShellSyntaxException e) {
            return null;
        }
    }
}
