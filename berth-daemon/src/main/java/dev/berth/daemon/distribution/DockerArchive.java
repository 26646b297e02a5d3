package dev.berth.daemon.distribution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.distribution.BlobIndex.LayerBlob;
import dev.berth.daemon.images.ImageService;
import dev.berth.daemon.images.ImageService.ImageRecord;
import dev.berth.daemon.images.ImageService.Platform;
import dev.berth.daemon.storage.ContentStore;
import dev.berth.daemon.storage.LayerStore;
import dev.berth.oci.Digest;
import dev.berth.oci.ImageReference;
import dev.berth.oci.InvalidLayerException;
import dev.berth.oci.LayerArchive;
import dev.berth.oci.MediaTypes;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * docker save / docker load archives: {@code manifest.json} and {@code repositories} (the
 * classic format, which every docker reads) plus the OCI layout ({@code oci-layout},
 * {@code index.json}, {@code blobs/sha256/}) that Docker 25+ writes. Layers are written
 * uncompressed, named by their DiffID, and configs byte for byte, so image IDs survive a round trip
 * with a Docker engine. Loading stores every image of the archive, each in one transaction.
 */
public final class DockerArchive {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";

    private final ImageService images;
    private final ContentStore content;
    private final LayerStore layers;
    private final BlobIndex blobs;

    public DockerArchive(ImageService images, ContentStore content, LayerStore layers, BlobIndex blobs) {
        this.images = images;
        this.content = content;
        this.layers = layers;
        this.blobs = blobs;
    }

    // ---- save ----

    /** An image to save and the tags it is saved with. */
    public record Entry(ImageRecord image, List<ImageReference> tags) {}

    /**
     * Resolves the names first (404 before anything is streamed), as docker does. With {@code platforms}
     * every named image must be of one of them (berthd keeps one platform per image).
     */
    public List<Entry> resolve(List<String> names, List<Platform> platforms) {
        List<Entry> out = resolve(names);
        for (Entry e : out) {
            Platform have = platformOf(e.image().config());
            if (!platforms.isEmpty() && platforms.stream().noneMatch(p -> Manifests.matches(have, p))) {
                String name = e.tags().isEmpty() ? e.image().id() : e.tags().getFirst().familiar();
                throw ApiException.notFound("image with reference " + name + " was found but does not match the specified"
                        + " platform: wanted " + Manifests.format(platforms.getFirst()) + ", actual: " + Manifests.format(have));
            }
        }
        return out;
    }

    private static Platform platformOf(dev.berth.oci.ImageConfig c) {
        return new Platform(c.os() == null ? "linux" : c.os(), c.architecture() == null ? "" : c.architecture(),
                c.variant() == null || c.variant().isEmpty() ? null : c.variant());
    }

    private List<Entry> resolve(List<String> names) {
        Map<String, Entry> byId = new LinkedHashMap<>();
        for (String n : names) {
            ImageReference ref = named(n);
            if (ref != null && ref.tag() == null && ref.digest() == null && !n.contains(":")) {
                // A bare repository name saves every tagged image of the repository.
                boolean any = false;
                for (ImageRecord img : images.list()) {
                    for (ImageReference t : img.tags()) {
                        if (t.name().equals(ref.name())) {
                            add(byId, img, t);
                            any = true;
                        }
                    }
                }
                if (any) {
                    continue;
                }
            }
            ImageRecord r = images.find(n);
            boolean namedById = ImageReference.looksLikeId(n) && r.id().substring(7).startsWith(n.replaceFirst("^sha256:", ""));
            add(byId, r, ref != null && !namedById && ref.digest() == null ? ref.withDefaultTag() : null);
        }
        return new ArrayList<>(byId.values());
    }

    private static void add(Map<String, Entry> byId, ImageRecord img, ImageReference tag) {
        Entry e = byId.computeIfAbsent(img.id(), k -> new Entry(img, new ArrayList<>()));
        if (tag != null && !e.tags().contains(tag)) {
            e.tags().add(tag);
        }
    }

    private static ImageReference named(String n) {
        try {
            return ImageReference.parse(n);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Writes the archive of {@code resolved} (from {@link #resolve}) to {@code out}. */
    public void save(List<Entry> resolved, OutputStream out, Path scratch) throws IOException {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out, 1 << 16);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        dir(tar, "blobs/");
        dir(tar, "blobs/sha256/");
        Set<String> written = new HashSet<>();
        ArrayNode manifestJson = JSON.createArrayNode();
        ArrayNode indexEntries = JSON.createArrayNode();
        ObjectNode repositories = JSON.createObjectNode();
        for (Entry e : resolved) {
            byte[] config = images.configBytes(e.image().id());
            Digest configDigest = Digest.parse(e.image().id());
            if (written.add(configDigest.hex())) {
                file(tar, "blobs/sha256/" + configDigest.hex(), config);
            }
            List<String> diffIds = new ArrayList<>();
            JSON.readTree(config).path("rootfs").path("diff_ids").forEach(d -> diffIds.add(d.asText()));
            ArrayNode layerDescs = JSON.createArrayNode();
            ArrayNode layerPaths = JSON.createArrayNode();
            for (String diffId : diffIds) {
                Digest d = Digest.parse(diffId);
                long size = writeLayer(tar, d, written, scratch);
                layerDescs.addObject().put("mediaType", LAYER_TAR).put("digest", diffId).put("size", size);
                layerPaths.add("blobs/sha256/" + d.hex());
            }
            ObjectNode manifest = JSON.createObjectNode();
            manifest.put("schemaVersion", 2);
            manifest.put("mediaType", MediaTypes.OCI_MANIFEST);
            manifest.putObject("config").put("mediaType", MediaTypes.OCI_CONFIG).put("digest", e.image().id()).put("size", config.length);
            manifest.set("layers", layerDescs);
            byte[] mb = JSON.writeValueAsBytes(manifest);
            Digest md = Digest.sha256(mb);
            if (written.add(md.hex())) {
                file(tar, "blobs/sha256/" + md.hex(), mb);
            }
            ObjectNode m = manifestJson.addObject();
            m.put("Config", "blobs/sha256/" + configDigest.hex());
            ArrayNode tags = m.putArray("RepoTags");
            m.set("Layers", layerPaths);
            if (e.tags().isEmpty()) {
                m.putNull("RepoTags");
                indexEntries.addObject().put("mediaType", MediaTypes.OCI_MANIFEST).put("digest", md.toString()).put("size", mb.length);
            }
            for (ImageReference t : e.tags()) {
                tags.add(t.familiar());
                ObjectNode ie = indexEntries.addObject().put("mediaType", MediaTypes.OCI_MANIFEST)
                        .put("digest", md.toString()).put("size", mb.length);
                ie.putObject("annotations").put("io.containerd.image.name", t.toString())
                        .put("org.opencontainers.image.ref.name", t.tag());
                if (!diffIds.isEmpty()) {
                    ObjectNode repo = repositories.has(t.familiarName()) ? (ObjectNode) repositories.get(t.familiarName())
                            : repositories.putObject(t.familiarName());
                    repo.put(t.tag(), Digest.parse(diffIds.getLast()).hex());
                }
            }
        }
        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", MediaTypes.OCI_INDEX);
        index.set("manifests", indexEntries);
        file(tar, "index.json", JSON.writeValueAsBytes(index));
        file(tar, "manifest.json", JSON.writeValueAsBytes(manifestJson));
        file(tar, "oci-layout", "{\"imageLayoutVersion\": \"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
        if (!repositories.isEmpty()) {
            file(tar, "repositories", JSON.writeValueAsBytes(repositories));
        }
        tar.finish();
        tar.flush();
    }

    /** Writes a layer as its uncompressed tar (once per archive); returns its size. */
    private long writeLayer(TarArchiveOutputStream tar, Digest diffId, Set<String> written, Path scratch) throws IOException {
        LayerBlob blob = storedBlob(diffId.toString());
        Path src = content.path(blob.digest());
        boolean plain = blob.digest().equals(diffId);
        Path tmp = null;
        try {
            if (!plain) {
                // The tar header needs the size: decompress first, checking the DiffID on the way.
                tmp = Files.createTempFile(scratch, "save-", ".tar");
                java.security.MessageDigest md = Digest.newSha256();
                try (InputStream in = LayerArchive.decompress(Files.newInputStream(src));
                     OutputStream o = new java.security.DigestOutputStream(Files.newOutputStream(tmp), md)) {
                    in.transferTo(o);
                }
                if (!Digest.ofSha256(md).equals(diffId)) {
                    throw new IOException("stored blob " + blob.digest() + " does not hold layer " + diffId);
                }
                src = tmp;
            }
            long size = Files.size(src);
            if (written.add(diffId.hex())) {
                TarArchiveEntry e = new TarArchiveEntry("blobs/sha256/" + diffId.hex());
                e.setSize(size);
                e.setMode(0444);
                tar.putArchiveEntry(e);
                Files.copy(src, tar);
                tar.closeArchiveEntry();
            }
            return size;
        } finally {
            if (tmp != null) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private LayerBlob storedBlob(String diffId) throws IOException {
        try {
            for (LayerBlob b : blobs.blobsOf(diffId)) {
                if (content.exists(b.digest())) {
                    return b;
                }
            }
        } catch (SQLException e) {
            throw new IOException("metadata database error: " + e.getMessage(), e);
        }
        throw new IOException("layer " + diffId + " has no stored archive (it was neither pulled, loaded nor imported)");
    }

    private static void dir(TarArchiveOutputStream tar, String name) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(040755);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }

    private static void file(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(content.length);
        e.setMode(0644);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    // ---- load ----

    /**
     * Reads an archive: every file is streamed into the content store (a {@code blobs/sha256/}
     * name must match its content); then each image of {@code manifest.json} has its layers
     * extracted, checked against its config's DiffIDs and stored with its tags.
     */
    public void load(InputStream archive, List<Platform> platforms, Progress progress, boolean quiet) throws IOException {
        Map<String, Digest> files = new HashMap<>();
        Map<String, byte[]> small = new HashMap<>();
        Set<Digest> stored = new LinkedHashSet<>();
        TarArchiveInputStream tar = new TarArchiveInputStream(new BufferedInputStream(archive, 1 << 16));
        try {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (!e.isFile()) {
                    continue;
                }
                String name = clean(e.getName());
                if (name.equals("manifest.json") || name.equals("index.json") || name.equals("repositories") || name.equals("oci-layout")) {
                    small.put(name, tar.readNBytes(16 << 20));
                    continue;
                }
                try (ContentStore.Ingest in = content.ingest()) {
                    tar.transferTo(in.out());
                    Digest d = in.digest();
                    if (name.startsWith("blobs/sha256/") && !name.equals("blobs/sha256/" + d.hex())) {
                        throw ApiException.badRequest("invalid archive: " + name + " does not match its content (" + d + ")");
                    }
                    // Only blobs this load brought in are its to remove again; others belong to stored images.
                    boolean fresh = !content.exists(d);
                    in.commit(d, d);
                    files.put(name, d);
                    if (fresh) {
                        stored.add(d);
                    }
                }
            }
        } catch (IOException | IllegalArgumentException ex) {
            if (ex instanceof ApiException) {
                throw ex;
            }
            throw ApiException.badRequest("invalid archive: " + ex.getMessage());
        }
        byte[] manifestJson = small.get("manifest.json");
        if (manifestJson == null) {
            throw ApiException.badRequest("invalid archive: no manifest.json (only docker save archives can be loaded)");
        }
        JsonNode manifests;
        try {
            manifests = JSON.readTree(manifestJson);
        } catch (IOException ex) {
            throw ApiException.badRequest("invalid archive: manifest.json: " + ex.getMessage());
        }
        Set<Digest> keep = new HashSet<>();
        try {
            List<JsonNode> chosen = new ArrayList<>();
            for (JsonNode m : manifests) {
                if (platforms.isEmpty() || platforms.stream().anyMatch(p -> Manifests.matches(
                        platformOf(m, files), p))) {
                    chosen.add(m);
                }
            }
            if (chosen.isEmpty() && !manifests.isEmpty()) {
                throw ApiException.notFound("no image in the archive matches the specified platform: wanted "
                        + Manifests.format(platforms.getFirst()));
            }
            for (JsonNode m : chosen) {
                loadImage(m, files, keep, progress, quiet);
            }
        } finally {
            for (Digest d : stored) {
                if (!keep.contains(d)) {
                    content.delete(d);
                }
            }
        }
    }

    private void loadImage(JsonNode m, Map<String, Digest> files, Set<Digest> keep, Progress progress, boolean quiet)
            throws IOException {
        Digest configDigest = file(files, m.path("Config").asText(""));
        byte[] config = content.read(configDigest);
        keep.add(configDigest);
        List<String> diffIds = new ArrayList<>();
        JSON.readTree(config).path("rootfs").path("diff_ids").forEach(d -> diffIds.add(d.asText()));
        JsonNode layerPaths = m.path("Layers");
        if (layerPaths.size() != diffIds.size()) {
            throw ApiException.badRequest("invalid archive: " + layerPaths.size() + " layers for an image config with " + diffIds.size());
        }
        List<String> chains = LayerStore.chainIds(diffIds);
        List<LayerStore.Unpacked> unpacked = new ArrayList<>();
        List<LayerBlob> layerBlobs = new ArrayList<>();
        try {
            for (int i = 0; i < diffIds.size(); i++) {
                Digest blob = file(files, layerPaths.get(i).asText(""));
                keep.add(blob);
                String mediaType = mediaTypeOf(blob);
                layerBlobs.add(new LayerBlob(blob, mediaType, Files.size(content.path(blob))));
                if (images.layer(chains.get(i)).isPresent()) {
                    unpacked.add(null);
                    continue;
                }
                String id = Digest.parse(diffIds.get(i)).shortHex();
                if (!quiet) {
                    progress.bytes(id, "Loading layer", 0, layerBlobs.getLast().size());
                }
                try (InputStream in = Files.newInputStream(content.path(blob))) {
                    unpacked.add(layers.unpack(in));
                } catch (InvalidLayerException e) {
                    throw ApiException.badRequest("invalid layer " + layerPaths.get(i).asText() + ": " + e.getMessage());
                }
                if (!quiet) {
                    progress.bytes(id, "Loading layer", layerBlobs.getLast().size(), layerBlobs.getLast().size());
                }
            }
            List<ImageReference> tags = new ArrayList<>();
            for (JsonNode t : m.path("RepoTags")) {
                try {
                    tags.add(ImageReference.parse(t.asText()).withDefaultTag());
                } catch (IllegalArgumentException e) {
                    throw ApiException.badRequest("invalid archive: invalid tag " + t.asText());
                }
            }
            String id;
            try {
                id = images.storeImage(config, unpacked, tags, c -> {
                    for (int i = 0; i < diffIds.size(); i++) {
                        blobs.recordLayer(c, diffIds.get(i), layerBlobs.get(i));
                    }
                    return null;
                });
            } catch (IOException e) {
                if (e.getMessage() != null && e.getMessage().contains("does not match the image config")) {
                    throw ApiException.badRequest("invalid archive: " + e.getMessage());
                }
                throw e;
            }
            if (tags.isEmpty()) {
                progress.stream("Loaded image ID: " + id + "\n");
            }
            for (ImageReference t : tags) {
                progress.stream("Loaded image: " + t.familiar() + "\n");
            }
        } finally {
            for (LayerStore.Unpacked u : unpacked) {
                if (u != null) {
                    layers.discard(u);
                }
            }
        }
    }

    private Platform platformOf(JsonNode m, Map<String, Digest> files) {
        try {
            JsonNode c = JSON.readTree(content.read(file(files, m.path("Config").asText(""))));
            String variant = c.path("variant").asText("");
            return new Platform(c.path("os").asText("linux"), c.path("architecture").asText(""),
                    variant.isEmpty() ? null : variant);
        } catch (IOException e) {
            throw ApiException.badRequest("invalid archive: image config " + m.path("Config").asText("") + ": " + e.getMessage());
        }
    }

    private String mediaTypeOf(Digest blob) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(content.path(blob)))) {
            return switch (LayerArchive.detect(in)) {
                case GZIP -> MediaTypes.OCI_LAYER_GZIP;
                case ZSTD -> MediaTypes.OCI_LAYER_ZSTD;
                case NONE -> LAYER_TAR;
                default -> "application/octet-stream";
            };
        }
    }

    private static Digest file(Map<String, Digest> files, String path) {
        Digest d = files.get(clean(path));
        if (d == null) {
            throw ApiException.badRequest("invalid archive: " + path + " is missing");
        }
        return d;
    }

    private static String clean(String name) {
        String n = name;
        while (n.startsWith("./")) {
            n = n.substring(2);
        }
        return n.startsWith("/") ? n.substring(1) : n;
    }
}
