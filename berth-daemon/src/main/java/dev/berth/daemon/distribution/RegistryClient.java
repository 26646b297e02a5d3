package dev.berth.daemon.distribution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.daemon.distribution.RegistryEndpoints.Endpoint;
import dev.berth.oci.Digest;
import dev.berth.oci.MediaTypes;

import javax.net.ssl.SSLException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * One session with one repository of one registry: pings {@code /v2/}, answers its challenge
 * (basic credentials, or a bearer token fetched for the session's scopes and reused until it
 * expires), and fetches or sends manifests and blobs. Not shared between threads' sessions of
 * other repositories; safe for the concurrent layer downloads of one pull.
 */
public final class RegistryClient {
    /** What berthd accepts as a manifest, best first. */
    public static final List<String> MANIFEST_TYPES = List.of(MediaTypes.OCI_INDEX, MediaTypes.DOCKER_MANIFEST_LIST,
            MediaTypes.OCI_MANIFEST, MediaTypes.DOCKER_MANIFEST);
    /** Manifests larger than this are refused (docker's limit). */
    public static final int MAX_MANIFEST = 4 * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);
    private static final String USER_AGENT = "berth/" + dev.berth.daemon.BerthVersion.VERSION;

    /** A manifest as fetched: its bytes, media type and verified digest. */
    public record Fetched(byte[] body, String mediaType, Digest digest) {}

    /** An open blob download; close it to free the connection. */
    public record Blob(InputStream body, long length) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    private final Endpoint endpoint;
    private final String repository;
    private final AuthConfig auth;
    private final List<String> scopes;
    private final Object authLock = new Object();
    private volatile Challenge challenge;
    private volatile String authorization;
    private volatile Instant authExpires = Instant.MAX;
    private String refreshToken;

    private RegistryClient(Endpoint endpoint, String repository, AuthConfig auth, List<String> scopes) {
        this.endpoint = endpoint;
        this.repository = repository;
        this.auth = auth == null ? AuthConfig.ANONYMOUS : auth;
        this.scopes = List.copyOf(scopes);
    }

    /**
     * Opens a session on the first endpoint that answers {@code /v2/} (HTTPS before HTTP for an
     * insecure registry, as docker tries them), authenticated for {@code actions} on {@code repository}.
     */
    public static RegistryClient open(List<Endpoint> endpoints, String repository, AuthConfig auth, String actions,
                                      List<String> extraScopes) throws IOException {
        IOException last = null;
        for (int i = 0; i < endpoints.size(); i++) {
            Endpoint e = endpoints.get(i);
            List<String> scopes = new ArrayList<>();
            if (repository != null) {
                scopes.add("repository:" + repository + ":" + actions);
            }
            scopes.addAll(extraScopes);
            RegistryClient c = new RegistryClient(e, repository, auth, scopes);
            try {
                if (i < endpoints.size() - 1) {
                    probe(c);
                } else {
                    c.ping();
                }
                e.answered();
                return c;
            } catch (SSLException | ConnectException | HttpConnectTimeoutException ex) {
                last = new RegistryException(500, "Get \"" + e.base() + "/v2/\": " + describe(ex, e), ex);
            }
        }
        throw last != null ? last : new RegistryException(500, "no endpoint for the registry");
    }

    /**
     * Pings an endpoint that has a fallback (HTTPS to an insecure registry): a plain-HTTP server
     * may never answer a TLS handshake, so it gets {@link #PROBE_TIMEOUT} before the next one is tried.
     */
    private static void probe(RegistryClient c) throws IOException {
        java.util.concurrent.FutureTask<Void> task = new java.util.concurrent.FutureTask<>(() -> {
            c.ping();
            return null;
        });
        Thread t = Thread.ofVirtual().name("registry-probe").start(task);
        try {
            task.get(PROBE_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            t.interrupt();
            throw new HttpConnectTimeoutException("TLS handshake timeout");
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        }
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    public String repository() {
        return repository;
    }

    private static String describe(IOException e, Endpoint endpoint) {
        if (e instanceof SSLException) {
            return "http: server gave HTTP response to HTTPS client or TLS failed: " + e.getMessage();
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.nio.channels.UnresolvedAddressException || t instanceof java.net.UnknownHostException) {
                return "dial tcp: lookup " + endpoint.base().getHost() + ": no such host";
            }
        }
        if (e instanceof ConnectException && (e.getMessage() == null || e.getMessage().isEmpty()
                || e.getMessage().contains("refused"))) {
            return "connect: connection refused";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private URI uri(String path) {
        return URI.create(endpoint.base() + path);
    }

    /** GET /v2/: learns how the registry wants to be authenticated and authenticates. */
    void ping() throws IOException {
        HttpResponse<byte[]> r = exchange(HttpRequest.newBuilder(uri("/v2/")).GET(), false, HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() == 401) {
            challenge = Challenge.parse(r.headers().firstValue("WWW-Authenticate").orElse(null));
            authenticate(false);
        } else if (r.statusCode() >= 300 && r.statusCode() != 404) {
            throw error(r.statusCode(), r.body(), "Get \"" + uri("/v2/") + "\"");
        }
    }

    /**
     * Checks credentials the way {@code docker login} does: a token with {@code offline_token}
     * for a bearer registry (its refresh token becomes the identity token), basic auth otherwise.
     *
     * @return the identity token, or null
     */
    public String login() throws IOException {
        if (challenge == null) {
            return null;
        }
        if (challenge.scheme().equals("basic")) {
            HttpResponse<byte[]> r = exchange(HttpRequest.newBuilder(uri("/v2/")).GET(), true, HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() == 401) {
                throw new RegistryException(401, "login attempt to " + uri("/v2/") + " failed with status: 401 Unauthorized");
            }
            return null;
        }
        return refreshToken;
    }

    private void authenticate(boolean force) throws IOException {
        synchronized (authLock) {
            if (challenge == null) {
                return;
            }
            if (!force && authorization != null && Instant.now().isBefore(authExpires)) {
                return;
            }
            switch (challenge.scheme()) {
                case "basic" -> {
                    if (!auth.hasPassword()) {
                        // Requests go out bare and the registry's 401 says what is wrong.
                        return;
                    }
                    authorization = "Basic " + Base64.getEncoder().encodeToString(
                            (auth.username() + ":" + auth.password()).getBytes(StandardCharsets.UTF_8));
                }
                case "bearer" -> fetchToken();
                default -> throw new RegistryException(500, "unsupported authentication scheme: " + challenge.scheme());
            }
        }
    }

    private void fetchToken() throws IOException {
        if (auth.registryToken() != null && !auth.registryToken().isEmpty()) {
            authorization = "Bearer " + auth.registryToken();
            return;
        }
        String realm = challenge.param("realm");
        if (realm == null || realm.isEmpty()) {
            throw new RegistryException(500, "bearer challenge without a realm");
        }
        String service = challenge.param("service");
        StringBuilder q = new StringBuilder();
        if (service != null) {
            q.append("service=").append(enc(service));
        }
        for (String s : scopes) {
            q.append(q.isEmpty() ? "" : "&").append("scope=").append(enc(s));
        }
        HttpResponse<byte[]> r;
        String identity = auth.identityToken();
        if (identity != null && !identity.isEmpty()) {
            String form = q + (q.isEmpty() ? "" : "&") + "grant_type=refresh_token&client_id=berth&refresh_token=" + enc(identity);
            r = send(HttpRequest.newBuilder(URI.create(realm)).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)), HttpResponse.BodyHandlers.ofByteArray());
        } else {
            if (auth.hasPassword()) {
                q.append(q.isEmpty() ? "" : "&").append("offline_token=true&client_id=berth");
            }
            URI u = URI.create(realm + (realm.contains("?") ? "&" : "?") + q);
            HttpRequest.Builder b = HttpRequest.newBuilder(u).GET();
            if (auth.hasPassword()) {
                b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (auth.username() + ":" + auth.password()).getBytes(StandardCharsets.UTF_8)));
            }
            r = send(b, HttpResponse.BodyHandlers.ofByteArray());
        }
        if (r.statusCode() == 401 || r.statusCode() == 403) {
            throw new RegistryException(401, auth.anonymous() ? "unauthorized: authentication required"
                    : "unauthorized: incorrect username or password");
        }
        if (r.statusCode() != 200) {
            throw error(r.statusCode(), r.body(), "Get \"" + realm + "\"");
        }
        JsonNode t;
        try {
            t = JSON.readTree(r.body());
        } catch (IOException e) {
            throw new RegistryException(500, "token server " + realm + " sent invalid JSON");
        }
        String token = t.path("token").asText(t.path("access_token").asText(""));
        if (token.isEmpty()) {
            throw new RegistryException(500, "token server " + realm + " sent no token");
        }
        long expiresIn = Math.max(60, t.path("expires_in").asLong(60));
        authorization = "Bearer " + token;
        // Renewed a little early so a request never carries a token that expires in flight.
        authExpires = Instant.now().plusSeconds(expiresIn).minusSeconds(10);
        if (t.hasNonNull("refresh_token")) {
            refreshToken = t.get("refresh_token").asText();
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private <T> HttpResponse<T> send(HttpRequest.Builder b, HttpResponse.BodyHandler<T> h) throws IOException {
        b.setHeader("User-Agent", USER_AGENT);
        b.timeout(REQUEST_TIMEOUT);
        try {
            return endpoint.http().send(b.build(), h);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        }
    }

    /**
     * Sends with the session's authorization; a 401 (an expired or narrower token) renews it
     * and retries once when the request can be repeated.
     */
    private <T> HttpResponse<T> exchange(HttpRequest.Builder b, boolean authed, HttpResponse.BodyHandler<T> h) throws IOException {
        if (authed) {
            authenticate(false);
        }
        HttpRequest.Builder copy = b.copy();
        if (authed && authorization == null && challenge != null && challenge.scheme().equals("basic")) {
            // dockerd's basic-auth handler refuses to send a request it has no credentials for.
            HttpRequest req = copy.build();
            throw new RegistryException(500, capitalized(req.method()) + " \"" + req.uri() + "\": no basic auth credentials");
        }
        if (authed && authorization != null) {
            b.setHeader("Authorization", authorization);
        }
        HttpResponse<T> r = send(b, h);
        if (authed && r.statusCode() == 401 && (challenge == null || challenge.scheme().equals("bearer"))) {
            Challenge fresh = Challenge.parse(r.headers().firstValue("WWW-Authenticate").orElse(null));
            if (fresh == null) {
                return r;
            }
            discard(r);
            synchronized (authLock) {
                challenge = fresh;
            }
            authenticate(true);
            copy.setHeader("Authorization", authorization);
            r = send(copy, h);
        }
        return r;
    }

    /** Go's http.Request methods print as "Head", "Get" in dockerd's errors. */
    private static String capitalized(String method) {
        return method.charAt(0) + method.substring(1).toLowerCase(java.util.Locale.ROOT);
    }

    private static void discard(HttpResponse<?> r) {
        if (r.body() instanceof InputStream in) {
            try {
                in.close();
            } catch (IOException ignored) {
                // the connection is dropped instead of reused
            }
        }
    }

    // ---- manifests ----

    /** GET a manifest by tag or digest; a digest reference is verified against the content. */
    public Fetched manifest(String reference, String displayRef) throws IOException {
        URI u = uri("/v2/" + repository + "/manifests/" + reference);
        HttpResponse<InputStream> r = exchange(HttpRequest.newBuilder(u).GET()
                .header("Accept", String.join(", ", MANIFEST_TYPES)), true, HttpResponse.BodyHandlers.ofInputStream());
        byte[] body;
        try (InputStream in = r.body()) {
            body = in.readNBytes(MAX_MANIFEST + 1);
        }
        if (r.statusCode() == 404) {
            throw error(404, body, "manifest for " + displayRef + " not found");
        }
        if (r.statusCode() == 401 || r.statusCode() == 403) {
            throw error(r.statusCode(), body, "pull access denied for " + displayRef
                    + ", repository does not exist or may require 'docker login'");
        }
        if (r.statusCode() != 200) {
            throw error(r.statusCode(), body, "Get \"" + u + "\"");
        }
        if (body.length > MAX_MANIFEST) {
            throw new RegistryException(500, "manifest for " + displayRef + " is larger than " + MAX_MANIFEST + " bytes");
        }
        Digest actual = Digest.sha256(body);
        if (Digest.isDigest(reference) && !Digest.parse(reference).equals(actual)) {
            throw new RegistryException(500, "manifest verification failed for digest " + reference + ": registry sent content with digest " + actual);
        }
        String header = r.headers().firstValue("Docker-Content-Digest").orElse(null);
        if (header != null && Digest.isDigest(header) && Digest.parse(header).algorithm().equals("sha256")
                && !Digest.parse(header).equals(actual)) {
            throw new RegistryException(500, "manifest verification failed: registry says " + header + ", content is " + actual);
        }
        String type = r.headers().firstValue("Content-Type").orElse("");
        int semi = type.indexOf(';');
        return new Fetched(body, (semi < 0 ? type : type.substring(0, semi)).trim(), actual);
    }

    /** PUT a manifest under {@code reference} (a tag or its digest); returns its digest. */
    public Digest putManifest(String reference, String mediaType, byte[] body) throws IOException {
        URI u = uri("/v2/" + repository + "/manifests/" + reference);
        HttpResponse<byte[]> r = exchange(HttpRequest.newBuilder(u).header("Content-Type", mediaType)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)), true, HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 201 && r.statusCode() != 200) {
            throw error(r.statusCode(), r.body(), "Put \"" + u + "\"");
        }
        return Digest.sha256(body);
    }

    /** The repository's tags. */
    public List<String> tags() throws IOException {
        URI u = uri("/v2/" + repository + "/tags/list");
        HttpResponse<byte[]> r = exchange(HttpRequest.newBuilder(u).GET(), true, HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw error(r.statusCode(), r.body(), "Get \"" + u + "\"");
        }
        List<String> out = new ArrayList<>();
        JSON.readTree(r.body()).path("tags").forEach(t -> out.add(t.asText()));
        return out;
    }

    // ---- blobs ----

    /** Opens a blob download, following a redirect to storage elsewhere (without the credentials). */
    public Blob blob(Digest d) throws IOException {
        URI u = uri("/v2/" + repository + "/blobs/" + d);
        HttpResponse<InputStream> r = exchange(HttpRequest.newBuilder(u).GET(), true, HttpResponse.BodyHandlers.ofInputStream());
        for (int hops = 0; hops < 5 && r.statusCode() >= 301 && r.statusCode() <= 308; hops++) {
            URI next = u.resolve(r.headers().firstValue("Location").orElseThrow(
                    () -> new RegistryException(500, "redirect without a location for blob " + d)));
            discard(r);
            HttpRequest.Builder b = HttpRequest.newBuilder(next).GET();
            r = next.getAuthority().equals(u.getAuthority())
                    ? exchange(b, true, HttpResponse.BodyHandlers.ofInputStream())
                    : send(b, HttpResponse.BodyHandlers.ofInputStream());
            u = next;
        }
        if (r.statusCode() != 200) {
            byte[] body;
            try (InputStream in = r.body()) {
                body = in.readNBytes(65536);
            }
            throw error(r.statusCode(), body, "Get \"" + u + "\"");
        }
        return new Blob(r.body(), r.headers().firstValueAsLong("Content-Length").orElse(-1));
    }

    /** HEAD: whether the registry has the blob in this repository. */
    public boolean blobExists(Digest d) throws IOException {
        URI u = uri("/v2/" + repository + "/blobs/" + d);
        HttpResponse<Void> r = exchange(HttpRequest.newBuilder(u).method("HEAD", HttpRequest.BodyPublishers.noBody()),
                true, HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
            return true;
        }
        if (r.statusCode() == 404) {
            return false;
        }
        throw error(r.statusCode(), new byte[0], "Head \"" + u + "\"");
    }

    /**
     * Asks the registry to mount {@code d} from {@code fromRepo}; true when it did. When it
     * answers with an upload session instead, that session is cancelled.
     */
    public boolean mount(Digest d, String fromRepo) throws IOException {
        URI u = uri("/v2/" + repository + "/blobs/uploads/?mount=" + enc(d.toString()) + "&from=" + enc(fromRepo));
        HttpResponse<byte[]> r = exchange(HttpRequest.newBuilder(u).POST(HttpRequest.BodyPublishers.noBody()),
                true, HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() == 201) {
            return true;
        }
        if (r.statusCode() == 202) {
            r.headers().firstValue("Location").ifPresent(loc -> {
                try {
                    exchange(HttpRequest.newBuilder(uri("").resolve(loc)).DELETE(), true, HttpResponse.BodyHandlers.discarding());
                } catch (IOException ignored) {
                    // an abandoned upload session expires on the registry
                }
            });
            return false;
        }
        return false;
    }

    /** Uploads a blob of known size and digest: POST a session, then one PUT with the content. */
    public void upload(Digest d, long size, Supplier<InputStream> content, LongConsumer progress) throws IOException {
        URI start = uri("/v2/" + repository + "/blobs/uploads/");
        HttpResponse<byte[]> r = exchange(HttpRequest.newBuilder(start).POST(HttpRequest.BodyPublishers.noBody()),
                true, HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 202) {
            throw error(r.statusCode(), r.body(), "Post \"" + start + "\"");
        }
        String loc = r.headers().firstValue("Location").orElseThrow(
                () -> new RegistryException(500, "registry started an upload without a location"));
        URI put = uri("").resolve(loc);
        String sep = put.getRawQuery() == null ? "?" : "&";
        put = URI.create(put + sep + "digest=" + enc(d.toString()));
        HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.fromPublisher(
                HttpRequest.BodyPublishers.ofInputStream(() -> new Counting(content.get(), progress)), size);
        HttpResponse<byte[]> done = exchange(HttpRequest.newBuilder(put).header("Content-Type", "application/octet-stream")
                .PUT(body), true, HttpResponse.BodyHandlers.ofByteArray());
        if (done.statusCode() != 201) {
            throw error(done.statusCode(), done.body(), "Put \"" + put.getScheme() + "://" + put.getAuthority() + put.getPath() + "\"");
        }
    }

    /** Counts bytes as they are read, for progress. */
    private static final class Counting extends FilterInputStream {
        private final LongConsumer progress;
        private long count;

        Counting(InputStream in, LongConsumer progress) {
            super(in);
            this.progress = progress;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
                progress.accept(count);
            }
            return n;
        }
    }

    // ---- errors ----

    /** The registry's error answer as docker words it: {@code context: code: message}. */
    static RegistryException error(int status, byte[] body, String context) {
        StringBuilder sb = new StringBuilder(context).append(": ");
        boolean any = false;
        try {
            JsonNode errors = body == null || body.length == 0 ? null : JSON.readTree(body).path("errors");
            if (errors != null && errors.isArray()) {
                List<String> parts = new ArrayList<>();
                for (JsonNode e : errors) {
                    String code = e.path("code").asText("").toLowerCase(Locale.ROOT).replace('_', ' ');
                    String msg = e.path("message").asText("");
                    parts.add(code.isEmpty() ? msg : code + ": " + msg);
                }
                if (!parts.isEmpty()) {
                    sb.append(String.join(", ", parts));
                    any = true;
                }
            }
        } catch (IOException ignored) {
            // not JSON: the status says it
        }
        if (!any) {
            sb.append(switch (status) {
                case 401 -> "unauthorized: authentication required";
                case 403 -> "denied: requested access to the resource is denied";
                case 404 -> "not found";
                default -> "unexpected status from registry: " + status;
            });
        }
        int apiStatus = status == 404 ? 404 : status == 401 || status == 403 ? 401 : 500;
        return new RegistryException(apiStatus, sb.toString());
    }
}
