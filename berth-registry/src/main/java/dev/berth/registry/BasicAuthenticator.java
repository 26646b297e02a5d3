package dev.berth.registry;

import io.netty.handler.codec.http.HttpHeaders;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** HTTP Basic auth against an {@link HtpasswdFile}, then the {@link AccessPolicy} for each needed scope. */
final class BasicAuthenticator implements Authenticator {
    private final HtpasswdFile users;
    private final AccessPolicy policy;
    private final String challenge;

    BasicAuthenticator(HtpasswdFile users, AccessPolicy policy, String realm) {
        this.users = users;
        this.policy = policy;
        this.challenge = "Basic realm=\"" + realm.replace("\"", "") + "\"";
    }

    @Override
    public Grant authorize(HttpHeaders headers, String baseUrl, List<Scope> needed) {
        Optional<String[]> creds = HtpasswdFile.basicCredentials(headers.get("Authorization"));
        if (creds.isEmpty() || !users.check(creds.get()[0], creds.get()[1])) {
            throw new RegistryException(ErrorCode.UNAUTHORIZED, 401,
                    creds.isEmpty() ? "authentication required" : "invalid username or password",
                    Map.of("WWW-Authenticate", challenge));
        }
        String user = creds.get()[0];
        for (Scope s : needed) {
            if (!policy.granted(user, s).containsAll(s.actions())) {
                throw new RegistryException(ErrorCode.DENIED, user + " may not " + s);
            }
        }
        return Grant.ofPolicy(user, policy);
    }
}
