package dev.berth.registry;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static dev.berth.registry.RegistryClient.MAPPER;
import static dev.berth.registry.RegistryClient.errorCode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * htpasswd Basic auth and bearer tokens, with files made by the real tools (htpasswd -B, openssl) and the real
 * clients (skopeo for the whole challenge dance, curl, the JDK HttpClient for the error cases).
 */
class AuthTest {
    @TempDir
    Path tmp;
    RegistryClient reg;

    /** alice may pull and push team/**; bob may only pull there; anonymous may pull public/**. */
    static final List<AccessRule> RULES = List.of(
            new AccessRule("alice", "team/**", Set.of("pull", "push", "delete")),
            new AccessRule("bob", "team/**", Set.of("pull")),
            new AccessRule("anonymous", "public/**", Set.of("pull")));

    @BeforeEach
    void tools() throws Exception {
        assumeTrue(Tools.available("htpasswd", "-nbB", "x", "y"), "htpasswd is missing (apache2-utils)");
        Tools.ok(tmp, "htpasswd", "-B", "-b", "-c", "users.htpasswd", "alice", "alice-secret");
        Tools.ok(tmp, "htpasswd", "-B", "-b", "users.htpasswd", "bob", "bob-secret");
    }

    @AfterEach
    void stop() {
        if (reg != null) {
            reg.close();
        }
    }

    private RegistryConfig base() {
        return RegistryConfig.local(tmp.resolve("root"), "127.0.0.1", 0, Duration.ofHours(1));
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private RegistryConfig htpasswd() {
        return base().withAuth(new RegistryConfig.Auth(Optional.of(new RegistryConfig.Htpasswd("berth test",
                tmp.resolve("users.htpasswd"))), Optional.empty(), RULES));
    }

    /** RSA signing key and certificate made by openssl; the key in PKCS#8. */
    private void tokenKeys(String name, String... algorithm) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl", "genpkey"));
        cmd.addAll(List.of(algorithm));
        cmd.addAll(List.of("-out", name + ".key"));
        Tools.ok(tmp, cmd.toArray(String[]::new));
        Tools.ok(tmp, "openssl", "req", "-x509", "-key", name + ".key", "-subj", "/CN=" + name, "-days", "2",
                "-out", name + ".crt");
    }

    private RegistryConfig token(boolean builtIn) throws Exception {
        tokenKeys("token", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048");
        var t = new RegistryConfig.Token(builtIn ? "" : "https://auth.example.com/token", "berth-registry",
                "berth-issuer", tmp.resolve("token.crt"),
                builtIn ? Optional.of(tmp.resolve("token.key")) : Optional.empty(), Duration.ofMinutes(5));
        return base().withAuth(new RegistryConfig.Auth(Optional.of(new RegistryConfig.Htpasswd("berth test",
                tmp.resolve("users.htpasswd"))), Optional.of(t), RULES));
    }

    private String skopeoCopy(String creds, String from, String to) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("skopeo", "--insecure-policy", "copy",
                "--src-tls-verify=false", "--dest-tls-verify=false"));
        if (creds != null) {
            cmd.add(to.startsWith("docker://") ? "--dest-creds" : "--src-creds");
            cmd.add(creds);
        }
        cmd.addAll(List.of(from, to));
        Tools.Result r = Tools.run(tmp, cmd);
        return r.exit() + ":" + r.output();
    }

    @Test
    void basicAuthChallengesChecksPasswordsAndRules() throws Exception {
        reg = new RegistryClient(htpasswd());
        HttpResponse<byte[]> none = reg.get("/v2/");
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(errorCode(none)).isEqualTo("UNAUTHORIZED");
        assertThat(none.headers().firstValue("WWW-Authenticate")).contains("Basic realm=\"berth test\"");
        assertThat(reg.send("GET", "/v2/", null, "Authorization", basic("alice", "wrong")).statusCode())
                .isEqualTo(401);
        assertThat(reg.send("GET", "/v2/", null, "Authorization", basic("nobody", "x")).statusCode())
                .isEqualTo(401);
        assertThat(reg.send("GET", "/v2/", null, "Authorization", basic("alice", "alice-secret")).statusCode())
                .isEqualTo(200);

        HttpResponse<byte[]> bobPush = reg.send("POST", "/v2/team/app/blobs/uploads/", null,
                "Authorization", basic("bob", "bob-secret"));
        assertThat(bobPush.statusCode()).isEqualTo(403);
        assertThat(errorCode(bobPush)).isEqualTo("DENIED");
        assertThat(reg.send("POST", "/v2/team/app/blobs/uploads/", null,
                "Authorization", basic("alice", "alice-secret")).statusCode()).isEqualTo(202);
        assertThat(errorCode(reg.send("GET", "/v2/other/tags/list", null,
                "Authorization", basic("alice", "alice-secret")))).isEqualTo("DENIED");
    }

    @Test
    void skopeoPushesAndPullsWithBasicAuth() throws Exception {
        assumeTrue(SkopeoCopyTest.skopeoAvailable(), "skopeo is not installed");
        reg = new RegistryClient(htpasswd());
        SkopeoCopyTest.writeLayout(tmp.resolve("src"));
        String ref = "docker://127.0.0.1:" + reg.port() + "/team/app:v1";
        assertThat(skopeoCopy(null, "oci:" + tmp.resolve("src") + ":v1", ref)).doesNotStartWith("0:");
        assertThat(skopeoCopy("bob:bob-secret", "oci:" + tmp.resolve("src") + ":v1", ref))
                .doesNotStartWith("0:").contains("denied");
        assertThat(skopeoCopy("alice:alice-secret", "oci:" + tmp.resolve("src") + ":v1", ref)).startsWith("0:");
        assertThat(skopeoCopy("bob:bob-secret", ref, "oci:" + tmp.resolve("dst") + ":v1")).startsWith("0:");
        assertThat(SkopeoCopyTest.blobs(tmp.resolve("dst")).keySet())
                .isEqualTo(SkopeoCopyTest.blobs(tmp.resolve("src")).keySet());
    }

    @Test
    void htpasswdEntriesThatAreNotBcryptAreRefused() throws Exception {
        Tools.ok(tmp, "htpasswd", "-m", "-b", "-c", "md5.htpasswd", "carol", "pw");
        assertThatThrownBy(() -> new HtpasswdFile(tmp.resolve("md5.htpasswd")))
                .hasMessageContaining("only bcrypt entries");
    }

    @Test
    void tokenChallengeNamesRealmServiceAndScope() throws Exception {
        reg = new RegistryClient(token(true));
        HttpResponse<byte[]> ping = reg.get("/v2/");
        assertThat(ping.statusCode()).isEqualTo(401);
        assertThat(ping.headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"http://127.0.0.1:"
                + reg.port() + "/token\",service=\"berth-registry\"");
        HttpResponse<byte[]> push = reg.send("POST", "/v2/team/app/blobs/uploads/", null);
        assertThat(push.headers().firstValue("WWW-Authenticate").orElseThrow())
                .endsWith(",scope=\"repository:team/app:pull,push\"");
        assertThat(errorCode(push)).isEqualTo("UNAUTHORIZED");
    }

    private String fetchToken(String user, String password, String scope) throws Exception {
        HttpResponse<byte[]> r = user == null
                ? reg.get("/token?service=berth-registry&scope=" + scope)
                : reg.send("GET", "/token?service=berth-registry&scope=" + scope, null,
                "Authorization", basic(user, password));
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        JsonNode body = MAPPER.readTree(r.body());
        assertThat(body.path("expires_in").asLong()).isEqualTo(300);
        return body.path("token").asText();
    }

    private static JsonNode claims(String jwt) throws Exception {
        return MAPPER.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
    }

    @Test
    void builtInTokenEndpointGrantsWhatTheRulesAllow() throws Exception {
        reg = new RegistryClient(token(true));
        String bob = fetchToken("bob", "bob-secret", "repository:team/app:pull,push");
        assertThat(claims(bob).path("access").path(0).path("actions").toString()).isEqualTo("[\"pull\"]");
        assertThat(claims(bob).path("sub").asText()).isEqualTo("bob");

        assertThat(reg.send("GET", "/v2/", null, "Authorization", "Bearer " + bob).statusCode()).isEqualTo(200);
        HttpResponse<byte[]> denied = reg.send("POST", "/v2/team/app/blobs/uploads/", null,
                "Authorization", "Bearer " + bob);
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(errorCode(denied)).isEqualTo("DENIED");
        assertThat(denied.headers().firstValue("WWW-Authenticate").orElseThrow())
                .contains("error=\"insufficient_scope\"");
        // A token for one repository is no key to another.
        assertThat(reg.send("GET", "/v2/team/other/tags/list", null, "Authorization", "Bearer " + bob)
                .statusCode()).isEqualTo(403);

        String alice = fetchToken("alice", "alice-secret", "repository:team/app:pull,push");
        assertThat(reg.send("POST", "/v2/team/app/blobs/uploads/", null, "Authorization", "Bearer " + alice)
                .statusCode()).isEqualTo(202);

        String anonymous = fetchToken(null, null, "repository:public/x:pull,push");
        assertThat(claims(anonymous).path("access").path(0).path("actions").toString()).isEqualTo("[\"pull\"]");

        HttpResponse<byte[]> wrong = reg.send("GET", "/token?service=berth-registry", null,
                "Authorization", basic("alice", "nope"));
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(errorCode(wrong)).isEqualTo("UNAUTHORIZED");
    }

    @Test
    void forgedExpiredAndMisaddressedTokensAreRefused() throws Exception {
        reg = new RegistryClient(token(false));
        var key = PemFiles.privateKey(tmp.resolve("token.key"));
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", "berth-issuer");
        claims.put("sub", "alice");
        claims.put("aud", "berth-registry");
        claims.put("exp", Instant.now().plusSeconds(300).getEpochSecond());
        claims.put("access", List.of(Map.of("type", "repository", "name", "team/app", "actions", List.of("pull"))));
        String good = Jwt.sign(key, claims);
        String path = "/v2/team/app/tags/list";
        // An external realm is named as configured; tokens signed for it are accepted.
        HttpResponse<byte[]> challenge = reg.get(path);
        assertThat(challenge.headers().firstValue("WWW-Authenticate").orElseThrow())
                .startsWith("Bearer realm=\"https://auth.example.com/token\"");
        assertThat(reg.send("GET", path, null, "Authorization", "Bearer " + good).statusCode()).isEqualTo(404);

        String[] parts = good.split("\\.");
        String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                        .replace("\"pull\"", "\"push\"").getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        tokenKeys("other", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256");
        String otherKey = Jwt.sign(PemFiles.privateKey(tmp.resolve("other.key")), claims);
        Map<String, Object> expired = new LinkedHashMap<>(claims);
        expired.put("exp", Instant.now().minusSeconds(3600).getEpochSecond());
        Map<String, Object> elsewhere = new LinkedHashMap<>(claims);
        elsewhere.put("aud", "another-registry");
        Map<String, Object> foreignIssuer = new LinkedHashMap<>(claims);
        foreignIssuer.put("iss", "someone-else");
        for (String bad : List.of("not-a-jwt", tampered, otherKey, Jwt.sign(key, expired), Jwt.sign(key, elsewhere),
                Jwt.sign(key, foreignIssuer))) {
            HttpResponse<byte[]> r = reg.send("GET", path, null, "Authorization", "Bearer " + bad);
            assertThat(r.statusCode()).as(bad).isEqualTo(401);
            assertThat(errorCode(r)).isEqualTo("UNAUTHORIZED");
            assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("error=\"invalid_token\"");
        }
    }

    @Test
    void ecTokensVerifyToo() throws Exception {
        tokenKeys("ec", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256");
        var verifier = new TokenVerifier(PemFiles.certificates(tmp.resolve("ec.crt")), "i", "s",
                java.time.Clock.systemUTC());
        String t = Jwt.sign(PemFiles.privateKey(tmp.resolve("ec.key")), Map.of("iss", "i", "aud", "s", "sub", "u",
                "exp", Instant.now().plusSeconds(60).getEpochSecond(), "access", List.of()));
        assertThat(verifier.verify(t).subject()).isEqualTo("u");
    }

    @Test
    void skopeoDoesTheTokenDanceAgainstTheBuiltInEndpoint() throws Exception {
        assumeTrue(SkopeoCopyTest.skopeoAvailable(), "skopeo is not installed");
        reg = new RegistryClient(token(true));
        SkopeoCopyTest.writeLayout(tmp.resolve("src"));
        String ref = "docker://127.0.0.1:" + reg.port() + "/team/app:v1";
        assertThat(skopeoCopy("bob:bob-secret", "oci:" + tmp.resolve("src") + ":v1", ref))
                .doesNotStartWith("0:");
        assertThat(skopeoCopy("alice:wrong", "oci:" + tmp.resolve("src") + ":v1", ref)).doesNotStartWith("0:");
        assertThat(skopeoCopy("alice:alice-secret", "oci:" + tmp.resolve("src") + ":v1", ref)).startsWith("0:");
        assertThat(skopeoCopy("bob:bob-secret", ref, "oci:" + tmp.resolve("dst") + ":v1")).startsWith("0:");
        Map<String, byte[]> before = SkopeoCopyTest.blobs(tmp.resolve("src"));
        Map<String, byte[]> after = SkopeoCopyTest.blobs(tmp.resolve("dst"));
        before.forEach((name, bytes) -> assertThat(after.get(name)).as(name).isEqualTo(bytes));
        assertThat(Files.exists(tmp.resolve("root/repositories/team/app/_manifests"))).isTrue();
    }
}
