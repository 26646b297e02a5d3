package dev.berth.daemon.api;

import io.netty.handler.codec.http.HttpMethod;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps method and path to a handler. Patterns are literal segments and {@code {var}} segments;
 * a trailing {@code {name...}} takes the rest of the path (image names contain slashes).
 */
public final class Router {
    private record Route(HttpMethod method, String[] segments, RouteHandler handler) {}

    /** What a lookup found: the handler and the path variables, or nothing. */
    public record Match(RouteHandler handler, Map<String, String> vars) {}

    private final List<Route> routes = new ArrayList<>();
    private final List<Route> socketBodies = new ArrayList<>();

    public Router get(String pattern, RouteHandler h) {
        return add(HttpMethod.GET, pattern, h);
    }

    public Router head(String pattern, RouteHandler h) {
        return add(HttpMethod.HEAD, pattern, h);
    }

    public Router post(String pattern, RouteHandler h) {
        return add(HttpMethod.POST, pattern, h);
    }

    public Router put(String pattern, RouteHandler h) {
        return add(HttpMethod.PUT, pattern, h);
    }

    public Router delete(String pattern, RouteHandler h) {
        return add(HttpMethod.DELETE, pattern, h);
    }

    public synchronized Router add(HttpMethod method, String pattern, RouteHandler h) {
        routes.add(new Route(method, split(pattern), h));
        return this;
    }

    /**
     * Marks a route whose handler reads its (large) body straight from the socket on plaintext
     * connections; see {@code SocketBody}. Such a connection closes after the answer.
     */
    public synchronized Router bodyFromSocket(HttpMethod method, String pattern) {
        socketBodies.add(new Route(method, split(pattern), null));
        return this;
    }

    /** Whether a request's body is to be read from the socket. */
    public synchronized boolean readsBodyFromSocket(HttpMethod method, String path) {
        String[] parts = split(path);
        for (Route r : socketBodies) {
            if (r.method.equals(method) && match(r.segments, parts, new HashMap<>()) >= 0) {
                return true;
            }
        }
        return false;
    }

    /** Finds the route for a request; literal segments win over variables. */
    public synchronized Match find(HttpMethod method, String path) {
        String[] parts = split(path);
        Match best = null;
        int bestScore = -1;
        for (Route r : routes) {
            if (!r.method.equals(method)) {
                continue;
            }
            Map<String, String> vars = new HashMap<>();
            int score = match(r.segments, parts, vars);
            if (score > bestScore) {
                best = new Match(r.handler, Map.copyOf(vars));
                bestScore = score;
            }
        }
        return best;
    }

    private static int match(String[] pattern, String[] parts, Map<String, String> vars) {
        int score = 0;
        for (int i = 0; i < pattern.length; i++) {
            String p = pattern[i];
            if (p.startsWith("{") && p.endsWith("...}")) {
                // Greedy tail variable, but the segments after it in the pattern must still match
                // (e.g. /images/{name...}/json): those are fixed literals at the end of the path.
                int rest = pattern.length - i - 1;
                if (parts.length - i - rest < 1) {
                    return -1;
                }
                for (int k = 0; k < rest; k++) {
                    if (!pattern[i + 1 + k].equals(parts[parts.length - rest + k])) {
                        return -1;
                    }
                }
                vars.put(p.substring(1, p.length() - 4), String.join("/", java.util.Arrays.copyOfRange(parts, i, parts.length - rest)));
                return score + rest * 2;
            }
            if (i >= parts.length) {
                return -1;
            }
            if (p.startsWith("{") && p.endsWith("}")) {
                vars.put(p.substring(1, p.length() - 1), parts[i]);
                score += 1;
            } else if (p.equals(parts[i])) {
                score += 2;
            } else {
                return -1;
            }
        }
        return pattern.length == parts.length ? score : -1;
    }

    private static String[] split(String path) {
        String p = path;
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.isEmpty()) {
            return new String[0];
        }
        String[] raw = p.split("/", -1);
        for (int i = 0; i < raw.length; i++) {
            raw[i] = java.net.URLDecoder.decode(raw[i].replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
        }
        return raw;
    }
}
