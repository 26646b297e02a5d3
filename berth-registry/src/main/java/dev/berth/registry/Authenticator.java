package dev.berth.registry;

import io.netty.handler.codec.http.HttpHeaders;

import java.util.List;

/** Checks a request's credentials against the scopes its route needs; refuses with a 401 or 403 error. */
interface Authenticator {
    Authenticator NONE = (headers, baseUrl, needed) -> Grant.OPEN;

    /**
     * @param baseUrl {@code http(s)://host:port} as the client reached this server, for realms that name it
     * @throws RegistryException UNAUTHORIZED (401, with a {@code WWW-Authenticate} challenge) or DENIED (403)
     */
    Grant authorize(HttpHeaders headers, String baseUrl, List<Scope> needed);
}
