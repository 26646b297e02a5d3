package dev.berth.daemon.images;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.storage.ContentStore;
import dev.berth.daemon.storage.LayerStore;
import dev.berth.daemon.store.MetadataDb;
import dev.berth.oci.ContainerConfig;
import dev.berth.oci.Digest;
import dev.berth.oci.ImageConfig;
import dev.berth.oci.ImageReference;
import dev.berth.oci.InvalidLayerException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The image store: image records and their tags in SQLite (one transaction per change), configs
 * in the {@link ContentStore}, layers in the {@link LayerStore}. Resolves references as docker
 * does and implements import, tag, delete and prune with docker's rules and messages.
 */
public final class ImageService implements ImageLookup {
    /** Nobody uses any image: the default until the container service is bound. */
    public static final ImageUsage NO_CONTAINERS = new ImageUsage() {
        @Override
        public List<String> containersUsing(String imageId) {
            return List.of();
        }

        @Override
        public List<String> runningContainersUsing(String imageId) {
            return List.of();
        }
    };

    /** An image as stored: ID, parsed config, size, layers (chain IDs, bottom first) and references. */
    public record ImageRecord(String id, ImageConfig config, long size, List<String> layers,
                              List<ImageReference> tags, List<ImageReference> digests, String lastTagTime) {
        public boolean dangling() {
            return tags.isEmpty() && digests.isEmpty();
        }

        public Instant created() {
            try {
                return config.created() == null ? Instant.EPOCH : Instant.parse(config.created());
            } catch (RuntimeException e) {
                return Instant.EPOCH;
            }
        }

        public Map<String, String> labels() {
            return config.config() == null || config.config().labels() == null ? Map.of() : config.config().labels();
        }
    }

    /** One line of a delete's answer: {@code {"Untagged": ...}} or {@code {"Deleted": ...}}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DeleteItem(String untagged, String deleted) {
        static DeleteItem untagged(ImageReference r) {
            return new DeleteItem(r.familiar(), null);
        }

        static DeleteItem deleted(String id) {
            return new DeleteItem(null, id);
        }
    }

    /** The result of a prune. */
    public record PruneResult(List<DeleteItem> deleted, long spaceReclaimed) {}

    /** The platform an import is recorded for. */
    public record Platform(String os, String architecture, String variant) {}

    private final MetadataDb db;
    private final ContentStore content;
    private final LayerStore layers;
    private final Platform hostPlatform;
    private final ObjectMapper configJson = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private final Map<String, ImageConfig> configs = new ConcurrentHashMap<>();
    private volatile Supplier<ImageUsage> usage = () -> NO_CONTAINERS;
    private volatile LayerBlobRecorder layerBlobs = (c, diffId, blob, mediaType, size) -> { };
    private volatile Runnable afterLayersRemoved = () -> { };
    private volatile Predicate<String> intermediate = id -> false;

    public ImageService(MetadataDb db, ContentStore content, LayerStore layers, Platform hostPlatform) throws SQLException {
        this.db = db;
        this.content = content;
        this.layers = layers;
        this.hostPlatform = hostPlatform;
        db.migrate("images", """
                CREATE TABLE images (id TEXT PRIMARY KEY, size INTEGER NOT NULL, added INTEGER NOT NULL, last_tag_time TEXT);
                CREATE TABLE image_refs (ref TEXT PRIMARY KEY, image_id TEXT NOT NULL REFERENCES images(id), is_digest INTEGER NOT NULL DEFAULT 0);
                CREATE INDEX image_refs_image ON image_refs(image_id)
                """);
    }

    /** Records, inside the image's transaction, which stored blob holds a layer (for save and push). */
    @FunctionalInterface
    public interface LayerBlobRecorder {
        void record(Connection c, String diffId, Digest blob, String mediaType, long size) throws SQLException;
    }

    /** Binds where imported layers' archives are recorded (the distribution service's index). */
    public void setLayerBlobRecorder(LayerBlobRecorder recorder) {
        this.layerBlobs = recorder;
    }

    private volatile dev.berth.daemon.events.EventLog events;

    /** Sets where image events (import, tag, untag, delete, and pull and push through {@link #announce}) go. */
    public void setEvents(dev.berth.daemon.events.EventLog events) {
        this.events = events;
    }

    /** Publishes an image event that happens outside this service (pull, push): Docker names the actor by reference. */
    public void announce(String action, dev.berth.oci.ImageReference ref) {
        event(action, ref.familiar(), ref.familiarName());
    }

    private void event(String action, String id, String name) {
        dev.berth.daemon.events.EventLog log = events;
        if (log != null) {
            log.publish("image", action, id, Map.of("name", name));
        }
    }

    /** Binds what runs after layers may have been removed (the distribution service drops their archives). */
    public void setAfterLayersRemoved(Runnable action) {
        this.afterLayersRemoved = action;
    }

    /** Binds who uses images (the container service), asked before a delete. */
    /** Tells which untagged images are intermediate build steps (hidden from lists and dangling prunes, as Docker's parents). */
    public void setIntermediate(Predicate<String> intermediate) {
        this.intermediate = intermediate;
    }

    public boolean isIntermediate(String imageId) {
        return intermediate.test(imageId);
    }

    public void setUsage(Supplier<ImageUsage> usage) {
        this.usage = usage;
    }

    public Platform hostPlatform() {
        return hostPlatform;
    }

    // ---- reading ----

    public int count() {
        return sql(() -> db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM images"); ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : 0;
            }
        }));
    }

    public List<ImageRecord> list() {
        return sql(() -> db.tx(c -> {
            List<String> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM images"); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
            List<ImageRecord> out = new ArrayList<>();
            for (String id : ids) {
                out.add(load(c, id));
            }
            out.sort(Comparator.comparing(ImageRecord::created).reversed().thenComparing(ImageRecord::id));
            return out;
        }));
    }

    @Override
    public ResolvedImage resolve(String reference) {
        ImageRecord r = find(reference);
        return new ResolvedImage(r.id(), r.config(), r.layers().stream().map(layers::diffDir).toList());
    }

    /** The layer directories of an image, bottom first. */
    public List<Path> layerDirs(ImageRecord r) {
        return r.layers().stream().map(layers::diffDir).toList();
    }

    /** The unpacked size of one stored layer, 0 if unknown. */
    public long layerSize(String chainId) {
        return sql(() -> layers.get(chainId)).map(LayerStore.Layer::size).orElse(0L);
    }

    /** Finds an image by name[:tag], name@digest, or full or short ID; 404 as docker says it. */
    public ImageRecord find(String reference) {
        String full = fullId(reference);
        return sql(() -> db.tx(c -> {
            // a full ID needs no lookup of its own: load() answers "No such image" for it as findId() would
            String id = full != null ? full : findId(c, reference);
            return load(c, id);
        }));
    }

    /** {@code sha256:<hex>} when {@code reference} is a full image ID, with or without that prefix; else null. */
    private static String fullId(String reference) {
        String hex = reference != null && reference.startsWith("sha256:") ? reference.substring(7) : reference;
        return hex != null && hex.length() == 64 && ImageReference.looksLikeId(hex) ? "sha256:" + hex : null;
    }

    private String findId(Connection c, String reference) throws SQLException {
        if (reference == null || reference.isEmpty()) {
            throw ApiException.notFound("No such image: " + reference);
        }
        ImageReference named = null;
        String hex = reference.startsWith("sha256:") ? reference.substring(7) : reference;
        boolean fullId = fullId(reference) != null;
        if (!fullId) {
            try {
                named = ImageReference.parse(reference);
            } catch (ImageReference.InvalidReferenceException e) {
                if (!ImageReference.looksLikeId(reference)) {
                    throw ApiException.badRequest(e.getMessage());
                }
            }
        }
        if (named != null) {
            String id = imageForRef(c, named.digest() != null ? named.toString() : named.withDefaultTag().toString());
            if (id != null) {
                return id;
            }
        }
        if (ImageReference.looksLikeId(reference)) {
            List<String> matches = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM images WHERE id >= ? AND id < ? LIMIT 2")) {
                ps.setString(1, "sha256:" + hex);
                ps.setString(2, "sha256:" + hex + "\uffff");
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        matches.add(rs.getString(1));
                    }
                }
            }
            if (matches.size() == 1) {
                return matches.getFirst();
            }
        }
        throw ApiException.notFound("No such image: " + (named != null ? named.withDefaultTag().familiar()
                : fullId ? "sha256:" + hex : reference));
    }

    private static String imageForRef(Connection c, String ref) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT image_id FROM image_refs WHERE ref = ?")) {
            ps.setString(1, ref);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private ImageRecord load(Connection c, String id) throws SQLException {
        long size;
        String lastTag;
        try (PreparedStatement ps = c.prepareStatement("SELECT size, last_tag_time FROM images WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw ApiException.notFound("No such image: " + id);
                }
                size = rs.getLong(1);
                lastTag = rs.getString(2);
            }
        }
        List<ImageReference> tags = new ArrayList<>();
        List<ImageReference> digests = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT ref, is_digest FROM image_refs WHERE image_id = ? ORDER BY ref")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    (rs.getInt(2) != 0 ? digests : tags).add(ImageReference.parse(rs.getString(1)));
                }
            }
        }
        return new ImageRecord(id, config(id), size, layers.layersOf(c, id), List.copyOf(tags), List.copyOf(digests), lastTag);
    }

    private ImageConfig config(String id) {
        return configs.computeIfAbsent(id, k -> {
            try {
                return configJson.readValue(content.read(Digest.parse(k)), ImageConfig.class);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read config of image " + k, e);
            }
        });
    }

    private static List<String> refsOf(Connection c, String id) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT ref FROM image_refs WHERE image_id = ? ORDER BY ref")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    // ---- import ----

    /**
     * Imports a root filesystem tar (any compression) as a one-layer image, streaming it to disk.
     * Nothing is visible until the image row, its layer and its tag commit together.
     *
     * @return the new image ID
     */
    public String importImage(InputStream tar, ImageReference tag, String message, List<String> changes, Platform platform)
            throws IOException {
        ContainerConfig cfg;
        try {
            cfg = ConfigChanges.apply(ContainerConfig.EMPTY, changes);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        String created = rfc3339Nano(Instant.now());
        String id = storeLayer(tar, null, new ImageConfig(created, null, platform.architecture(), platform.os(), platform.variant(), cfg,
                null, List.of(new ImageConfig.History(created, null, null, message, null)), message), tag);
        event("import", id, id);
        return id;
    }

    /**
     * Stores a layer tar on top of {@code parent}'s layers (none for null) as a new image whose
     * config is {@code config} with the layer's DiffID appended to the parent's; the image row,
     * its layers and its tag commit in one transaction.
     */
    private String storeLayer(InputStream tar, ImageRecord parent, ImageConfig config, ImageReference tag) throws IOException {
        LayerStore.Unpacked u;
        // The archive is kept as it came, so save and push can send the very bytes of the DiffID.
        ContentStore.Ingest ingest = content.ingest();
        InputStream teed = new java.io.FilterInputStream(tar) {
            @Override
            public int read() throws IOException {
                byte[] b = new byte[1];
                return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    ingest.out().write(b, off, n);
                }
                return n;
            }

            @Override
            public long skip(long n) throws IOException {
                return Math.max(0, read(new byte[(int) Math.min(n, 65536)]));
            }
        };
        Digest blob;
        try (ingest) {
            try {
                u = layers.unpack(teed);
                teed.transferTo(OutputStream.nullOutputStream());
            } catch (InvalidLayerException e) {
                throw ApiException.badRequest(e.getMessage());
            }
            blob = ingest.digest();
            ingest.commit(blob, blob);
        }
        String blobType = blobMediaType(blob);
        long blobSize = Files.size(content.path(blob));
        try {
            List<String> diffIds = new ArrayList<>();
            if (parent != null && parent.config().rootfs() != null && parent.config().rootfs().diffIds() != null) {
                diffIds.addAll(parent.config().rootfs().diffIds());
            }
            diffIds.add(u.diffId().toString());
            ImageConfig full = new ImageConfig(config.created(), config.author(), config.architecture(), config.os(),
                    config.variant(), config.config(), new ImageConfig.RootFs("layers", diffIds), config.history(), config.comment());
            byte[] bytes = configJson.writeValueAsBytes(full);
            String id = content.put(bytes).toString();
            List<String> parentChains = parent == null ? List.of() : parent.layers();
            String top = parentChains.isEmpty() ? null : parentChains.getLast();
            sql(() -> db.tx(c -> {
                LayerStore.Layer layer = layers.commit(c, u, top);
                if (!exists(c, id)) {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO images(id, size, added) VALUES(?, ?, ?)")) {
                        ps.setString(1, id);
                        ps.setLong(2, (parent == null ? 0 : parent.size()) + layer.size());
                        ps.setLong(3, System.currentTimeMillis());
                        ps.executeUpdate();
                    }
                    List<String> chains = new ArrayList<>(parentChains);
                    chains.add(layer.chainId());
                    layers.retain(c, id, chains);
                }
                if (tag != null) {
                    setTag(c, tag, id);
                }
                if (blobType != null) {
                    layerBlobs.record(c, u.diffId().toString(), blob, blobType, blobSize);
                }
                return null;
            }));
            return id;
        } finally {
            layers.discard(u);
        }
    }

    /**
     * Stores an image whose layers were fetched elsewhere (pull, load): in one transaction the
     * layers (given unpacked, or null where the store already has the layer at that position),
     * the image row, its references, and {@code alsoInTx} (the caller's own rows). Each unpacked
     * layer must have the DiffID the config lists; on any failure nothing is stored. Unpacked
     * layers stay the caller's to discard (a no-op once committed).
     *
     * @return the image ID (the config's digest)
     */
    public String storeImage(byte[] configBytes, List<LayerStore.Unpacked> unpacked, List<ImageReference> refs,
                             MetadataDb.Work<Void> alsoInTx) throws IOException {
        ImageConfig config;
        try {
            config = configJson.readValue(configBytes, ImageConfig.class);
        } catch (IOException e) {
            throw new IOException("invalid image config: " + e.getMessage(), e);
        }
        List<String> diffIds = config.rootfs() == null || config.rootfs().diffIds() == null ? List.of() : config.rootfs().diffIds();
        if (diffIds.size() != unpacked.size()) {
            throw new IOException("image config lists " + diffIds.size() + " layers, the manifest " + unpacked.size());
        }
        for (int i = 0; i < diffIds.size(); i++) {
            LayerStore.Unpacked u = unpacked.get(i);
            if (u != null && !u.diffId().toString().equals(diffIds.get(i))) {
                throw new IOException("layer " + (i + 1) + " does not match the image config: its DiffID is "
                        + u.diffId() + ", the config says " + diffIds.get(i));
            }
        }
        String id = content.put(configBytes).toString();
        try {
            db.tx(c -> {
                String parent = null;
                long size = 0;
                List<String> chains = new ArrayList<>();
                for (int i = 0; i < diffIds.size(); i++) {
                    String chain = LayerStore.chainId(parent, diffIds.get(i));
                    LayerStore.Layer layer;
                    if (unpacked.get(i) != null) {
                        layer = layers.commit(c, unpacked.get(i), parent);
                    } else {
                        layer = layers.get(c, chain).orElseThrow(() -> new IllegalStateException(
                                "layer " + chain + " was removed while the image was stored; try again"));
                    }
                    size += layer.size();
                    chains.add(layer.chainId());
                    parent = layer.chainId();
                }
                if (!exists(c, id)) {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO images(id, size, added) VALUES(?, ?, ?)")) {
                        ps.setString(1, id);
                        ps.setLong(2, size);
                        ps.setLong(3, System.currentTimeMillis());
                        ps.executeUpdate();
                    }
                    layers.retain(c, id, chains);
                }
                for (ImageReference r : refs) {
                    setTag(c, r, id);
                }
                if (alsoInTx != null) {
                    alsoInTx.run(c);
                }
                return null;
            });
        } catch (SQLException e) {
            throw new IOException("metadata database error: " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return id;
    }

    // ---- commit ----

    /** What {@code docker commit} records besides the layer. */
    public record CommitInfo(ContainerConfig config, String author, String comment, String createdBy, ImageReference tag) {}

    /**
     * {@code docker commit}: the layer tar (a container's changes, whiteouts included) becomes a
     * new image on top of {@code parentId}, which inherits its platform and history.
     *
     * @return the new image ID
     */
    public String commitImage(String parentId, InputStream layerTar, CommitInfo info) throws IOException {
        ImageRecord parent = find(parentId);
        ImageConfig pc = parent.config();
        String created = rfc3339Nano(Instant.now());
        List<ImageConfig.History> history = new ArrayList<>(pc.history() == null ? List.of() : pc.history());
        history.add(new ImageConfig.History(created, info.createdBy(), emptyToNull(info.author()), emptyToNull(info.comment()), null));
        String id = storeLayer(layerTar, parent, new ImageConfig(created, emptyToNull(info.author()), pc.architecture(), pc.os(),
                pc.variant(), info.config(), null, history, emptyToNull(info.comment())), info.tag());
        if (info.tag() != null) {
            event("tag", id, info.tag().familiar());
        }
        return id;
    }

    /**
     * A build step's layer: {@code layerTar} on top of {@code parentId} (null: no parent, FROM scratch)
     * as a new untagged image whose config is {@code config} (its rootfs gets the layer appended).
     */
    public String storeLayerImage(InputStream layerTar, String parentId, ImageConfig config) throws IOException {
        return storeLayer(layerTar, parentId == null ? null : find(parentId), config, null);
    }

    /** Records {@code ref} (a {@code name@digest} reference) for image {@code id}: a pushed image's RepoDigest. */
    public void addDigestReference(ImageReference ref, String id) {
        if (ref.digest() == null || ref.tag() != null) {
            throw new IllegalArgumentException("not a digest reference: " + ref);
        }
        sql(() -> db.tx(c -> {
            setTag(c, ref, id);
            return null;
        }));
    }

    /** The stored layer with this chain ID, if any. */
    public java.util.Optional<LayerStore.Layer> layer(String chainId) {
        return sql(() -> layers.get(chainId));
    }

    /** The raw config of an image, as stored (its digest is the image ID). */
    public byte[] configBytes(String id) throws IOException {
        return content.read(Digest.parse(id));
    }

    /** The registry media type of a layer archive as imported; null for compressions registries do not take. */
    private String blobMediaType(Digest blob) throws IOException {
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(content.path(blob)))) {
            return switch (dev.berth.oci.LayerArchive.detect(in)) {
                case NONE -> "application/vnd.oci.image.layer.v1.tar";
                case GZIP -> "application/vnd.oci.image.layer.v1.tar+gzip";
                case ZSTD -> "application/vnd.oci.image.layer.v1.tar+zstd";
                default -> null;
            };
        }
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** Whether the image with this full ID is stored. */
    public boolean exists(String id) {
        return sql(() -> db.tx(c -> exists(c, id)));
    }

    private static boolean exists(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM images WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Points {@code ref} (given a tag if it has none) at {@code id}; the image it left may become dangling. */
    private static void setTag(Connection c, ImageReference ref, String id) throws SQLException {
        ImageReference full = ref.withDefaultTag();
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO image_refs(ref, image_id, is_digest) VALUES(?, ?, ?) "
                        + "ON CONFLICT(ref) DO UPDATE SET image_id = excluded.image_id")) {
            ps.setString(1, full.toString());
            ps.setString(2, id);
            ps.setInt(3, full.tag() == null ? 1 : 0);
            ps.executeUpdate();
        }
        setTagTime(c, id);
    }

    private static void setTagTime(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE images SET last_tag_time = ? WHERE id = ?")) {
            ps.setString(1, rfc3339Nano(Instant.now()));
            ps.setString(2, id);
            ps.executeUpdate();
        }
    }

    // ---- tag ----

    /** docker tag: {@code repo} (normalised) with {@code tag} (default latest) now names the image {@code source}. */
    public void tag(String source, String repo, String tag) {
        ImageReference target;
        try {
            ImageReference r = ImageReference.parse(repo);
            if (r.digest() != null) {
                throw ApiException.badRequest("refusing to create a tag with a digest reference");
            }
            target = tag == null || tag.isEmpty() ? r.withDefaultTag() : r.withTag(tag);
        } catch (ImageReference.InvalidReferenceException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        // A tag that already names the image (a rebuild's) changes only its time: not worth waiting for the disk.
        String unchanged = sql(() -> db.txLazy(c -> {
            String found = findId(c, source);
            if (!found.equals(imageForRef(c, target.withDefaultTag().toString()))) {
                return null;
            }
            setTagTime(c, found);
            return found;
        }));
        String id = unchanged != null ? unchanged : sql(() -> db.tx(c -> {
            String found = findId(c, source);
            setTag(c, target, found);
            return found;
        }));
        event("tag", id, target.familiar());
    }

    // ---- delete ----

    /** docker rmi, with docker's order of untag and delete records and its conflict rules. */
    public List<DeleteItem> delete(String reference, boolean force, boolean prune) {
        ImageRecord img = find(reference);
        ImageUsage u = usage.get();
        // Asked before the transaction: the container service may use the database itself.
        List<String> using = u.containersUsing(img.id());
        List<String> running = u.runningContainersUsing(img.id());
        List<DeleteItem> out = new ArrayList<>();
        List<String> configToDelete = new ArrayList<>();
        sql(() -> db.tx(c -> {
            List<String> refs = refsOf(c, img.id());
            boolean quiet = false;
            if (!isIdPrefix(img.id(), reference)) {
                ImageReference named = ImageReference.parse(reference);
                ImageReference full = named.digest() != null ? named : named.withDefaultTag();
                if (!force && isSingleReference(refs) && !using.isEmpty()) {
                    throw ApiException.conflict("conflict: unable to remove repository reference \"" + reference
                            + "\" (must force) - container " + shortId(using.getFirst()) + " is using its referenced image "
                            + shortId(img.id()));
                }
                removeRef(c, full.toString());
                out.add(DeleteItem.untagged(full));
                if (full.digest() == null) {
                    removeOrphanedDigests(c, img.id(), full, out);
                }
                if (!refsOf(c, img.id()).isEmpty()) {
                    return null;
                }
                quiet = true;
            } else if (isSingleReference(refs)) {
                String conflict = conflict(img.id(), refs, running, using, !force, false);
                if (conflict != null) {
                    throw ApiException.conflict(conflict);
                }
                for (String r : refs) {
                    removeRef(c, r);
                    out.add(DeleteItem.untagged(ImageReference.parse(r)));
                }
            }
            String conflict = conflict(img.id(), refsOf(c, img.id()), running, using, !force, !force);
            if (conflict != null) {
                if (quiet && (!refsOf(c, img.id()).isEmpty() || !using.isEmpty())) {
                    return null;
                }
                throw ApiException.conflict(conflict);
            }
            out.addAll(deleteImage(c, img.id(), new long[1], using));
            configToDelete.add(img.id());
            return null;
        }));
        finishDelete(configToDelete);
        for (DeleteItem item : out) {
            if (item.untagged() != null) {
                event("untag", img.id(), img.id());
            } else if (img.id().equals(item.deleted())) {
                event("delete", img.id(), img.id());
            }
        }
        return out;
    }

    /**
     * Docker's rule after untagging: when no tag of that repository is left on the image, its
     * digest references in the same repository go too.
     */
    private static void removeOrphanedDigests(Connection c, String id, ImageReference removed, List<DeleteItem> out)
            throws SQLException {
        List<ImageReference> refs = refsOf(c, id).stream().map(ImageReference::parse).toList();
        if (refs.stream().anyMatch(r -> r.digest() == null && r.name().equals(removed.name()))) {
            return;
        }
        for (ImageReference r : refs) {
            if (r.digest() != null && r.name().equals(removed.name())) {
                removeRef(c, r.toString());
                out.add(DeleteItem.untagged(r));
            }
        }
    }

    /** Docker's checkImageDeleteConflict: hard conflicts always, soft ones unless forced. */
    private static String conflict(String id, List<String> refs, List<String> running, List<String> using,
                                   boolean soft, boolean activeReference) {
        if (!running.isEmpty()) {
            return "conflict: unable to delete " + shortId(id) + " (cannot be forced) - image is being used by running container "
                    + shortId(running.getFirst());
        }
        if (activeReference && !refs.isEmpty()) {
            return "conflict: unable to delete " + shortId(id) + " (must be forced) - image is referenced in multiple repositories";
        }
        if (soft && !using.isEmpty()) {
            return "conflict: unable to delete " + shortId(id) + " (must be forced) - image is being used by stopped container "
                    + shortId(using.getFirst());
        }
        return null;
    }

    /**
     * Removes every reference, the image row and the layers nobody else holds; returns docker's
     * records and adds the bytes of removed layers to {@code reclaimed[0]}. Containers still using
     * the image (a forced delete) keep its layers until {@link #releaseContainer} is called.
     */
    private List<DeleteItem> deleteImage(Connection c, String id, long[] reclaimed, List<String> containers) throws SQLException {
        List<String> held = layers.layersOf(c, id);
        for (String cid : containers) {
            layers.retain(c, containerOwner(cid), held);
        }
        List<DeleteItem> out = new ArrayList<>();
        for (String r : refsOf(c, id)) {
            removeRef(c, r);
            out.add(DeleteItem.untagged(ImageReference.parse(r)));
        }
        List<LayerStore.Layer> removed = layers.release(c, id);
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM images WHERE id = ?")) {
            ps.setString(1, id);
            ps.executeUpdate();
        }
        out.add(DeleteItem.deleted(id));
        for (LayerStore.Layer l : removed) {
            out.add(DeleteItem.deleted(l.chainId()));
            reclaimed[0] += l.size();
        }
        return out;
    }

    private static String containerOwner(String containerId) {
        return "container:" + containerId;
    }

    /**
     * Makes container {@code containerId} hold the layers of image {@code imageId}, so they stay
     * on disk even if the image is force-deleted; call at container create, and
     * {@link #releaseContainer} at container removal.
     */
    public void retainForContainer(String containerId, String imageId) {
        // Lazy: the container's own record, written next, makes it durable (or, for --rm, need not be).
        sql(() -> db.txLazy(c -> {
            List<String> held = layers.layersOf(c, imageId);
            if (held.isEmpty()) {
                throw ApiException.notFound("No such image: " + imageId);
            }
            layers.retain(c, containerOwner(containerId), held);
            return null;
        }));
    }

    /**
     * Lets go of the layers a container kept after its image was force-deleted; the container
     * service calls this when it removes a container. A no-op for other containers.
     */
    public void releaseContainer(String containerId) {
        sql(() -> db.tx(c -> layers.release(c, containerOwner(containerId))));
        layers.purge();
        afterLayersRemoved.run();
    }

    private void finishDelete(List<String> ids) {
        layers.purge();
        afterLayersRemoved.run();
        for (String id : ids) {
            configs.remove(id);
            try {
                content.delete(Digest.parse(id));
            } catch (IOException e) {
                // an orphaned config blob is harmless
            }
        }
    }

    private static void removeRef(Connection c, String ref) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM image_refs WHERE ref = ?")) {
            ps.setString(1, ref);
            ps.executeUpdate();
        }
    }

    private static boolean isIdPrefix(String id, String prefix) {
        return id.startsWith(prefix) || id.substring(id.indexOf(':') + 1).startsWith(prefix);
    }

    /** Docker's isSingleReference: one tag, possibly with digests of the same repository. */
    private static boolean isSingleReference(List<String> refs) {
        if (refs.size() <= 1) {
            return refs.size() == 1;
        }
        String single = null;
        java.util.Set<String> canonical = new java.util.HashSet<>();
        for (String r : refs) {
            ImageReference ref = ImageReference.parse(r);
            if (ref.digest() != null) {
                canonical.add(ref.name());
            } else if (single == null) {
                single = ref.name();
            } else {
                return false;
            }
        }
        if (single == null) {
            single = ImageReference.parse(refs.getFirst()).name();
        }
        return canonical.size() == 1 && canonical.contains(single);
    }

    // ---- prune ----

    /** Removes unused images: dangling ones, or all unused ones when {@code danglingOnly} is false. */
    public PruneResult prune(boolean danglingOnly, Predicate<ImageRecord> filter) {
        ImageUsage u = usage.get();
        List<DeleteItem> out = new ArrayList<>();
        List<String> deletedIds = new ArrayList<>();
        long[] space = {0};
        for (ImageRecord img : list()) {
            if ((danglingOnly && (!img.dangling() || isIntermediate(img.id()))) || !filter.test(img)
                    || !u.containersUsing(img.id()).isEmpty()) {
                continue;
            }
            sql(() -> db.tx(c -> {
                if (!exists(c, img.id())) {
                    return null;
                }
                if (danglingOnly && !refsOf(c, img.id()).isEmpty()) {
                    return null;
                }
                out.addAll(deleteImage(c, img.id(), space, List.of()));
                deletedIds.add(img.id());
                return null;
            }));
        }
        finishDelete(deletedIds);
        return new PruneResult(out, space[0]);
    }

    // ---- helpers ----

    public static String shortId(String id) {
        String hex = id.substring(id.indexOf(':') + 1);
        return hex.length() > 12 ? hex.substring(0, 12) : hex;
    }

    /** Go's RFC3339Nano: fraction without trailing zeros. */
    public static String rfc3339Nano(Instant t) {
        String s = t.toString();
        int dot = s.indexOf('.');
        if (dot < 0) {
            return s;
        }
        String frac = s.substring(dot + 1, s.length() - 1).replaceAll("0+$", "");
        return s.substring(0, dot) + (frac.isEmpty() ? "" : "." + frac) + "Z";
    }

    @FunctionalInterface
    private interface SqlWork<T> {
        T run() throws SQLException;
    }

    private static <T> T sql(SqlWork<T> w) {
        try {
            return w.run();
        } catch (SQLException e) {
            throw new IllegalStateException("metadata database error: " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        }
    }
}
