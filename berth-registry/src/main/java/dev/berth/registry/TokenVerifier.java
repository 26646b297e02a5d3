package dev.berth.registry;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a bearer token: signed by a key of the trusted certificates, issued by {@code issuer} for
 * {@code service}, and inside its validity window; yields the scopes of its {@code access} claim.
 */
final class TokenVerifier {
    /** Clock skew tolerated between the token server and the registry. */
    private static final long LEEWAY_SECONDS = 60;
    private static final int CACHE = 1024;

    /** The subject and the scopes of a valid token, and when it stops being valid. */
    record Claims(String subject, List<Scope> access, long expiresAt) {}

    private final List<PublicKey> keys;
    private final String issuer;
    private final String service;
    private final Clock clock;
    /** Verifying a signature costs more than serving a manifest; a token is checked once and then looked up. */
    private final Map<String, Claims> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Claims> eldest) {
            return size() > CACHE;
        }
    };

    TokenVerifier(List<X509Certificate> trusted, String issuer, String service, Clock clock) {
        this.keys = trusted.stream().map(X509Certificate::getPublicKey).toList();
        this.issuer = issuer;
        this.service = service;
        this.clock = clock;
    }

    static TokenVerifier of(RegistryConfig.Token t) throws IOException {
        return new TokenVerifier(PemFiles.certificates(t.rootCertBundle()), t.issuer(), t.service(),
                Clock.systemUTC());
    }

    Claims verify(String token) throws GeneralSecurityException {
        long now = clock.instant().getEpochSecond();
        Claims cached;
        synchronized (cache) {
            cached = cache.get(token);
        }
        if (cached != null) {
            if (now > cached.expiresAt() + LEEWAY_SECONDS) {
                throw new GeneralSecurityException("token expired");
            }
            return cached;
        }
        JsonNode c = Jwt.verify(token, keys);
        if (!c.path("iss").asText().equals(issuer)) {
            throw new GeneralSecurityException("token issuer is not " + issuer);
        }
        JsonNode aud = c.path("aud");
        boolean forUs = aud.isArray() ? contains(aud, service) : aud.asText().equals(service);
        if (!forUs) {
            throw new GeneralSecurityException("token audience is not " + service);
        }
        // Whole seconds, as distribution reads them (int64): a fraction, a string or a number beyond a long is no time.
        if (!isSeconds(c.path("exp")) || now > c.path("exp").asLong() + LEEWAY_SECONDS) {
            throw new GeneralSecurityException("token expired or without an expiry time");
        }
        if (c.has("nbf") && (!isSeconds(c.path("nbf")) || now + LEEWAY_SECONDS < c.path("nbf").asLong())) {
            throw new GeneralSecurityException("token not valid yet");
        }
        List<Scope> access = new ArrayList<>();
        for (JsonNode a : c.path("access")) {
            List<String> actions = new ArrayList<>();
            a.path("actions").forEach(x -> actions.add(x.asText()));
            access.add(new Scope(a.path("type").asText(), a.path("name").asText(),
                    new java.util.LinkedHashSet<>(actions)));
        }
        Claims claims = new Claims(c.path("sub").asText(""), List.copyOf(access), c.path("exp").asLong());
        synchronized (cache) {
            cache.put(token, claims);
        }
        return claims;
    }

    private static boolean isSeconds(JsonNode n) {
        return n.isIntegralNumber() && n.canConvertToLong();
    }

    private static boolean contains(JsonNode array, String value) {
        for (JsonNode n : array) {
            if (n.asText().equals(value)) {
                return true;
            }
        }
        return false;
    }
}
