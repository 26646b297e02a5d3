package dev.berth.daemon.distribution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.distribution.BlobIndex.LayerBlob;
import dev.berth.daemon.images.ImageService;
import dev.berth.daemon.images.ImageService.ImageRecord;
import dev.berth.daemon.storage.ContentStore;
import dev.berth.oci.Digest;
import dev.berth.oci.ImageReference;
import dev.berth.oci.MediaTypes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * docker push: sends an image's layers (in parallel, at most {@code max-concurrent-uploads} at
 * once), skipping those the registry has and mounting those it has in another repository, then
 * its config and a manifest naming the layer blobs exactly as they were pulled or loaded.
 */
public final class Pusher {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_ATTEMPTS = 3;

    private final ImageService images;
    private final ContentStore content;
    private final BlobIndex blobs;
    private final RegistryEndpoints endpoints;
    private final Semaphore uploads;
    private final ExecutorService workers;

    public Pusher(ImageService images, ContentStore content, BlobIndex blobs, RegistryEndpoints endpoints, ExecutorService workers) {
        this.images = images;
        this.content = content;
        this.blobs = blobs;
        this.endpoints = endpoints;
        this.uploads = new Semaphore(endpoints.options().maxUploads());
        this.workers = workers;
    }

    /** Pushes {@code repo:tag}, or every tag of {@code repo} when {@code tag} is null. */
    public void push(ImageReference repo, String tag, AuthConfig auth, Progress progress) throws IOException {
        List<ImageReference> refs = new ArrayList<>();
        if (tag != null) {
            refs.add(repo.withTag(tag));
            try {
                images.find(refs.getFirst().toString()); // 404 before anything is streamed
            } catch (ApiException e) {
                throw ApiException.notFound("An image does not exist locally with the tag: " + repo.familiarName());
            }
        } else {
            for (ImageRecord r : images.list()) {
                for (ImageReference t : r.tags()) {
                    if (t.name().equals(repo.name())) {
                        refs.add(t);
                    }
                }
            }
            if (refs.isEmpty()) {
                throw ApiException.notFound("An image does not exist locally with the tag: " + repo.familiarName());
            }
        }
        progress.status(null, "The push refers to repository [" + repo.name() + "]");
        for (ImageReference ref : refs) {
            pushOne(ref, auth, progress);
        }
    }

    private record Layer(String diffId, LayerBlob blob) {}

    private void pushOne(ImageReference ref, AuthConfig auth, Progress progress) throws IOException {
        ImageRecord img;
        try {
            img = images.find(ref.toString());
        } catch (ApiException e) {
            throw ApiException.notFound("An image does not exist locally with the tag: " + ref.familiarName());
        }
        byte[] config = images.configBytes(img.id());
        List<String> diffIds = new ArrayList<>();
        JSON.readTree(config).path("rootfs").path("diff_ids").forEach(d -> diffIds.add(d.asText()));
        List<Layer> layers = new ArrayList<>();
        Set<String> sources = new LinkedHashSet<>();
        for (String diffId : diffIds) {
            LayerBlob blob = storedBlob(diffId);
            layers.add(new Layer(diffId, blob));
            for (String src : sql(() -> blobs.sourcesOf(blob.digest()))) {
                ImageReference s = ImageReference.parse(src);
                if (s.domain().equals(ref.domain()) && !s.path().equals(ref.path())) {
                    sources.add(s.path());
                }
            }
        }
        List<String> extraScopes = sources.stream().map(p -> "repository:" + p + ":pull").toList();
        RegistryClient client = RegistryClient.open(endpoints.endpoints(ref.domain(), true), ref.path(), auth, "pull,push", extraScopes);
        for (Layer l : layers) {
            progress.layer(Digest.parse(l.diffId()).shortHex(), "Preparing");
        }
        List<Future<?>> tasks = new ArrayList<>();
        for (Layer l : layers) {
            tasks.add(workers.submit(() -> {
                pushLayer(client, l, List.copyOf(sources), progress);
                return null;
            }));
        }
        IOException failure = null;
        for (Future<?> f : tasks) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof IOException io ? io : new IOException(e.getCause().getMessage(), e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("push interrupted");
            }
        }
        if (failure != null) {
            throw failure;
        }
        Digest configDigest = Digest.parse(img.id());
        if (!client.blobExists(configDigest)) {
            client.upload(configDigest, config.length, () -> new java.io.ByteArrayInputStream(config), n -> { });
        }
        boolean oci = layers.stream().allMatch(l -> l.blob().mediaType().startsWith("application/vnd.oci."));
        byte[] manifest = manifest(oci, configDigest, config.length, layers);
        String type = oci ? MediaTypes.OCI_MANIFEST : MediaTypes.DOCKER_MANIFEST;
        Digest digest = client.putManifest(ref.tag(), type, manifest);
        sql(() -> {
            blobs.recordSources(layers.stream().map(l -> l.blob().digest()).toList(), ref.name());
            return null;
        });
        images.addDigestReference(new ImageReference(ref.domain(), ref.path(), null, digest), img.id());
        progress.status(null, ref.tag() + ": digest: " + digest + " size: " + manifest.length);
        images.announce("push", ref);
        Map<String, Object> aux = new LinkedHashMap<>();
        aux.put("Tag", ref.tag());
        aux.put("Digest", digest.toString());
        aux.put("Size", manifest.length);
        progress.aux(aux);
    }

    /** The stored blob of a layer, as pulled or loaded. */
    private LayerBlob storedBlob(String diffId) throws IOException {
        for (LayerBlob b : sql(() -> blobs.blobsOf(diffId))) {
            if (content.exists(b.digest())) {
                return b;
            }
        }
        throw new RegistryException(500, "layer " + diffId + " has no stored archive to push (it was neither pulled nor loaded)");
    }

    private void pushLayer(RegistryClient client, Layer l, List<String> sources, Progress progress) throws IOException, InterruptedException {
        String id = Digest.parse(l.diffId()).shortHex();
        if (!uploads.tryAcquire()) {
            progress.layer(id, "Waiting");
            uploads.acquire();
        }
        try {
            Digest d = l.blob().digest();
            if (client.blobExists(d)) {
                progress.layer(id, "Layer already exists");
                return;
            }
            for (String from : sources) {
                if (client.mount(d, from)) {
                    progress.layer(id, "Mounted from " + from);
                    return;
                }
            }
            long size = Files.size(content.path(d));
            for (int attempt = 1; ; attempt++) {
                try {
                    client.upload(d, size, () -> {
                        try {
                            return Files.newInputStream(content.path(d));
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }, n -> progress.bytes(id, "Pushing", n, size));
                    break;
                } catch (IOException e) {
                    // The registry's refusal is final; a dropped connection is worth another go, as docker does.
                    if (e instanceof RegistryException || attempt >= MAX_ATTEMPTS) {
                        throw e;
                    }
                    progress.layer(id, "Retrying in " + attempt + (attempt == 1 ? " second" : " seconds"));
                    Thread.sleep(attempt * 1000L);
                }
            }
            progress.layer(id, "Pushed");
        } finally {
            uploads.release();
        }
    }

    private static byte[] manifest(boolean oci, Digest config, long configSize, List<Layer> layers) throws IOException {
        ObjectNode m = JSON.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", oci ? MediaTypes.OCI_MANIFEST : MediaTypes.DOCKER_MANIFEST);
        ObjectNode c = m.putObject("config");
        c.put("mediaType", oci ? MediaTypes.OCI_CONFIG : MediaTypes.DOCKER_CONFIG);
        c.put("size", configSize);
        c.put("digest", config.toString());
        ArrayNode ls = m.putArray("layers");
        for (Layer l : layers) {
            ObjectNode d = ls.addObject();
            d.put("mediaType", l.blob().mediaType());
            d.put("size", l.blob().size());
            d.put("digest", l.blob().digest().toString());
        }
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m);
    }

    @FunctionalInterface
    private interface SqlWork<T> {
        T run() throws SQLException;
    }

    private static <T> T sql(SqlWork<T> w) throws IOException {
        try {
            return w.run();
        } catch (SQLException e) {
            throw new IOException("metadata database error: " + e.getMessage(), e);
        }
    }
}
