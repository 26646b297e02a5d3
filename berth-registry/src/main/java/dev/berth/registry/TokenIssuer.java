package dev.berth.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;

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
 * The built-in token endpoint ({@code GET /token?service=&scope=}, as Docker's token spec describes): checks
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

    Response issue(String uri, HttpHeaders headers) throws IOException {
        QueryStringDecoder q = new QueryStringDecoder(uri);
        List<String> services = q.parameters().getOrDefault("service", List.of());
        if (!services.isEmpty() && !services.contains(service)) {
            throw new RegistryException(ErrorCode.DENIED, 400, "this token server issues tokens for " + service
                    + ", not " + services.getFirst());
        }
        String user = AccessRule.ANONYMOUS;
        Optional<String[]> creds = HtpasswdFile.basicCredentials(headers.get("Authorization"));
        if (creds.isPresent()) {
            if (users.isEmpty() || !users.get().check(creds.get()[0], creds.get()[1])) {
                throw new RegistryException(ErrorCode.UNAUTHORIZED, 401, "invalid username or password",
                        Map.of("WWW-Authenticate", "Basic realm=\"" + service + "\""));
            }
            user = creds.get()[0];
        }
        List<Map<String, Object>> access = new ArrayList<>();
        for (String param : q.parameters().getOrDefault("scope", List.of())) {
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
