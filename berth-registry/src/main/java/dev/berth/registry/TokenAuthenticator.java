package dev.berth.registry;

import io.netty.handler.codec.http.HttpHeaders;

import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Bearer tokens as Docker Hub uses them: a request without a valid token gets 401 and a challenge naming the
 * realm, service and scopes to ask for; a valid token that lacks an action gets 403 DENIED.
 */
final class TokenAuthenticator implements Authenticator {
    private final TokenVerifier verifier;
    private final String realm;
    private final String service;

    /** @param realm the token endpoint's URL; empty means this server's {@code /token} */
    TokenAuthenticator(TokenVerifier verifier, String realm, String service) {
        this.verifier = verifier;
        this.realm = realm;
        this.service = service;
    }

    private String challenge(String baseUrl, List<Scope> needed, String error) {
        StringBuilder b = new StringBuilder("Bearer realm=\"")
                .append(realm.isEmpty() ? baseUrl + TokenIssuer.PATH : realm)
                .append("\",service=\"").append(service).append('"');
        if (!needed.isEmpty()) {
            b.append(",scope=\"").append(needed.stream().map(Scope::toString).collect(Collectors.joining(" ")))
                    .append('"');
        }
        if (error != null) {
            b.append(",error=\"").append(error).append('"');
        }
        return b.toString();
    }

    @Override
    public Grant authorize(HttpHeaders headers, String baseUrl, List<Scope> needed) {
        String auth = headers.get("Authorization");
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new RegistryException(ErrorCode.UNAUTHORIZED, 401, "authentication required",
                    Map.of("WWW-Authenticate", challenge(baseUrl, needed, null)));
        }
        TokenVerifier.Claims claims;
        try {
            claims = verifier.verify(auth.substring(7).strip());
        } catch (GeneralSecurityException e) {
            throw new RegistryException(ErrorCode.UNAUTHORIZED, 401, "invalid token: " + e.getMessage(),
                    Map.of("WWW-Authenticate", challenge(baseUrl, needed, "invalid_token")));
        }
        Grant grant = Grant.ofScopes(claims.subject(), claims.access());
        for (Scope s : needed) {
            boolean ok = s.type().equals("repository")
                    ? s.actions().stream().allMatch(a -> grant.can(s.name(), a))
                    : claims.access().stream().anyMatch(a -> a.type().equals(s.type()) && a.name().equals(s.name()));
            if (!ok) {
                throw new RegistryException(ErrorCode.DENIED, 403, "token does not grant " + s,
                        Map.of("WWW-Authenticate", challenge(baseUrl, needed, "insufficient_scope")));
            }
        }
        return grant;
    }
}
