package dev.berth.registry;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads {@code registry.yaml}: a subset of distribution's config.yml ({@code storage.filesystem.rootdirectory},
 * {@code http.addr}, {@code http.tls}, {@code auth.htpasswd}, {@code auth.token}, ...) plus Berth's own keys
 * ({@code http.insecure}, {@code auth.access}, {@code auth.token.signingkey}, {@code limits}). Unknown keys are
 * errors, so a typo never silently drops a setting. Relative paths resolve against the file's directory.
 */
public final class RegistryConfigFile {
    private final Path base;

    private RegistryConfigFile(Path base) {
        this.base = base;
    }

    public static RegistryConfig load(Path file) throws IOException {
        try {
            Object doc;
            try (Reader r = Files.newBufferedReader(file)) {
                doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(r);
            } catch (YAMLException | IllegalArgumentException e) {
                // SnakeYAML's constructors throw IllegalArgumentException too, e.g. for a !!binary that is not base64
                throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
            }
            if (!(doc instanceof Map<?, ?>)) {
                throw new IllegalArgumentException(file + ": expected a mapping at the top level");
            }
            try {
                return new RegistryConfigFile(file.toAbsolutePath().getParent()).parse(new Section("", doc));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
            }
        } catch (StackOverflowError e) {
            // An alias can put a collection inside itself. SnakeYAML (hashing a mapping key that holds one) and the
            // maps built from it then recurse without end; no depth limit of the loader covers that.
            throw new IllegalArgumentException(file + ": a collection that contains itself (through an alias) is not allowed");
        }
    }

    private Path path(String p) {
        return base.resolve(p);
    }

    private RegistryConfig parse(Section top) {
        top.optString("version");
        Section storage = top.section("storage");
        Path root = path(storage.section("filesystem").string("rootdirectory"));
        RegistryConfig c = RegistryConfig.local(root, "127.0.0.1", 5000, RegistryConfig.DEFAULT_UPLOAD_TTL);
        Optional<Section> maintenance = storage.optSection("maintenance");
        if (maintenance.isPresent()) {
            Optional<Section> purging = maintenance.get().optSection("uploadpurging");
            if (purging.isPresent()) {
                purging.get().optBool("enabled");
                purging.get().optString("interval");
                purging.get().optBool("dryrun");
                Optional<String> age = purging.get().optString("age");
                if (age.isPresent()) {
                    c = c.withUploadTtl(GoDuration.parse(age.get()));
                }
            }
            maintenance.get().done();
        }
        storage.done();

        Optional<Section> http = top.optSection("http");
        if (http.isPresent()) {
            Section h = http.get();
            c = c.withListen(h.optString("addr").orElse("127.0.0.1:5000"));
            c = c.withInsecure(h.optBool("insecure").orElse(false));
            Optional<Section> tls = h.optSection("tls");
            if (tls.isPresent()) {
                Section t = tls.get();
                List<Path> cas = t.optStrings("clientcas").stream().map(this::path).toList();
                c = c.withTls(new RegistryConfig.Tls(path(t.string("certificate")), path(t.string("key")), cas));
                t.done();
            }
            h.done();
        }
        Optional<Section> auth = top.optSection("auth");
        if (auth.isPresent()) {
            c = c.withAuth(auth(auth.get()));
        }
        Optional<Section> limits = top.optSection("limits");
        if (limits.isPresent()) {
            Section l = limits.get();
            RegistryConfig.Limits d = RegistryConfig.Limits.DEFAULT;
            c = c.withLimits(new RegistryConfig.Limits(l.optLong("maxmanifestbytes").orElse(d.maxManifestBytes()),
                    l.optLong("maxblobbytes").orElse(d.maxBlobBytes()),
                    l.optLong("maxbodybytes").orElse(d.maxBodyBytes()),
                    l.optLong("maxconcurrentuploads").orElse(d.maxConcurrentUploads())));
            l.done();
        }
        Optional<Section> log = top.optSection("log");
        if (log.isPresent()) {
            Section l = log.get();
            l.optString("level");
            l.optString("formatter");
            RegistryConfig.AccessLogSettings access = RegistryConfig.AccessLogSettings.STDOUT;
            Optional<Section> a = l.optSection("accesslog");
            if (a.isPresent()) {
                access = new RegistryConfig.AccessLogSettings(a.get().optBool("disabled").orElse(false),
                        a.get().optString("path").map(this::path));
                a.get().done();
            }
            c = c.withAccessLog(access);
            l.done();
        } else {
            c = c.withAccessLog(RegistryConfig.AccessLogSettings.STDOUT);
        }
        top.done();
        return c;
    }

    private RegistryConfig.Auth auth(Section a) {
        Optional<RegistryConfig.Htpasswd> htpasswd = a.optSection("htpasswd").map(h -> {
            var v = new RegistryConfig.Htpasswd(h.optString("realm").orElse("berth-registry"), path(h.string("path")));
            h.done();
            return v;
        });
        Optional<RegistryConfig.Token> token = a.optSection("token").map(t -> {
            var v = new RegistryConfig.Token(t.optString("realm").orElse(""), t.string("service"),
                    t.string("issuer"), path(t.string("rootcertbundle")), t.optString("signingkey").map(this::path),
                    t.optString("expiration").map(GoDuration::parse).orElse(java.time.Duration.ofMinutes(5)));
            t.done();
            return v;
        });
        if (token.isPresent() && token.get().realm().isEmpty() && token.get().signingKey().isEmpty()) {
            throw new IllegalArgumentException("auth.token.realm is required unless auth.token.signingkey makes "
                    + "this registry its own token server");
        }
        List<AccessRule> rules = new ArrayList<>();
        for (Section r : a.optSections("access")) {
            rules.add(new AccessRule(r.string("account"), r.string("repository"),
                    new LinkedHashSet<>(r.strings("actions"))));
            r.done();
        }
        a.done();
        return new RegistryConfig.Auth(htpasswd, token, rules);
    }

    /** A mapping at {@code prefix}; records which keys were read so {@link #done} can reject the rest. */
    private record Section(String prefix, Map<?, ?> map, Set<Object> seen) {
        Section(String prefix, Object map) {
            this(prefix, (Map<?, ?>) map, new HashSet<>());
        }

        private Optional<Object> get(String key) {
            seen.add(key);
            return Optional.ofNullable(map.get(key));
        }

        /** A value YAML read as text, a number or a boolean: what a setting can be. */
        private static boolean scalar(Object v) {
            return v instanceof String || v instanceof Number || v instanceof Boolean;
        }

        private IllegalArgumentException wrong(String key, String expected) {
            return new IllegalArgumentException(prefix + key + ": expected " + expected);
        }

        Optional<Section> optSection(String key) {
            return get(key).map(v -> {
                if (!(v instanceof Map<?, ?>)) {
                    throw wrong(key, "a mapping");
                }
                return new Section(prefix + key + ".", v);
            });
        }

        Section section(String key) {
            return optSection(key).orElseThrow(() -> new IllegalArgumentException(prefix + key + " is required"));
        }

        List<Section> optSections(String key) {
            Object v = get(key).orElse(List.of());
            if (!(v instanceof List<?> list)) {
                throw wrong(key, "a list");
            }
            List<Section> out = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                if (!(list.get(i) instanceof Map<?, ?>)) {
                    throw wrong(key + "[" + i + "]", "a mapping");
                }
                out.add(new Section(prefix + key + "[" + i + "].", list.get(i)));
            }
            return out;
        }

        Optional<String> optString(String key) {
            return get(key).map(v -> {
                // Other tags (!!binary, !!timestamp, !!set) would turn into a Java object's toString, not the text
                if (!scalar(v)) {
                    throw wrong(key, "a string, number or boolean (quote a value YAML reads as something else, "
                            + "such as a date)");
                }
                return String.valueOf(v);
            });
        }

        String string(String key) {
            return optString(key).orElseThrow(() -> new IllegalArgumentException(prefix + key + " is required"));
        }

        Optional<Boolean> optBool(String key) {
            return get(key).map(v -> {
                if (!(v instanceof Boolean b)) {
                    throw wrong(key, "true or false");
                }
                return b;
            });
        }

        Optional<Long> optLong(String key) {
            return get(key).map(v -> {
                // YAML gives Integer, Long or BigInteger for whole numbers; longValue() would truncate a fraction
                // and wrap a BigInteger beyond a long into any value at all.
                if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() < 0) {
                    throw wrong(key, "a non-negative whole number");
                }
                return ((Number) v).longValue();
            });
        }

        List<String> optStrings(String key) {
            Object v = get(key).orElse(List.of());
            if (v instanceof String s) {
                return List.of(s);
            }
            if (!(v instanceof List<?> list)) {
                throw wrong(key, "a list");
            }
            List<String> out = new ArrayList<>();
            for (Object item : list) {
                // String.valueOf of a nested (possibly self-referencing, through an alias) collection overflowed
                // the stack
                if (!scalar(item)) {
                    throw wrong(key, "a list of strings");
                }
                out.add(String.valueOf(item));
            }
            return out;
        }

        List<String> strings(String key) {
            List<String> v = optStrings(key);
            if (v.isEmpty()) {
                throw new IllegalArgumentException(prefix + key + " is required");
            }
            return v;
        }

        void done() {
            for (Object k : map.keySet()) {
                if (!seen.contains(k)) {
                    throw new IllegalArgumentException("unknown setting " + prefix + k);
                }
            }
        }
    }
}
