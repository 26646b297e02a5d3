package dev.berth.daemon.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.oci.ContainerConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Applies Dockerfile instructions given as {@code --change} to an image config, as docker's
 * import and commit do: CMD, ENTRYPOINT, ENV, LABEL, EXPOSE, USER, VOLUME, WORKDIR, STOPSIGNAL,
 * ONBUILD, in JSON or shell form.
 */
public final class ConfigChanges {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConfigChanges() {}

    /** A change docker would refuse, with its message. */
    public static final class InvalidChangeException extends IllegalArgumentException {
        public InvalidChangeException(String message) {
            super(message);
        }
    }

    public static ContainerConfig apply(ContainerConfig base, List<String> changes) {
        Builder b = new Builder(base);
        for (String change : changes) {
            for (String line : joinContinuations(change)) {
                if (!line.isBlank() && !line.strip().startsWith("#")) {
                    b.apply(line.strip());
                }
            }
        }
        return b.build();
    }

    private static List<String> joinContinuations(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String l : text.split("\n", -1)) {
            String t = l.stripTrailing();
            if (t.endsWith("\\")) {
                cur.append(t, 0, t.length() - 1);
            } else {
                cur.append(t);
                out.add(cur.toString());
                cur.setLength(0);
            }
        }
        if (!cur.isEmpty()) {
            out.add(cur.toString());
        }
        return out;
    }

    /** A mutable copy of an image's run config; also what the builder's steps change. */
    public static final class Builder {
        public String user;
        public Map<String, Object> exposedPorts;
        public List<String> env;
        public List<String> entrypoint;
        public List<String> cmd;
        public Map<String, Object> volumes;
        public String workingDir;
        public Map<String, String> labels;
        public String stopSignal;
        public Boolean argsEscaped;
        public Map<String, Object> healthcheck;
        public List<String> onBuild;
        public List<String> shell;

        public Builder(ContainerConfig c) {
            user = c.user();
            exposedPorts = c.exposedPorts() == null ? null : new TreeMap<>(c.exposedPorts());
            env = c.env() == null ? null : new ArrayList<>(c.env());
            entrypoint = c.entrypoint();
            cmd = c.cmd();
            volumes = c.volumes() == null ? null : new TreeMap<>(c.volumes());
            workingDir = c.workingDir();
            labels = c.labels() == null ? null : new LinkedHashMap<>(c.labels());
            stopSignal = c.stopSignal();
            argsEscaped = c.argsEscaped();
            healthcheck = c.healthcheck();
            onBuild = c.onBuild() == null ? null : new ArrayList<>(c.onBuild());
            shell = c.shell();
        }

        public ContainerConfig build() {
            return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                    argsEscaped, healthcheck, onBuild, shell);
        }

        private Map<String, String> envMap() {
            Map<String, String> m = new LinkedHashMap<>();
            if (env != null) {
                for (String e : env) {
                    int eq = e.indexOf('=');
                    if (eq > 0) {
                        m.put(e.substring(0, eq), e.substring(eq + 1));
                    }
                }
            }
            return m;
        }

        private List<String> words(String rest) {
            return lex(rest, envMap(), true);
        }

        private String single(String instr, String rest) {
            if (rest.isEmpty()) {
                throw new InvalidChangeException(instr + " requires exactly one argument");
            }
            return String.join("", lex(rest, envMap(), false));
        }

        private Map<String, String> pairs(String instr, String rest) {
            return ConfigChanges.pairs(instr, rest, envMap());
        }

        void apply(String line) {
            int sp = indexOfSpace(line);
            String instr = (sp < 0 ? line : line.substring(0, sp)).toLowerCase(Locale.ROOT);
            String rest = sp < 0 ? "" : line.substring(sp).strip();
            switch (instr) {
                case "cmd" -> cmd = command(rest);
                case "entrypoint" -> {
                    entrypoint = command(rest);
                    // As docker: a new ENTRYPOINT resets a CMD inherited from before.
                    cmd = null;
                }
                case "env" -> {
                    for (Map.Entry<String, String> kv : pairs("ENV", rest).entrySet()) {
                        setEnv(kv.getKey(), kv.getValue());
                    }
                }
                case "label" -> {
                    if (labels == null) {
                        labels = new LinkedHashMap<>();
                    }
                    labels.putAll(pairs("LABEL", rest));
                }
                case "expose" -> {
                    if (rest.isEmpty()) {
                        throw new InvalidChangeException("EXPOSE requires at least one argument");
                    }
                    if (exposedPorts == null) {
                        exposedPorts = new TreeMap<>();
                    }
                    for (String p : words(rest)) {
                        expose(p);
                    }
                }
                case "user" -> user = single("USER", rest);
                case "workdir" -> {
                    String w = single("WORKDIR", rest);
                    String joined = w.startsWith("/") ? w : (workingDir == null || workingDir.isEmpty() ? "/" : workingDir) + "/" + w;
                    workingDir = java.nio.file.Path.of(joined).normalize().toString();
                }
                case "volume" -> {
                    List<String> vs = rest.startsWith("[") ? jsonArray(rest, "VOLUME") : words(rest);
                    if (vs.isEmpty()) {
                        throw new InvalidChangeException("VOLUME requires at least one argument");
                    }
                    if (volumes == null) {
                        volumes = new TreeMap<>();
                    }
                    for (String v : vs) {
                        if (v.isBlank()) {
                            throw new InvalidChangeException("VOLUME specified can not be an empty string");
                        }
                        volumes.put(v, Map.of());
                    }
                }
                case "stopsignal" -> stopSignal = single("STOPSIGNAL", rest);
                case "onbuild" -> {
                    if (onBuild == null) {
                        onBuild = new ArrayList<>();
                    }
                    onBuild.add(rest);
                }
                default -> throw new InvalidChangeException(instr + " is not a valid change command");
            }
        }

        private void setEnv(String key, String value) {
            if (env == null) {
                env = new ArrayList<>();
            }
            String kv = key + "=" + value;
            for (int i = 0; i < env.size(); i++) {
                if (env.get(i).startsWith(key + "=")) {
                    env.set(i, kv);
                    return;
                }
            }
            env.add(kv);
        }

        private void expose(String p) {
            String proto = "tcp";
            int slash = p.indexOf('/');
            String ports = p;
            if (slash >= 0) {
                proto = p.substring(slash + 1).toLowerCase(Locale.ROOT);
                ports = p.substring(0, slash);
            }
            if (!proto.equals("tcp") && !proto.equals("udp") && !proto.equals("sctp")) {
                throw new InvalidChangeException("invalid proto: " + proto);
            }
            String[] range = ports.split("-", 2);
            try {
                int lo = Integer.parseInt(range[0]);
                int hi = range.length == 2 ? Integer.parseInt(range[1]) : lo;
                if (lo < 0 || hi > 65535 || hi < lo) {
                    throw new NumberFormatException();
                }
                for (int port = lo; port <= hi; port++) {
                    exposedPorts.put(port + "/" + proto, Map.of());
                }
            } catch (NumberFormatException e) {
                throw new InvalidChangeException("invalid containerPort: " + ports);
            }
        }
    }

    private static int indexOfSpace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /** JSON form (an array of strings) or shell form ({@code /bin/sh -c <rest>}). */
    private static List<String> command(String rest) {
        if (rest.startsWith("[")) {
            try {
                return jsonArray(rest, "");
            } catch (InvalidChangeException notJson) {
                // Docker falls back to shell form when the JSON does not parse.
            }
        }
        if (rest.isEmpty()) {
            return null;
        }
        return List.of("/bin/sh", "-c", rest);
    }

    private static List<String> jsonArray(String text, String instr) {
        try {
            JsonNode n = JSON.readTree(text);
            if (n != null && n.isArray()) {
                List<String> out = new ArrayList<>();
                for (JsonNode e : n) {
                    if (!e.isTextual()) {
                        throw new InvalidChangeException(instr + " expects a JSON array of strings");
                    }
                    out.add(e.asText());
                }
                return out;
            }
        } catch (java.io.IOException e) {
            // fall through
        }
        throw new InvalidChangeException(instr + " expects a JSON array of strings");
    }

    /** {@code k=v k2="v 2"} pairs, or the legacy {@code KEY value with spaces} form. */
    static Map<String, String> pairs(String instr, String rest, Map<String, String> env) {
        List<String> ws = lex(rest, env, true);
        if (ws.isEmpty()) {
            throw new InvalidChangeException(instr + " requires at least one argument");
        }
        Map<String, String> out = new LinkedHashMap<>();
        if (!ws.getFirst().contains("=")) {
            // Legacy form: the first word is the key, the rest of the line (unquoted) the value.
            String key = ws.getFirst();
            int sp = indexOfSpace(rest);
            if (sp < 0) {
                throw new InvalidChangeException(instr + " names can not be blank");
            }
            out.put(key, String.join(" ", lex(rest.substring(sp).strip(), env, true)));
            return out;
        }
        for (String w : ws) {
            int eq = w.indexOf('=');
            if (eq <= 0) {
                throw new InvalidChangeException("Syntax error - can't find = in \"" + w + "\". Must be of the form: name=value");
            }
            out.put(w.substring(0, eq), w.substring(eq + 1));
        }
        return out;
    }

    /** Splits on whitespace, honouring double and single quotes and backslash escapes. */
    static List<String> words(String s) {
        return lex(s, Map.of(), true);
    }

    /**
     * Docker's word processing: quotes and backslash escapes are removed and {@code $VAR},
     * {@code ${VAR}}, {@code ${VAR:-default}} and {@code ${VAR:+alt}} are replaced from {@code env}
     * (not inside single quotes); with {@code split}, unquoted whitespace separates words.
     */
    static List<String> lex(String s, Map<String, String> env, boolean split) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote == '\'' ) {
                if (c == '\'') {
                    quote = 0;
                } else {
                    cur.append(c);
                }
            } else if (c == '$' && i + 1 < s.length()) {
                i = expand(s, i, env, cur) - 1;
                inWord = true;
            } else if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                } else if (c == '\\' && i + 1 < s.length()) {
                    cur.append(s.charAt(++i));
                } else {
                    cur.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                inWord = true;
            } else if (c == '\\' && i + 1 < s.length()) {
                cur.append(s.charAt(++i));
                inWord = true;
            } else if (split && Character.isWhitespace(c)) {
                if (inWord) {
                    out.add(cur.toString());
                    cur.setLength(0);
                    inWord = false;
                }
            } else {
                cur.append(c);
                inWord = true;
            }
        }
        if (quote != 0) {
            throw new InvalidChangeException("unexpected end of statement while looking for matching " + quote);
        }
        if (inWord || (!split && !cur.isEmpty())) {
            out.add(cur.toString());
        }
        return out;
    }

    /** Expands the variable at {@code s[i] == '$'} into {@code out}; returns the index after it. */
    private static int expand(String s, int i, Map<String, String> env, StringBuilder out) {
        int j = i + 1;
        if (s.charAt(j) == '{') {
            int end = s.indexOf('}', j);
            if (end < 0) {
                throw new InvalidChangeException("missing '}' in " + s);
            }
            String body = s.substring(j + 1, end);
            int op = body.indexOf(':');
            String name = op < 0 ? body : body.substring(0, op);
            String value = env.get(name);
            if (op >= 0 && body.length() > op + 1) {
                String word = body.substring(op + 2);
                char kind = body.charAt(op + 1);
                if (kind == '-') {
                    value = value == null || value.isEmpty() ? word : value;
                } else if (kind == '+') {
                    value = value == null || value.isEmpty() ? "" : word;
                } else {
                    throw new InvalidChangeException("unsupported modifier (" + kind + ") in substitution");
                }
            }
            out.append(value == null ? "" : value);
            return end + 1;
        }
        int k = j;
        while (k < s.length() && (Character.isLetterOrDigit(s.charAt(k)) || s.charAt(k) == '_')) {
            k++;
        }
        if (k == j) {
            out.append('$');
            return j;
        }
        String v = env.get(s.substring(j, k));
        out.append(v == null ? "" : v);
        return k;
    }
}
