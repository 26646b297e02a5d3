package dev.berth.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.HttpHeaders;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The built-in token endpoint ({@code GET /token?service=&scope=}, as Docker's token spec describes, and the
 * OAuth2 password grant on {@code POST /token}): checks
 * Basic credentials against the htpasswd file, grants each requested scope as far as the {@link AccessPolicy}
 * allows, and signs a JWT that {@link TokenVerifier} accepts. Anonymous callers get what rules grant
 * {@code anonymous}; wrong credentials get 401.
 */
final class TokenIssuer {
    static final String PATH = "/token";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final PrivateKey key;
    private final String issuer;
    private final String service;
    private final Duration lifetime;
    private final Optional<HtpasswdFile> users;
    private final AccessPolicy policy;
    private final Clock clock;

    TokenIssuer(PrivateKey key, String issuer, String service, Duration lifetime, Optional<HtpasswdFile> users,
                AccessPolicy policy, Clock clock) {
        this.key = key;
        this.issuer = issuer;
        this.service = service;
        this.lifetime = lifetime;
        this.users = users;
        this.policy = policy;
        this.clock = clock;
    }

    /** {@code GET /token}: credentials (optional) in a Basic Authorization header, scopes in the query. */
    Response issue(Map<String, List<String>> params, HttpHeaders headers) throws IOException {
        Optional<String[]> creds = HtpasswdFile.basicCredentials(headers.get("Authorization"));
        return grant(params, creds.map(c -> c[0]), creds.map(c -> c[1]));
    }

    /**
     * {@code POST /token} with an OAuth2 password grant ({@code grant_type=password&username=&password=&scope=}),
     * which containerd-based clients try first. No refresh tokens are issued, so other grants are refused.
     */
    Response issueForm(byte[] form) throws IOException {
        Map<String, List<String>> params = RequestUri.parse("?" + new String(form,
                java.nio.charset.StandardCharsets.UTF_8)).params();
        String grantType = params.getOrDefault("grant_type", List.of("")).getFirst();
        if (!grantType.equals("password")) {
            throw new RegistryException(ErrorCode.UNSUPPORTED, 400, "unsupported grant_type " + grantType
                    + " (only password; this server issues no refresh tokens)");
        }
        return grant(params, Optional.ofNullable(params.get("username")).map(List::getFirst),
                Optional.ofNullable(params.get("password")).map(List::getFirst));
    }

    private Response grant(Map<String, List<String>> params, Optional<String> username, Optional<String> password)
            throws IOException {
        List<String> services = params.getOrDefault("service", List.of());
        if (!services.isEmpty() && !services.contains(service)) {
            throw new RegistryException(ErrorCode.DENIED, 400, "this token server issues tokens for " + service
                    + ", not " + services.getFirst());
        }
        String user = AccessRule.ANONYMOUS;
        if (username.isPresent()) {
            if (users.isEmpty() || !users.get().check(username.get(), password.orElse(""))) {
                throw new RegistryException(ErrorCode.UNAUTHORIZED, 401, "invalid username or password",
                        Map.of("WWW-Authenticate", "Basic realm=\"" + service + "\""));
            }
            user = username.get();
        }
        List<Map<String, Object>> access = new ArrayList<>();
        for (String param : params.getOrDefault("scope", List.of())) {
            // Several scopes may share one parameter, separated by spaces.
            for (String text : param.split(" ")) {
                if (text.isBlank()) {
                    continue;
                }
                Scope wanted;
                try {
                    wanted = Scope.parse(text);
                } catch (IllegalArgumentException e) {
                    throw new RegistryException(ErrorCode.UNSUPPORTED, 400, e.getMessage());
                }
                Set<String> granted = policy.granted(user, wanted);
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("type", wanted.type());
                entry.put("name", wanted.name());
                entry.put("actions", List.copyOf(granted));
                access.add(entry);
            }
        }
        Instant now = clock.instant();
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", issuer);
        claims.put("sub", user.equals(AccessRule.ANONYMOUS) ? "" : user);
        claims.put("aud", service);
        claims.put("exp", now.plus(lifetime).getEpochSecond());
        claims.put("nbf", now.getEpochSecond() - 1);
        claims.put("iat", now.getEpochSecond());
        claims.put("jti", UUID.randomUUID().toString());
        claims.put("access", access);
        String token;
        try {
            token = Jwt.sign(key, claims);
        } catch (GeneralSecurityException e) {
            throw new IOException("signing a token failed", e);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("token", token);
        body.put("access_token", token);
        body.put("expires_in", lifetime.toSeconds());
        body.put("issued_at", now.toString());
        return new Response(200).body("application/json", MAPPER.writeValueAsBytes(body));
    }
}
