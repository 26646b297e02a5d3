package dev.berth.daemon.build;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.api.Exchange;
import dev.berth.daemon.api.Router;
import dev.berth.daemon.containers.ContainerService;
import dev.berth.daemon.images.ImageRoutes;
import dev.berth.daemon.images.ImageService;
import dev.berth.daemon.store.MetadataDb;
import dev.berth.oci.ImageReference;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/** {@code POST /build} (the classic builder) and {@code POST /build/prune}. */
public final class BuildRoutes {
    private static final Logger LOG = Logger.getLogger(BuildRoutes.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ImageService images;
    private final ContainerService containers;
    private final BuildCache cache;
    private final Path workDir;
    private final Path cacheMounts;
    private final java.util.concurrent.atomic.AtomicInteger activeBuilds = new java.util.concurrent.atomic.AtomicInteger();
    /** Memory the contexts of running builds may be kept in (MiB); beyond it they are spooled to files. */
    private final ContextSpool.Budget spoolMemory = new ContextSpool.Budget(256);
    private volatile BasePuller puller = (ref, platform, out) -> {
        throw new IOException("pulling images is not supported by this daemon");
    };

    /** @param dataRoot the daemon's data root: contexts are extracted under it, RUN cache mounts kept there */
    public BuildRoutes(ImageService images, ContainerService containers, MetadataDb db, Path dataRoot) throws SQLException {
        this.images = images;
        this.containers = containers;
        this.cache = new BuildCache(db);
        this.workDir = dataRoot.resolve("build").resolve("tmp");
        this.cacheMounts = dataRoot.resolve("build").resolve("cache-mounts");
        // contexts and mounts of builds cut short by a crash
        RunMounts.unmountLeftovers(workDir);
        try {
            dev.berth.oci.LayerArchive.removeTree(workDir);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot clear " + workDir, e);
        }
    }

    /** How FROM gets an image that is not here (or every time with {@code pull}). */
    public void setPuller(BasePuller puller) {
        this.puller = puller;
    }

    public void register(Router router) {
        router.post("/build", this::build);
        router.bodyFromSocket(io.netty.handler.codec.http.HttpMethod.POST, "/build");
        router.post("/build/prune", this::prune);
    }

    private void build(Exchange ex) throws Exception {
        String remote = ex.query("remote", "");
        boolean git = !remote.isEmpty() && GitContext.isGitUrl(remote);
        if (git) {
            GitContext.parse(remote); // a hostile URL is a 400 before anything runs
        } else if (!remote.isEmpty() && !remote.startsWith("http://") && !remote.startsWith("https://")) {
            throw ApiException.badRequest("unable to prepare context: remoteURL (" + remote + ") could not be recognized as URL");
        }
        List<ImageReference> tags = new ArrayList<>();
        for (String t : ex.queryAll("t")) {
            try {
                ImageReference r = ImageReference.parse(t);
                if (r.digest() != null) {
                    throw ApiException.badRequest("invalid reference format: " + t + " (a tag cannot have a digest)");
                }
                tags.add(r.withDefaultTag());
            } catch (ImageReference.InvalidReferenceException e) {
                throw ApiException.badRequest("invalid reference format: " + e.getMessage());
            }
        }
        Map<String, String> buildArgs = jsonMap(ex, "buildargs");
        Map<String, String> labels = jsonMap(ex, "labels");
        ObjectNode host = JSON.createObjectNode();
        putLong(ex, host, "memory", "Memory");
        putLong(ex, host, "memswap", "MemorySwap");
        putLong(ex, host, "cpushares", "CpuShares");
        putLong(ex, host, "cpuperiod", "CpuPeriod");
        putLong(ex, host, "cpuquota", "CpuQuota");
        putLong(ex, host, "shmsize", "ShmSize");
        if (!ex.query("cpusetcpus", "").isEmpty()) {
            host.put("CpusetCpus", ex.query("cpusetcpus"));
        }
        if (!ex.query("extrahosts", "").isEmpty()) {
            var a = host.putArray("ExtraHosts");
            for (String h : ex.queryAll("extrahosts")) {
                a.add(h);
            }
        }
        String network = ex.query("networkmode", "default");
        String platformSpec = ex.query("platform", "");
        ImageService.Platform platform = platformSpec.isEmpty() ? null : ImageRoutes.platform(platformSpec, images.hostPlatform());
        Builder.Options opt = new Builder.Options(tags, ex.query("dockerfile", "Dockerfile"), buildArgs, ex.query("target", ""),
                ex.queryBool("nocache", false), ex.queryBool("rm", true), ex.queryBool("forcerm", false), labels,
                network.isEmpty() ? "default" : network, host, () -> !ex.isOpen(), ex.queryBool("pull", false), platform);
        boolean quiet = ex.queryBool("q", false);
        long t0 = System.nanoTime();
        activeBuilds.incrementAndGet();
        // a context body that repeats the retained one is built from the cache while it arrives
        BuildPreview preview = remote.isEmpty() && !opt.noCache() && !opt.pull()
                ? new BuildPreview(workDir, opt.dockerfileName(), (ctx, abandoned) -> preview(ctx, opt.stoppingWhen(abandoned), quiet))
                : null;
        try (BuildContext ctx = remote.isEmpty() ? BuildContext.extract(ex.bodyStream(), workDir, opt.dockerfileName(), spoolMemory, preview)
                : git ? GitContext.fetch(remote, workDir, opt.dockerfileName(), spoolMemory)
                : BuildContext.fetch(remote, workDir, opt.dockerfileName(), spoolMemory)) {
            long t1 = System.nanoTime();
            LOG.fine(() -> "build context extracted in ms " + (t1 - t0) / 1_000_000);
            BuildPreview.Result found = preview == null ? null : preview.resultFor(ctx);
            // an image deleted since the preview found it is made again by the build
            BuildPreview.Result previewed = found != null && images.exists(found.imageId()) ? found : null;
            OutputStream raw = ex.startStream(200, "application/json");
            try (raw) {
                BuildOutput out = BuildOutput.of(raw, quiet);
                try (WorkDir scratch = WorkDir.under(workDir, "steps-")) {
                    String id;
                    if (previewed != null) {
                        raw.write(previewed.output());
                        cache.touch(previewed.usedKeys());
                        id = previewed.imageId();
                    } else {
                        id = new Builder(images, containers, cache, ctx, opt, out, scratch, cacheMounts, puller).build();
                    }
                    long t2 = System.nanoTime();
                    LOG.fine(() -> "build steps done in ms " + (t2 - t1) / 1_000_000 + (previewed != null ? " (previewed)" : ""));
                    // the closing messages in one write
                    BuildOutput end = out.buffered();
                    try {
                        end.aux(id);
                        end.stream("Successfully built " + ImageService.shortId(id) + "\n");
                        for (ImageReference t : tags) {
                            images.tag(id, t.toString(), null);
                            end.stream("Successfully tagged " + t.familiar() + "\n");
                        }
                        if (quiet) {
                            end.always(id + "\n");
                        }
                    } finally {
                        end.flushTo(); // before an error a tag gave
                    }
                } catch (Builder.BuildFailure f) {
                    out.error(f.getMessage(), f.code);
                } catch (ApiException e) {
                    out.error(e.getMessage(), 1);
                } catch (IOException | SQLException | RuntimeException e) {
                    LOG.log(Level.WARNING, "build failed", e);
                    out.error(String.valueOf(e.getMessage()), 1);
                }
            }
        } finally {
            if (preview != null) {
                preview.abandon();
            }
            activeBuilds.decrementAndGet();
        }
    }

    /** A build of {@code ctx} from the cache alone, its messages kept ({@link BuildPreview}). */
    private BuildPreview.Result preview(BuildContext ctx, Builder.Options opt, boolean quiet) throws Exception {
        java.io.ByteArrayOutputStream messages = new java.io.ByteArrayOutputStream();
        try (WorkDir scratch = WorkDir.under(workDir, "steps-")) {
            Builder b = new Builder(images, containers, cache, ctx, opt, BuildOutput.of(messages, quiet), scratch, cacheMounts, puller, true);
            String id = b.build();
            return new BuildPreview.Result(id, messages.toByteArray(), b.usedKeys());
        }
    }

    /** The build cache records for {@code GET /system/df}, newest first. */
    public List<Map<String, Object>> diskUsage() {
        try {
            return BuildCacheUsage.items(images, containers, cache, cacheMounts, activeBuilds.get() > 0).stream()
                    .map(BuildCacheUsage::toApi).toList();
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("cannot read the build cache: " + e.getMessage(), e);
        }
    }

    private static final java.util.Set<String> PRUNE_FILTERS = java.util.Set.of("until", "id", "parent", "type", "description",
            "inuse", "shared", "private");

    /**
     * Drops the cache records the filters select (never those in use) and deletes what only they
     * kept: untagged images no container uses (newest first, so children go before parents) and
     * cache-mount directories. {@code reserved-space} (or the older {@code keep-storage}) keeps the
     * most recently used records up to that many bytes. {@code SpaceReclaimed} is what left the
     * disk: the layers no image holds any more and the cache mounts removed.
     */
    private void prune(Exchange ex) throws Exception {
        dev.berth.daemon.api.Filters f = ex.filters().allowOnly(PRUNE_FILTERS);
        Instant until = f.has("until") ? until(f.get("until").getFirst()) : null;
        Long reserved = ex.queryLong("reserved-space");
        if (reserved == null) {
            reserved = ex.queryLong("keep-storage");
        }
        List<BuildCacheUsage.Item> items = BuildCacheUsage.items(images, containers, cache, cacheMounts, activeBuilds.get() > 0);
        List<BuildCacheUsage.Item> chosen = new ArrayList<>();
        for (BuildCacheUsage.Item i : items) {
            if (!i.inUse() && matches(f, i, until)) {
                chosen.add(i);
            }
        }
        if (reserved != null && reserved > 0) {
            // keep the most recently used within the reserve
            chosen.sort(java.util.Comparator.comparingLong((BuildCacheUsage.Item i) -> i.lastUsed() == null ? i.created() : i.lastUsed())
                    .reversed());
            long keptBytes = 0;
            for (var it = chosen.iterator(); it.hasNext(); ) {
                BuildCacheUsage.Item i = it.next();
                long cost = i.shared() ? 0 : i.size();
                if (keptBytes + cost > reserved) {
                    break;
                }
                keptBytes += cost;
                it.remove();
            }
        }
        Map<String, Long> layersBefore = layerSizes();
        long mountBytes = 0;
        List<String> deleted = new ArrayList<>();
        cache.remove(chosen.stream().filter(i -> i.imageId() != null).map(BuildCacheUsage.Item::id).toList());
        java.util.Set<String> stillCached = new java.util.HashSet<>();
        for (BuildCache.Entry e : cache.entries()) {
            stillCached.add(e.imageId());
        }
        for (BuildCacheUsage.Item i : chosen) {
            if (i.mount() != null) {
                CacheMounts.remove(i.mount());
                mountBytes += i.size();
                deleted.add(i.id());
                continue;
            }
            deleted.add(i.id());
            if (stillCached.contains(i.imageId())) {
                continue;
            }
            ImageService.ImageRecord r;
            try {
                r = images.find(i.imageId());
            } catch (ApiException gone) {
                continue;
            }
            if (!BuildCacheUsage.prunable(r, containers)) {
                continue;
            }
            try {
                images.delete(r.id(), false, false);
            } catch (ApiException inUse) {
                LOG.fine(() -> "build prune keeps " + r.id() + ": " + inUse.getMessage());
            }
        }
        Map<String, Long> layersAfter = layerSizes();
        long reclaimed = mountBytes;
        for (var e : layersBefore.entrySet()) {
            if (!layersAfter.containsKey(e.getKey())) {
                reclaimed += e.getValue();
            }
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("CachesDeleted", deleted);
        r.put("SpaceReclaimed", reclaimed);
        ex.respondJson(200, r);
    }

    /** Every layer any image holds, with its size. */
    private Map<String, Long> layerSizes() {
        Map<String, Long> out = new java.util.HashMap<>();
        for (ImageService.ImageRecord r : images.list()) {
            for (String l : r.layers()) {
                out.computeIfAbsent(l, images::layerSize);
            }
        }
        return out;
    }

    private static boolean matches(dev.berth.daemon.api.Filters f, BuildCacheUsage.Item i, Instant until) {
        if (until != null && !Instant.ofEpochMilli(i.lastUsed() == null ? i.created() : i.lastUsed()).isBefore(until)) {
            return false;
        }
        if (f.has("id") && !f.get("id").contains(i.id())) {
            return false;
        }
        if (f.has("parent") && f.get("parent").stream().noneMatch(i.parents()::contains)) {
            return false;
        }
        if (f.has("type") && !f.get("type").contains(i.type())) {
            return false;
        }
        if (f.has("description") && f.get("description").stream().noneMatch(d -> i.description().contains(d))) {
            return false;
        }
        if (f.has("inuse") && !i.inUse()) {
            return false;
        }
        if (f.has("shared") && !i.shared()) {
            return false;
        }
        return !f.has("private") || !i.shared();
    }

    /** {@code until}: a Go duration before now ("24h"), unix seconds, or an RFC 3339 time. */
    private static Instant until(String v) {
        try {
            if (v.matches("\\d+(\\.\\d+)?")) {
                return Instant.ofEpochMilli((long) (Double.parseDouble(v) * 1000));
            }
            if (v.contains("T") || v.contains("-")) {
                return java.time.OffsetDateTime.parse(v).toInstant();
            }
            return Instant.now().minusNanos(dev.berth.dockerfile.GoDuration.parse(v));
        } catch (RuntimeException e) {
            throw ApiException.badRequest("invalid filter 'until=" + v + "'");
        }
    }

    /** Whether an image is an intermediate build step another step started from. */
    public boolean isIntermediate(String imageId) {
        return cache.hasChildren(imageId);
    }

    private static Map<String, String> jsonMap(Exchange ex, String name) {
        String v = ex.query(name, "");
        if (v.isEmpty()) {
            return Map.of();
        }
        try {
            Map<String, String> m = JSON.readValue(v, new TypeReference<LinkedHashMap<String, String>>() {});
            return m == null ? Map.of() : m;
        } catch (IOException e) {
            throw ApiException.badRequest("invalid " + name + " parameter: " + e.getMessage());
        }
    }

    private static void putLong(Exchange ex, ObjectNode host, String query, String field) {
        Long v = ex.queryLong(query);
        if (v != null && v != 0) {
            host.put(field, v);
        }
    }
}
