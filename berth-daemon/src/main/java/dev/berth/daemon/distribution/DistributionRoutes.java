package dev.berth.daemon.distribution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.api.Exchange;
import dev.berth.daemon.api.Router;
import dev.berth.daemon.images.ImageRoutes;
import dev.berth.daemon.images.ImageService;
import dev.berth.daemon.images.ImageService.Platform;
import dev.berth.daemon.storage.ContentStore;
import dev.berth.daemon.storage.LayerStore;
import dev.berth.daemon.store.MetadataDb;
import dev.berth.oci.Digest;
import dev.berth.oci.ImageReference;

import java.io.IOException;
import java.net.URI;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The Engine API's registry endpoints: pull ({@code POST /images/create?fromImage=}), push,
 * save/load, {@code POST /auth} and {@code GET /distribution/{name}/json}. Owns the pull and push
 * machinery and the worker threads its transfers run on.
 */
public final class DistributionRoutes implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DistributionRoutes.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ImageService images;
    private final RegistryEndpoints endpoints;
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private final Puller puller;
    private final Pusher pusher;
    private final DockerArchive archives;
    private final ContentStore content;
    private final BlobIndex blobs;
    /**
     * How long a blob no image uses is kept for a rerun of the pull that fetched it: containerd's default
     * lease on pulled content is the same day.
     */
    static final java.time.Duration LEFTOVER_GRACE = java.time.Duration.ofHours(24);

    public DistributionRoutes(ImageService images, ContentStore content, LayerStore layers, MetadataDb db,
                              RegistryOptions options) throws SQLException {
        this.images = images;
        this.endpoints = new RegistryEndpoints(options);
        BlobIndex blobs = new BlobIndex(db);
        this.puller = new Puller(images, content, layers, blobs, endpoints, workers);
        this.pusher = new Pusher(images, content, blobs, endpoints, workers);
        this.archives = new DockerArchive(images, content, layers, blobs);
        this.content = content;
        images.setAfterLayersRemoved(() -> collectBlobs(blobs, content));
        this.blobs = blobs;
        collectBlobs(blobs, content);
        collectLeftovers();
        images.setLayerBlobRecorder((c, diffId, blob, mediaType, size) ->
                blobs.recordLayer(c, diffId, new BlobIndex.LayerBlob(blob, mediaType, size)));
    }

    /**
     * Deletes blobs that no stored image needs and that nothing wrote or used within {@link #LEFTOVER_GRACE}:
     * what failed or killed pulls (and loads) left. Younger ones stay, so a rerun resumes from them.
     */
    void collectLeftovers() {
        try {
            java.util.Set<Digest> live = blobs.liveBlobs();
            List<Digest> removed = content.collect(live::contains, LEFTOVER_GRACE);
            if (!removed.isEmpty()) {
                LOG.info("removed " + removed.size() + " blobs left by failed or interrupted pulls");
            }
        } catch (SQLException | IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot collect blobs left by failed pulls", e);
        }
    }

    /** Deletes the stored archives of layers that are gone. */
    private static void collectBlobs(BlobIndex blobs, ContentStore content) {
        try {
            for (Digest d : blobs.collect()) {
                content.delete(d);
            }
        } catch (SQLException | IOException e) {
            LOG.log(Level.WARNING, "cannot remove archives of removed layers", e);
        }
    }

    public void register(Router r) {
        r.post("/auth", this::auth);
        r.post("/images/{name...}/push", this::push);
        r.get("/images/get", ex -> save(ex, ex.queryAll("names")));
        r.get("/images/{name...}/get", ex -> save(ex, List.of(ex.pathVar("name"))));
        r.post("/images/load", this::load);
        r.get("/distribution/{name...}/json", this::inspect);
    }

    // ---- pull ----

    /** {@code POST /images/create?fromImage=...&tag=...&platform=...}: streams docker's pull progress. */
    public void pull(Exchange ex) throws IOException {
        ImageReference ref = reference(ex.query("fromImage", ""));
        String tag = ex.query("tag", "");
        if (!tag.isEmpty()) {
            if (Digest.isDigest(tag)) {
                ref = new ImageReference(ref.domain(), ref.path(), null, Digest.parse(tag));
            } else {
                try {
                    ref = ref.withTag(tag);
                } catch (ImageReference.InvalidReferenceException e) {
                    throw ApiException.badRequest(e.getMessage());
                }
            }
        }
        String platformSpec = ex.query("platform", "");
        Platform platform = ImageRoutes.platform(platformSpec, images.hostPlatform());
        AuthConfig auth = authHeader(ex);
        Progress progress = new Progress(() -> ex.startStream(200, "application/json"));
        try {
            if (ref.tag() == null && ref.digest() == null) {
                pullAllTags(ref, platform, !platformSpec.isEmpty(), auth, progress);
            } else {
                puller.pull(ref, platform, !platformSpec.isEmpty(), auth, progress);
            }
        } catch (IOException | RuntimeException e) {
            collectLeftovers();
            fail(progress, e, "pull of " + ref);
        } finally {
            progress.close();
        }
    }

    private void pullAllTags(ImageReference repo, Platform platform, boolean explicit, AuthConfig auth, Progress progress)
            throws IOException {
        RegistryClient c = RegistryClient.open(endpoints.endpoints(repo.domain(), false).stream().filter(e -> !e.mirror()).toList(),
                repo.path(), auth, "pull", List.of());
        for (String t : c.tags()) {
            puller.pull(repo.withTag(t), platform, explicit, auth, progress);
        }
    }

    /**
     * Reports a failure: as an HTTP error while nothing was streamed yet, else as docker's
     * error message at the end of the stream.
     */
    static void fail(Progress progress, Exception e, String what) {
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        int status = e instanceof RegistryException re ? re.status() : e instanceof ApiException a ? a.status() : 500;
        if (status >= 500) {
            LOG.log(Level.INFO, what + " failed", e);
        }
        if (!progress.started()) {
            throw new ApiException(status, msg, e);
        }
        progress.error(msg);
    }

    static ImageReference reference(String text) {
        if (text.isEmpty()) {
            throw ApiException.badRequest("invalid reference format");
        }
        try {
            return ImageReference.parse(text);
        } catch (ImageReference.InvalidReferenceException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    /**
     * Pulls a build's base image (anonymously, for {@code platform}, or the host's when null); docker's
     * progress messages go to {@code out}, which stays open. Returns the image ID.
     */
    public String pullForBuild(ImageReference ref, Platform platform, java.io.OutputStream out) throws IOException {
        Progress progress = new Progress(() -> new java.io.FilterOutputStream(out) {
            @Override
            public void close() throws IOException {
                flush();
            }
        });
        try {
            return puller.pull(ref, platform == null ? images.hostPlatform() : platform, platform != null, AuthConfig.ANONYMOUS, progress)
                    .imageId();
        } finally {
            progress.close();
        }
    }

    static AuthConfig authHeader(Exchange ex) {
        try {
            return AuthConfig.fromHeader(ex.header("X-Registry-Auth"));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    // ---- push ----

    /** {@code POST /images/{name}/push?tag=...}: streams docker's push progress. */
    private void push(Exchange ex) throws IOException {
        ImageReference ref = reference(ex.pathVar("name"));
        String tag = ex.query("tag", "");
        if (ref.digest() != null) {
            throw ApiException.badRequest("cannot push a digest reference");
        }
        if (tag.isEmpty() && ref.tag() != null) {
            tag = ref.tag();
        }
        if (!tag.isEmpty()) {
            try {
                ref.withTag(tag);
            } catch (ImageReference.InvalidReferenceException e) {
                throw ApiException.badRequest(e.getMessage());
            }
        }
        AuthConfig auth = authHeader(ex);
        Progress progress = new Progress(() -> ex.startStream(200, "application/json"));
        try {
            pusher.push(ref.nameOnly(), tag.isEmpty() ? null : tag, auth, progress);
        } catch (IOException | RuntimeException e) {
            fail(progress, e, "push of " + ref);
        } finally {
            progress.close();
        }
    }

    // ---- save and load ----

    private void save(Exchange ex, List<String> names) throws IOException {
        if (names.isEmpty()) {
            throw ApiException.badRequest("no images named");
        }
        List<DockerArchive.Entry> resolved = archives.resolve(names, platforms(ex));
        try (java.io.OutputStream out = ex.startStream(200, "application/x-tar")) {
            archives.save(resolved, out, content.scratchDir());
        } catch (IOException | RuntimeException e) {
            // The tar is cut short: the client sees an unexpected end, as with docker.
            LOG.log(Level.WARNING, "save of " + names + " failed", e);
        }
    }

    private void load(Exchange ex) throws IOException {
        boolean quiet = ex.queryBool("quiet", false);
        List<Platform> wanted = platforms(ex);
        Progress progress = new Progress(() -> ex.startStream(200, "application/json"));
        try {
            archives.load(ex.bodyStream(), wanted, progress, quiet);
        } catch (IOException | RuntimeException e) {
            fail(progress, e, "load");
        } finally {
            progress.close();
        }
    }

    /**
     * The {@code platform} query of save and load: JSON-encoded OCI platforms as the docker CLI sends them
     * (several may be given), or {@code os/arch[/variant]}; empty means every platform.
     */
    private List<Platform> platforms(Exchange ex) {
        List<Platform> out = new ArrayList<>();
        for (String v : ex.queryAll("platform")) {
            if (v.isBlank()) {
                continue;
            }
            if (!v.strip().startsWith("{")) {
                out.add(ImageRoutes.platform(v.strip(), images.hostPlatform()));
                continue;
            }
            try {
                JsonNode n = JSON.readTree(v);
                String os = n.path("os").asText("");
                String arch = n.path("architecture").asText("");
                String variant = n.path("variant").asText("");
                if (os.isEmpty() || arch.isEmpty()) {
                    throw ApiException.badRequest("invalid platform: " + v + ": os and architecture are required");
                }
                out.add(new Platform(os, arch, variant.isEmpty() ? null : variant));
            } catch (IOException e) {
                throw ApiException.badRequest("invalid platform: " + v);
            }
        }
        return out;
    }

    // ---- auth ----

    /** {@code POST /auth}: checks credentials against the registry, as docker login does. */
    private void auth(Exchange ex) throws IOException {
        AuthConfig a = ex.bodyJson(AuthConfig.class);
        if (a == null) {
            throw ApiException.badRequest("missing credentials");
        }
        String domain = registryDomain(a.serverAddress());
        try {
            RegistryClient c = RegistryClient.open(endpoints.endpoints(domain, true), null, a, "pull", List.of());
            String identity = c.login();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("Status", "Login Succeeded");
            out.put("IdentityToken", identity == null ? "" : identity);
            ex.respondJson(200, out);
        } catch (RegistryException e) {
            throw new ApiException(e.status() == 401 ? 401 : e.status(), e.getMessage(), e);
        }
    }

    /** The registry a login or credential key names: {@code https://index.docker.io/v1/} is Docker Hub. */
    public static String registryDomain(String serverAddress) {
        if (serverAddress == null || serverAddress.isBlank()) {
            return ImageReference.DEFAULT_DOMAIN;
        }
        String s = serverAddress.trim();
        if (s.contains("://")) {
            s = URI.create(s).getAuthority();
        } else if (s.contains("/")) {
            s = s.substring(0, s.indexOf('/'));
        }
        if (s.equals("index.docker.io") || s.equals("registry-1.docker.io") || s.equals("docker.io")) {
            return ImageReference.DEFAULT_DOMAIN;
        }
        return s;
    }

    // ---- distribution inspect ----

    /** {@code GET /distribution/{name}/json}: the manifest's descriptor and the platforms it offers. */
    private void inspect(Exchange ex) throws IOException {
        ImageReference ref = reference(ex.pathVar("name"));
        ImageReference named = ref.digest() != null ? ref : ref.withDefaultTag();
        AuthConfig auth = authHeader(ex);
        try {
            RegistryClient c = RegistryClient.open(endpoints.endpoints(named.domain(), false).stream()
                    .filter(e -> !e.mirror()).toList(), named.path(), auth, "pull", List.of());
            RegistryClient.Fetched f = c.manifest(named.digest() != null ? named.digest().toString() : named.tag(), named.familiar());
            String type = Manifests.mediaType(f.body(), f.mediaType());
            List<Map<String, Object>> platforms = new ArrayList<>();
            if (Manifests.isIndex(type)) {
                for (Manifests.Descriptor d : Manifests.index(f.body(), type).manifests()) {
                    if (d.platform() != null && !d.platform().os().equals("unknown")) {
                        platforms.add(platformJson(d.platform().os(), d.platform().architecture(), d.platform().variant()));
                    }
                }
            } else {
                Manifests.ImageManifest im = Manifests.image(f.body(), type);
                try (RegistryClient.Blob b = c.blob(im.config().digest())) {
                    JsonNode cfg = JSON.readTree(b.body().readNBytes(8 << 20));
                    platforms.add(platformJson(cfg.path("os").asText(), cfg.path("architecture").asText(),
                            cfg.hasNonNull("variant") ? cfg.get("variant").asText() : null));
                }
            }
            Map<String, Object> desc = new LinkedHashMap<>();
            desc.put("mediaType", type);
            desc.put("digest", f.digest().toString());
            desc.put("size", f.body().length);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("Descriptor", desc);
            out.put("Platforms", platforms);
            ex.respondJson(200, out);
        } catch (RegistryException e) {
            throw new ApiException(e.status() == 401 ? 404 : e.status(), e.getMessage(), e);
        }
    }

    private static Map<String, Object> platformJson(String os, String arch, String variant) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("architecture", arch);
        p.put("os", os);
        if (variant != null && !variant.isEmpty()) {
            p.put("variant", variant);
        }
        return p;
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
