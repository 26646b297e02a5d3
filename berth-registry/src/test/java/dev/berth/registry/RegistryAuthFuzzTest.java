package dev.berth.registry;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes what decides who a caller is: the {@code Authorization} header (Basic and Bearer) against a registry
 * with token auth and one with htpasswd auth, JWTs with fuzzed headers and claims (signed by an attacker's key,
 * unsigned, or signed by the trusted key), the token endpoint's query and form ({@code scope=}, {@code service=},
 * {@code grant_type=}), {@link Scope} and {@link RequiredAccess} parsing, and htpasswd files. Properties: every
 * answer is {@link FuzzedRegistry}'s well-formed non-500; a token not signed by the trusted key and a wrong
 * password are never accepted; a token with the trusted signature is accepted only if its claims name this
 * issuer, this service, a live validity window and the scope the request needs; a token the endpoint issues
 * grants no more than the access rules; parsers throw only their documented exceptions.
 *
 * <p>An input is a mode byte, then NUL-separated parts (ISO-8859-1). Modes: 0 raw Authorization to the token
 * registry (part 1: path after {@code /v2/}); 1 the same against the htpasswd registry; 2 a JWT of header part 0 and
 * claims part 1 signed by an attacker (part 2 {@code rs}: RSA, {@code none}: part 3 as the signature); 3 claims
 * part 0 signed by the trusted key, for {@code GET /v2/<part 1>/tags/list}; 4 {@code GET /token?<part 0>} with
 * Authorization part 1; 5 {@code POST /token} with form part 0; 6 {@link Scope#parse}, {@link RequiredAccess#of}
 * (method part 1), {@link HtpasswdFile#basicCredentials} and {@link Jwt#verify} on part 0; 7 part 0 as an htpasswd
 * file, then each of its users checked with password part 1.
 * Seeds and regression inputs: {@code src/test/resources/dev/berth/registry/RegistryAuthFuzzTestInputs/}.
 */
class RegistryAuthFuzzTest {
    static final String ISSUER = "fuzz-issuer";
    static final String SERVICE = "fuzz-service";
    static final String PASSWORD = "alice-secret";
    /** Costlier bcrypt entries are skipped in mode 7: each check would take seconds. */
    private static final int MAX_FUZZ_COST = 6;
    private static final Pattern COST = Pattern.compile("\\$2[aby]\\$(\\d\\d)\\$");

    static Path keys;
    static FuzzedRegistry token;
    static FuzzedRegistry basic;
    static PrivateKey trusted;
    static PublicKey trustedPublic;
    static KeyPair attackerEc;
    static KeyPair attackerRsa;

    @BeforeAll
    static void start() throws Exception {
        keys = Files.createTempDirectory("berth-registry-fuzz-keys-");
        TestKeys tk = TestKeys.make(keys, "token");
        trusted = tk.key();
        trustedPublic = tk.certificate().getPublicKey();
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(256);
        attackerEc = ec.generateKeyPair();
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        attackerRsa = rsa.generateKeyPair();
        byte[] salt = new byte[16];
        Files.writeString(keys.resolve("users.htpasswd"),
                "alice:" + OpenBSDBCrypt.generate("2y", PASSWORD.toCharArray(), salt, 4) + "\n");

        var htpasswd = Optional.of(new RegistryConfig.Htpasswd("fuzz", keys.resolve("users.htpasswd")));
        var t = new RegistryConfig.Token("", SERVICE, ISSUER, keys.resolve("token.crt"),
                Optional.of(keys.resolve("token.key")), Duration.ofMinutes(5));
        token = new FuzzedRegistry(root -> RegistryConfig.local(root, "127.0.0.1", 0, Duration.ofHours(1))
                .withAuth(new RegistryConfig.Auth(htpasswd, Optional.of(t), AuthTest.RULES)));
        token.settled();
        basic = new FuzzedRegistry(root -> RegistryConfig.local(root, "127.0.0.1", 0, Duration.ofHours(1))
                .withAuth(new RegistryConfig.Auth(htpasswd, Optional.empty(), AuthTest.RULES)));
        basic.settled();
    }

    @AfterAll
    static void stop() throws Exception {
        if (token != null) {
            token.close();
        }
        if (basic != null) {
            basic.close();
        }
        if (keys != null) {
            Files2.deleteTree(keys);
        }
    }

    @FuzzTest(maxDuration = "15s")
    void authenticate(byte[] input) throws Exception {
        FuzzedRegistry.allowLoopback();
        if (input.length == 0) {
            return;
        }
        String[] parts = new String(input, 1, input.length - 1, StandardCharsets.ISO_8859_1).split("\0", -1);
        String p0 = parts[0];
        String p1 = parts.length > 1 ? parts[1] : "";
        String p2 = parts.length > 2 ? parts[2] : "";
        String p3 = parts.length > 3 ? parts[3] : "";
        try {
            switch ((input[0] & 0xff) % 8) {
                case 0 -> neverAccepted(token, p0, p1);
                case 1 -> basicAuth(p0, p1);
                case 2 -> neverAccepted(token, "Bearer " + attackerToken(p0, p1, p2, p3), p3);
                case 3 -> signedClaims(p0, p1);
                case 4 -> tokenEndpoint(RawHttp.request("GET", "/token?" + p0,
                        p1.isEmpty() ? List.of() : List.of("Authorization: " + p1), new byte[0]));
                case 5 -> tokenEndpoint(RawHttp.request("POST", "/token",
                        List.of("Content-Type: application/x-www-form-urlencoded"),
                        p0.getBytes(StandardCharsets.ISO_8859_1)));
                case 6 -> parsers(p0, p1);
                default -> htpasswd(p0, p1);
            }
        } finally {
            token.restore();
            basic.restore();
        }
    }

    /** One GET with this Authorization header; the header is sent as given, so it may be malformed too. */
    private static RawHttp.Answer get(FuzzedRegistry reg, String path, String authorization) throws IOException {
        List<String> headers = authorization.isEmpty() ? List.of() : List.of("Authorization: " + authorization);
        return reg.send(RawHttp.request("GET", path, headers, new byte[0]), false);
    }

    private static void neverAccepted(FuzzedRegistry reg, String authorization, String path) throws IOException {
        RawHttp.Answer a = get(reg, "/v2/" + path, authorization);
        // A name the routes refuse is answered before auth is asked; anything else needs a valid token.
        assertThat(a.status()).as("%s for %s", a.statusLine(), authorization).isIn(400, 401);
        if (a.status() == 401) {
            assertThat(a.header("WWW-Authenticate").orElse("")).startsWith("Bearer realm=");
        }
    }

    private static void basicAuth(String authorization, String path) throws IOException {
        RawHttp.Answer a = get(basic, "/v2/" + path, authorization);
        if (a.status() != 400 && a.status() != 401) {
            Optional<String[]> creds = HtpasswdFile.basicCredentials(authorization);
            assertThat(creds).as("%s accepted %s", a.statusLine(), authorization).isPresent();
            assertThat(creds.get()).as("%s accepted credentials", a.statusLine()).containsExactly("alice", PASSWORD);
        }
    }

    private static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static String sign(PrivateKey key, String signingInput) throws GeneralSecurityException {
        Signature s = Signature.getInstance(key.getAlgorithm().equals("EC") ? "SHA256withECDSAinP1363Format"
                : "SHA256withRSA");
        s.initSign(key);
        s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.sign());
    }

    private static String attackerToken(String header, String claims, String how, String signature)
            throws GeneralSecurityException {
        String input = b64(header) + "." + b64(claims);
        return switch (how) {
            case "none" -> input + "." + signature;
            case "rs" -> input + "." + sign(attackerRsa.getPrivate(), input);
            default -> input + "." + sign(attackerEc.getPrivate(), input);
        };
    }

    private static void signedClaims(String claims, String name) throws Exception {
        // Only names that reach the route unchanged (no escapes, no query) keep the oracle simple.
        String repo = name.matches("[a-z0-9._/-]+") ? name : "team/app";
        String input = b64("{\"typ\":\"JWT\",\"alg\":\"ES256\"}") + "." + b64(claims);
        RawHttp.Answer a = get(token, "/v2/" + repo + "/tags/list", "Bearer " + input + "." + sign(trusted, input));
        if (a.status() == 200 || a.status() == 404) {
            JsonNode c;
            try {
                c = RegistryClient.MAPPER.readTree(claims.getBytes(StandardCharsets.ISO_8859_1));
            } catch (IOException e) {
                throw new AssertionError("accepted claims that are not JSON: " + claims, e);
            }
            assertThat(grants(c, repo)).as("accepted claims %s for %s", claims, repo).isTrue();
        }
    }

    /** Whether claims should admit pulling {@code repo}: the rules of distribution's token auth, written out. */
    static boolean grants(JsonNode c, String repo) {
        long now = Instant.now().getEpochSecond();
        JsonNode aud = c.path("aud");
        boolean audience = aud.isArray()
                ? java.util.stream.StreamSupport.stream(aud.spliterator(), false).anyMatch(n -> n.isTextual()
                        && n.asText().equals(SERVICE))
                : aud.isTextual() && aud.asText().equals(SERVICE);
        boolean window = c.path("exp").isIntegralNumber() && now <= c.path("exp").asLong() + 60
                && (!c.has("nbf") || (c.path("nbf").isIntegralNumber() && c.path("nbf").asLong() <= now + 60));
        boolean scope = false;
        for (JsonNode a : c.path("access")) {
            if (a.path("type").isTextual() && a.path("type").asText().equals("repository")
                    && a.path("name").isTextual() && a.path("name").asText().equals(repo)) {
                for (JsonNode action : a.path("actions")) {
                    scope |= action.isTextual() && Set.of("pull", "*").contains(action.asText());
                }
            }
        }
        return c.isObject() && c.path("iss").isTextual() && c.path("iss").asText().equals(ISSUER) && audience
                && window && scope;
    }

    private static void tokenEndpoint(byte[] request) throws Exception {
        RawHttp.Answer a = token.send(request, false);
        if (a.status() != 200) {
            assertThat(a.status()).as(a.statusLine()).isIn(400, 401, 403);
            return;
        }
        String jwt = RegistryClient.MAPPER.readTree(a.body()).path("token").asText();
        JsonNode claims = Jwt.verify(jwt, List.of(trustedPublic));
        String sub = claims.path("sub").asText();
        assertThat(sub).as("the only user there is").isIn("", "alice");
        for (JsonNode entry : claims.path("access")) {
            String type = entry.path("type").asText();
            String name = entry.path("name").asText();
            for (JsonNode action : entry.path("actions")) {
                String what = sub + " granted " + type + ":" + name + ":" + action.asText();
                if (type.equals("registry")) {
                    assertThat(sub).as(what).isEqualTo("alice");
                    assertThat(name).as(what).isEqualTo("catalog");
                    continue;
                }
                assertThat(type).as(what).isEqualTo("repository");
                if (sub.isEmpty()) {
                    assertThat(name.startsWith("public/") && action.asText().equals("pull")).as(what).isTrue();
                } else {
                    assertThat(name).as(what).startsWith("team/");
                }
            }
        }
    }

    private static void parsers(String text, String method) {
        try {
            Scope s = Scope.parse(text);
            assertThat(s.type()).isNotEmpty().doesNotContain(":");
            assertThat(s.actions()).allSatisfy(x -> assertThat(x).isNotBlank().doesNotContain(",", ":"));
        } catch (IllegalArgumentException expected) {
            // the documented refusal
        }
        try {
            RequiredAccess.Need need = RequiredAccess.of(method.isEmpty() ? "GET" : method, text);
            assertThat(need.route()).isNotNull();
            need.scopes().forEach(s -> assertThat(Names.repository(s.name())).isEqualTo(s.name()));
        } catch (RegistryException expected) {
            assertThat(expected.code()).isEqualTo(ErrorCode.NAME_INVALID);
        }
        HtpasswdFile.basicCredentials(text).ifPresent(c -> assertThat(c).hasSize(2).doesNotContainNull());
        try {
            Jwt.verify(text, List.of(trustedPublic, attackerRsa.getPublic()));
            throw new AssertionError("a token nobody signed verified: " + text);
        } catch (GeneralSecurityException expected) {
            // the documented refusal
        }
    }

    private static void htpasswd(String file, String password) throws IOException {
        Path path = keys.resolve("fuzz.htpasswd");
        Files.write(path, file.getBytes(StandardCharsets.ISO_8859_1));
        HtpasswdFile users;
        try {
            users = new HtpasswdFile(path);
        } catch (IllegalArgumentException refused) {
            return;
        }
        for (String line : file.split("\n")) {
            int colon = line.strip().indexOf(':');
            if (colon <= 0) {
                continue;
            }
            Matcher m = COST.matcher(line);
            if (m.find() && Integer.parseInt(m.group(1)) > MAX_FUZZ_COST && Integer.parseInt(m.group(1)) <= 31) {
                continue;
            }
            String user = line.strip().substring(0, colon);
            users.check(user, password);
            users.check(user, password);
        }
    }
}
