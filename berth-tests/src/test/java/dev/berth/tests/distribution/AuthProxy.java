package dev.berth.tests.distribution;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An authenticating front for a registry, for tests: in {@code BASIC} mode every request needs
 * the user's password; in {@code TOKEN} mode it needs a bearer token from {@code /token} (docker's
 * token flow: challenge, token endpoint with service and scope, retry), which hands out tokens for
 * the right password or a refresh token it issued. Allowed requests are forwarded to the registry.
 */
final class AuthProxy implements AutoCloseable {
    enum Mode { NONE, BASIC, TOKEN }

    private static final Set<String> HOP_HEADERS = Set.of("connection", "content-length", "transfer-encoding", "host",
            "date", "keep-alive");

    private final Mode mode;
    private final String user;
    private final String password;
    private final String upstream;
    private final HttpServer server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final Set<String> tokens = ConcurrentHashMap.newKeySet();
    private final Set<String> refreshTokens = ConcurrentHashMap.newKeySet();
    private final Map<String, java.util.concurrent.atomic.AtomicInteger> tokenUses = new ConcurrentHashMap<>();
    /** When set, each blob upload PUT counts it down and waits (up to 10 s) for it to reach zero. */
    volatile java.util.concurrent.CountDownLatch uploadRendezvous;
    private final java.util.concurrent.atomic.AtomicInteger uploadsInFlight = new java.util.concurrent.atomic.AtomicInteger();
    /** The most blob upload PUTs that were in flight at once. */
    final java.util.concurrent.atomic.AtomicInteger maxUploadsInFlight = new java.util.concurrent.atomic.AtomicInteger();
    /** Requests a bearer token is good for; beyond them it has expired (401 {@code invalid_token}). */
    volatile int tokenLifetime = Integer.MAX_VALUE;
    /** Every token request, as "GET|POST scope=..." lines, for assertions. */
    final List<String> tokenRequests = new CopyOnWriteArrayList<>();

    AuthProxy(Mode mode, String user, String password, String upstreamHost) throws IOException {
        this(mode, user, password, upstreamHost, InetAddress.getLoopbackAddress(), null);
    }

    /** Listening on {@code address}, over HTTPS when {@code tls} is given. */
    AuthProxy(Mode mode, String user, String password, String upstreamHost, InetAddress address,
              javax.net.ssl.SSLContext tls) throws IOException {
        this.mode = mode;
        this.user = user;
        this.password = password;
        this.upstream = upstreamHost;
        if (tls != null) {
            com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(new InetSocketAddress(address, 0), 32);
            https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
            server = https;
        } else {
            server = HttpServer.create(new InetSocketAddress(address, 0), 32);
        }
        server.createContext("/", this::handle);
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    String host() {
        InetAddress a = server.getAddress().getAddress();
        return (a.isLoopbackAddress() ? "127.0.0.1" : a.getHostAddress()) + ":" + server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (ex.getRequestURI().getPath().equals("/token")) {
                token(ex);
                return;
            }
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            boolean ok = mode == Mode.NONE || (mode == Mode.BASIC ? basicOk(auth) : bearerOk(auth));
            if (!ok) {
                ex.getResponseHeaders().add("WWW-Authenticate", mode == Mode.BASIC ? "Basic realm=\"test\""
                        : "Bearer realm=\"http://" + host() + "/token\",service=\"test-registry\""
                        + (auth != null && auth.startsWith("Bearer ") ? ",error=\"invalid_token\"" : ""));
                byte[] body = "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}".getBytes();
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(401, body.length);
                ex.getResponseBody().write(body);
                return;
            }
            boolean upload = ex.getRequestMethod().equals("PUT") && ex.getRequestURI().getPath().contains("/blobs/uploads/");
            java.util.concurrent.CountDownLatch rendezvous = uploadRendezvous;
            if (upload) {
                maxUploadsInFlight.accumulateAndGet(uploadsInFlight.incrementAndGet(), Math::max);
            }
            try {
                if (upload && rendezvous != null) {
                    rendezvous.countDown();
                    rendezvous.await(10, java.util.concurrent.TimeUnit.SECONDS);
                }
                forward(ex);
            } finally {
                if (upload) {
                    uploadsInFlight.decrementAndGet();
                }
            }
        } catch (IOException | InterruptedException e) {
            // the client went away
        }
    }

    private boolean bearerOk(String auth) {
        if (auth == null || !auth.startsWith("Bearer ") || !tokens.contains(auth.substring(7))) {
            return false;
        }
        return tokenUses.computeIfAbsent(auth.substring(7), k -> new java.util.concurrent.atomic.AtomicInteger())
                .incrementAndGet() <= tokenLifetime;
    }

    private boolean basicOk(String auth) {
        if (auth == null || !auth.startsWith("Basic ")) {
            return false;
        }
        String plain = new String(Base64.getDecoder().decode(auth.substring(6)), StandardCharsets.UTF_8);
        return plain.equals(user + ":" + password);
    }

    private void token(HttpExchange ex) throws IOException {
        String query;
        if (ex.getRequestMethod().equals("POST")) {
            query = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        } else {
            query = ex.getRequestURI().getRawQuery() == null ? "" : ex.getRequestURI().getRawQuery();
        }
        Map<String, String> form = new java.util.LinkedHashMap<>();
        StringBuilder scopes = new StringBuilder();
        for (String kv : query.split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                String k = kv.substring(0, eq);
                String v = URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
                form.put(k, v);
                if (k.equals("scope")) {
                    scopes.append(" scope=").append(v);
                }
            }
        }
        tokenRequests.add(ex.getRequestMethod() + scopes);
        boolean ok = "refresh_token".equals(form.get("grant_type")) ? refreshTokens.contains(form.get("refresh_token"))
                : basicOk(ex.getRequestHeaders().getFirst("Authorization"));
        if (!ok || !"test-registry".equals(form.get("service"))) {
            ex.sendResponseHeaders(401, -1);
            return;
        }
        String token = UUID.randomUUID().toString();
        String refresh = UUID.randomUUID().toString();
        tokens.add(token);
        refreshTokens.add(refresh);
        byte[] body = ("{\"token\":\"" + token + "\",\"expires_in\":300,\"refresh_token\":\"" + refresh + "\"}").getBytes();
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
    }

    private void forward(HttpExchange ex) throws IOException, InterruptedException {
        URI target = URI.create("http://" + upstream + ex.getRequestURI().getRawPath()
                + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery()));
        byte[] body = ex.getRequestBody().readAllBytes();
        HttpRequest.Builder b = HttpRequest.newBuilder(target).method(ex.getRequestMethod(),
                body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        ex.getRequestHeaders().forEach((k, vs) -> {
            if (!HOP_HEADERS.contains(k.toLowerCase()) && !k.equalsIgnoreCase("Authorization") && !k.equalsIgnoreCase("Expect")) {
                vs.forEach(v -> b.header(k, v));
            }
        });
        HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        r.headers().map().forEach((k, vs) -> {
            if (!HOP_HEADERS.contains(k.toLowerCase()) && !k.startsWith(":")) {
                vs.forEach(v -> ex.getResponseHeaders().add(k, v));
            }
        });
        long len = r.headers().firstValueAsLong("Content-Length").orElse(-1);
        boolean head = ex.getRequestMethod().equals("HEAD");
        if (head) {
            if (len >= 0) {
                ex.getResponseHeaders().set("Content-Length", Long.toString(len));
            }
            ex.sendResponseHeaders(r.statusCode(), -1);
            r.body().close();
            return;
        }
        ex.sendResponseHeaders(r.statusCode(), len == 0 ? -1 : len > 0 ? len : 0);
        try (InputStream in = r.body(); OutputStream out = ex.getResponseBody()) {
            in.transferTo(out);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
