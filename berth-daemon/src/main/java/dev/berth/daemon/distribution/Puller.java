package dev.berth.daemon.distribution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.distribution.BlobIndex.LayerBlob;
import dev.berth.daemon.distribution.Manifests.Descriptor;
import dev.berth.daemon.distribution.Manifests.ImageManifest;
import dev.berth.daemon.distribution.RegistryEndpoints.Endpoint;
import dev.berth.daemon.images.ImageService;
import dev.berth.daemon.images.ImageService.Platform;
import dev.berth.daemon.storage.ContentStore;
import dev.berth.daemon.storage.LayerStore;
import dev.berth.oci.Digest;
import dev.berth.oci.ImageReference;
import dev.berth.oci.InvalidLayerException;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;

/**
 * docker pull: resolves a reference to one image manifest (choosing the platform from an index),
 * downloads the missing layers in parallel (at most {@code max-concurrent-downloads} at once,
 * daemon-wide), verifying each by size and digest while it streams and extracting it as it
 * arrives, then stores the image, its layers and references in one transaction. Nothing is
 * stored unless everything verified. Pulls of the same layer at the same time share one download.
 */
public final class Puller {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_CONFIG = 8 * 1024 * 1024;
    private static final int MAX_ATTEMPTS = 3;

    /** What a pull did: the image, the digest of the manifest (or index) pulled, and whether anything changed. */
    public record Result(String imageId, Digest manifestDigest, boolean changed) {}

    /** A layer downloaded and extracted, not yet committed. */
    private record Fetched(LayerStore.Unpacked unpacked, LayerBlob blob) {}

    /** One layer download, shared by every pull that needs the same layer at the same time. */
    private static final class SharedLayer {
        final CompletableFuture<Fetched> result = new CompletableFuture<>();
        final Progress owner;
        int users = 1;

        SharedLayer(Progress owner) {
            this.owner = owner;
        }
    }

    private final ImageService images;
    private final ContentStore content;
    private final LayerStore layers;
    private final BlobIndex blobs;
    private final RegistryEndpoints endpoints;
    private final Semaphore downloads;
    private final ExecutorService workers;
    private final Map<String, SharedLayer> inFlight = new HashMap<>();

    public Puller(ImageService images, ContentStore content, LayerStore layers, BlobIndex blobs,
                  RegistryEndpoints endpoints, ExecutorService workers) {
        this.images = images;
        this.content = content;
        this.layers = layers;
        this.blobs = blobs;
        this.endpoints = endpoints;
        this.downloads = new Semaphore(endpoints.options().maxDownloads());
        this.workers = workers;
    }

    /**
     * Pulls {@code ref} ({@code latest} when it has neither tag nor digest) for {@code platform}.
     *
     * @param explicitPlatform true when the user asked for the platform: a single-platform image of
     *                         another platform is then refused
     */
    public Result pull(ImageReference ref, Platform platform, boolean explicitPlatform, AuthConfig auth, Progress progress)
            throws IOException {
        ImageReference named = ref.digest() != null ? new ImageReference(ref.domain(), ref.path(), null, ref.digest())
                : ref.withDefaultTag();
        try {
            return pullEndpoints(named, platform, explicitPlatform, auth, progress);
        } catch (RegistryException e) {
            if (e.status() != 401) {
                throw e;
            }
            // Docker answers a refused pull as "not found" (a 401 would make the CLI ask for a login).
            throw new RegistryException(404, e.getMessage().startsWith("pull access denied") ? e.getMessage()
                    : "pull access denied for " + named.familiarName()
                    + ", repository does not exist or may require 'docker login': " + e.getMessage(), e);
        }
    }

    private Result pullEndpoints(ImageReference named, Platform platform, boolean explicitPlatform, AuthConfig auth,
                                 Progress progress) throws IOException {
        IOException mirrorError = null;
        for (List<Endpoint> group : groups(named.domain())) {
            RegistryClient client;
            try {
                client = RegistryClient.open(group, named.path(), auth, "pull", List.of());
            } catch (IOException e) {
                if (group.getFirst().mirror()) {
                    mirrorError = e;
                    continue;
                }
                throw e;
            }
            try {
                return pullFrom(client, named, platform, explicitPlatform, progress);
            } catch (RegistryException e) {
                if (!group.getFirst().mirror()) {
                    throw e;
                }
                mirrorError = e;
            }
        }
        throw mirrorError != null ? mirrorError : new RegistryException(500, "no registry endpoint for " + named.domain());
    }

    /** Each mirror alone, then the registry (HTTPS, then HTTP if insecure) as one group. */
    private List<List<Endpoint>> groups(String domain) {
        List<List<Endpoint>> out = new ArrayList<>();
        List<Endpoint> registry = new ArrayList<>();
        for (Endpoint e : endpoints.endpoints(domain, false)) {
            if (e.mirror()) {
                out.add(List.of(e));
            } else {
                registry.add(e);
            }
        }
        out.add(registry);
        return out;
    }

    private Result pullFrom(RegistryClient client, ImageReference named, Platform want, boolean explicit, Progress progress)
            throws IOException {
        String reference = named.digest() != null ? named.digest().toString() : named.tag();
        RegistryClient.Fetched top = client.manifest(reference, named.familiar());
        String type = Manifests.mediaType(top.body(), top.mediaType());
        RegistryClient.Fetched m = top;
        if (Manifests.isIndex(type)) {
            Descriptor d = Manifests.select(Manifests.index(top.body(), type), want);
            if (d == null) {
                throw new RegistryException(404, "no matching manifest for " + Manifests.format(want) + " in the manifest list entries");
            }
            m = client.manifest(d.digest().toString(), named.familiar());
            type = Manifests.mediaType(m.body(), m.mediaType());
            if (Manifests.isIndex(type)) {
                throw new RegistryException(500, "manifest " + d.digest() + " is an index inside an index; not supported");
            }
        }
        ImageManifest im = Manifests.image(m.body(), type);
        progress.status(reference, "Pulling from " + named.path());
        String before = currentImage(named);
        String imageId = im.config().digest().toString();
        byte[] config = content.exists(im.config().digest()) ? content.read(im.config().digest()) : fetchConfig(client, im.config());
        JsonNode cfg = JSON.readTree(config);
        if (explicit && !platformMatches(cfg, want)) {
            throw new RegistryException(404, "image with reference " + named.familiar() + " was found but its platform ("
                    + cfg.path("os").asText() + "/" + cfg.path("architecture").asText()
                    + ") does not match the specified platform (" + Manifests.format(want) + ")");
        }
        List<String> diffIds = new ArrayList<>();
        cfg.path("rootfs").path("diff_ids").forEach(d -> diffIds.add(d.asText()));
        if (diffIds.size() != im.layers().size()) {
            throw new RegistryException(500, "invalid image: the config lists " + diffIds.size()
                    + " layers and the manifest " + im.layers().size());
        }
        List<ImageReference> refs = new ArrayList<>();
        ImageReference byDigest = new ImageReference(named.domain(), named.path(), null, top.digest());
        refs.add(byDigest);
        if (named.digest() == null) {
            refs.add(named);
        }
        List<String> chains;
        try {
            chains = LayerStore.chainIds(diffIds);
        } catch (IllegalArgumentException e) {
            throw new RegistryException(500, "invalid image config: " + e.getMessage());
        }
        List<LayerStore.Unpacked> unpacked = new ArrayList<>();
        List<SharedLayer> shared = new ArrayList<>();
        List<LayerBlob> layerBlobs = new ArrayList<>();
        boolean imageExists = imageExists(imageId);
        try {
            for (int i = 0; i < chains.size(); i++) {
                Descriptor d = im.layers().get(i);
                layerBlobs.add(new LayerBlob(d.digest(), d.mediaType(), d.size()));
                if (imageExists || images.layer(chains.get(i)).isPresent()) {
                    if (!imageExists) {
                        progress.layer(d.digest().shortHex(), "Already exists");
                    }
                    shared.add(null);
                    continue;
                }
                progress.layer(d.digest().shortHex(), "Pulling fs layer");
                shared.add(share(chains.get(i), d, client, progress));
            }
            IOException failure = null;
            for (SharedLayer s : shared) {
                if (s == null) {
                    unpacked.add(null);
                    continue;
                }
                try {
                    unpacked.add(s.result.get().unpacked());
                    if (s.owner != progress) {
                        // Another pull downloaded it; this client only saw it start.
                        progress.layer(s.result.get().blob().digest().shortHex(), "Pull complete");
                    }
                } catch (ExecutionException e) {
                    unpacked.add(null);
                    if (failure == null) {
                        failure = asIOException(e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("pull interrupted");
                }
            }
            if (failure != null) {
                throw failure;
            }
            String repo = named.name();
            String id = images.storeImage(config, unpacked, refs, c -> {
                for (int i = 0; i < diffIds.size(); i++) {
                    LayerBlob b = layerBlobs.get(i);
                    if (content.exists(b.digest())) {
                        blobs.recordLayer(c, diffIds.get(i), b);
                        blobs.recordSource(c, b.digest(), repo);
                    }
                }
                return null;
            });
            images.announce("pull", named.digest() != null ? byDigest : named);
            progress.status(null, "Digest: " + top.digest());
            boolean changed = !id.equals(before);
            progress.status(null, "Status: " + (changed ? "Downloaded newer image for " : "Image is up to date for ")
                    + (named.digest() != null ? byDigest.familiar() : named.familiar()));
            return new Result(id, top.digest(), changed);
        } finally {
            release(chains, shared);
        }
    }

    private static boolean platformMatches(JsonNode cfg, Platform want) {
        String arch = cfg.path("architecture").asText("");
        return cfg.path("os").asText("").equals(want.os()) && arch.equals(want.architecture())
                && (want.variant() == null || want.variant().equals(cfg.path("variant").asText(want.variant())));
    }

    private String currentImage(ImageReference named) {
        try {
            return images.find(named.toString()).id();
        } catch (ApiException e) {
            return null;
        }
    }

    private boolean imageExists(String id) {
        try {
            images.find(id);
            return true;
        } catch (ApiException e) {
            return false;
        }
    }

    private static byte[] fetchConfig(RegistryClient client, Descriptor d) throws IOException {
        if (d.size() > MAX_CONFIG) {
            throw new RegistryException(500, "image config " + d.digest() + " is larger than " + MAX_CONFIG + " bytes");
        }
        byte[] body;
        try (RegistryClient.Blob b = client.blob(d.digest())) {
            body = new VerifyingTee(b.body(), null, d.size(), n -> { }, "image config " + d.digest()).readAllBytes();
        }
        if (!Digest.sha256(body).equals(d.digest())) {
            throw new RegistryException(500, "image config verification failed for digest " + d.digest());
        }
        return body;
    }

    private SharedLayer share(String chain, Descriptor d, RegistryClient client, Progress progress) {
        SharedLayer s;
        synchronized (inFlight) {
            s = inFlight.get(chain);
            if (s != null) {
                s.users++;
                return s;
            }
            s = new SharedLayer(progress);
            inFlight.put(chain, s);
        }
        SharedLayer mine = s;
        workers.submit(() -> {
            try {
                mine.result.complete(download(d, client, progress));
            } catch (Throwable t) {
                mine.result.completeExceptionally(t);
            }
        });
        return s;
    }

    /** Lets go of shared downloads; the last user removes what was not committed. */
    private void release(List<String> chains, List<SharedLayer> shared) {
        for (int i = 0; i < shared.size(); i++) {
            SharedLayer s = shared.get(i);
            if (s == null) {
                continue;
            }
            boolean last;
            synchronized (inFlight) {
                last = --s.users == 0;
                if (last) {
                    inFlight.remove(chains.get(i), s);
                }
            }
            if (last) {
                s.result.whenComplete((f, e) -> {
                    if (f != null) {
                        layers.discard(f.unpacked());
                    }
                });
            }
        }
    }

    private Fetched download(Descriptor d, RegistryClient client, Progress progress) throws IOException, InterruptedException {
        String id = d.digest().shortHex();
        if (!downloads.tryAcquire()) {
            progress.layer(id, "Waiting");
            downloads.acquire();
        }
        try {
            if (content.exists(d.digest())) {
                // Verified by an earlier, interrupted pull: only the extraction is left to do.
                content.touch(d.digest());
                try (InputStream in = Files.newInputStream(content.path(d.digest()))) {
                    VerifyingTee tee = new VerifyingTee(in, null, d.size(), n -> { }, "layer " + d.digest());
                    LayerStore.Unpacked u = unpack(tee, d, null);
                    progress.layer(id, "Download complete");
                    progress.bytes(id, "Extracting", d.size(), d.size());
                    progress.layer(id, "Pull complete");
                    return new Fetched(u, new LayerBlob(d.digest(), d.mediaType(), d.size()));
                }
            }
            for (int attempt = 1; ; attempt++) {
                try {
                    return downloadOnce(d, client, progress, id);
                } catch (RegistryException e) {
                    if (!e.retryable() || attempt >= MAX_ATTEMPTS) {
                        throw e;
                    }
                    // A dropped connection, as docker does: start the layer over after a pause.
                    progress.layer(id, "Retrying in " + attempt + (attempt == 1 ? " second" : " seconds"));
                    Thread.sleep(attempt * 1000L);
                }
            }
        } finally {
            downloads.release();
        }
    }

    private Fetched downloadOnce(Descriptor d, RegistryClient client, Progress progress, String id) throws IOException {
        try (ContentStore.Ingest ingest = content.ingest(); InputStream body = open(client, d)) {
            VerifyingTee tee = new VerifyingTee(body, ingest.out(), d.size(),
                    n -> progress.bytes(id, "Downloading", n, d.size()), "layer " + d.digest());
            LayerStore.Unpacked u = unpack(tee, d, ingest);
            try {
                tee.drain();
                progress.layer(id, "Verifying Checksum");
                Digest actual = ingest.digest();
                if (!actual.equals(d.digest())) {
                    throw new RegistryException(500, "filesystem layer verification failed for digest " + d.digest()
                            + ": the registry sent content with digest " + actual);
                }
                ingest.commit(d.digest(), actual);
            } catch (IOException | RuntimeException e) {
                layers.discard(u);
                throw e;
            }
            progress.layer(id, "Download complete");
            progress.bytes(id, "Extracting", d.size(), d.size());
            progress.layer(id, "Pull complete");
            return new Fetched(u, new LayerBlob(d.digest(), d.mediaType(), d.size()));
        }
    }

    /**
     * Extracts the layer as it streams. When the tar or its compression is broken, the rest of the
     * blob is read to tell a corrupted download (digest mismatch: the registry's fault, said as
     * docker says it) from a genuinely invalid layer.
     */
    private LayerStore.Unpacked unpack(VerifyingTee tee, Descriptor d, ContentStore.Ingest ingest) throws IOException {
        try {
            return layers.unpack(tee);
        } catch (InvalidLayerException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof RegistryException re) {
                    throw re;
                }
            }
            if (ingest != null) {
                try {
                    tee.drain();
                } catch (IOException ignored) {
                    // the digest below tells what went wrong
                }
                Digest actual = ingest.digest();
                if (!actual.equals(d.digest())) {
                    throw new RegistryException(500, "filesystem layer verification failed for digest " + d.digest()
                            + ": the registry sent content with digest " + actual, e);
                }
            }
            throw new RegistryException(500, "layer " + d.digest() + " is not a valid layer: " + e.getMessage(), e);
        }
    }

    /** The blob from the registry, or for a non-distributable layer the registry or its URLs. */
    private InputStream open(RegistryClient client, Descriptor d) throws IOException {
        try {
            RegistryClient.Blob b;
            try {
                b = client.blob(d.digest());
            } catch (RegistryException e) {
                throw e;
            } catch (IOException e) {
                throw new RegistryException(500, "layer " + d.digest() + ": " + (e.getMessage() == null
                        ? e.getClass().getSimpleName() : e.getMessage()), e, true);
            }
            if (b.length() >= 0 && b.length() != d.size()) {
                b.close();
                throw new RegistryException(500, "layer " + d.digest() + ": the registry sends " + b.length()
                        + " bytes, the manifest says " + d.size());
            }
            return b.body();
        } catch (RegistryException e) {
            if (d.urls().isEmpty() || !Manifests.NON_DISTRIBUTABLE.contains(d.mediaType())) {
                throw e;
            }
            for (String url : d.urls()) {
                URI u = URI.create(url);
                if (!u.getScheme().equals("https") && !u.getScheme().equals("http")) {
                    continue;
                }
                try {
                    HttpResponse<InputStream> r = client.endpoint().http().send(HttpRequest.newBuilder(u).GET().build(),
                            HttpResponse.BodyHandlers.ofInputStream());
                    if (r.statusCode() == 200) {
                        return r.body();
                    }
                    r.body().close();
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted");
                } catch (IOException ignored) {
                    // try the next URL
                }
            }
            throw e;
        }
    }

    private static IOException asIOException(Throwable t) {
        if (t instanceof IOException io) {
            return io;
        }
        if (t instanceof ApiException api) {
            return new RegistryException(api.status(), api.getMessage(), api);
        }
        return new IOException(t.getMessage() == null ? t.toString() : t.getMessage(), t);
    }
}
