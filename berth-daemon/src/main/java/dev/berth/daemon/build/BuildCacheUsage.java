package dev.berth.daemon.build;

import dev.berth.daemon.containers.ContainerService;
import dev.berth.daemon.images.ImageService;
import dev.berth.oci.ImageConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The build cache as {@code GET /system/df} and {@code POST /build/prune} see it: one
 * {@code regular} record per cache entry and
 * one {@code exec.cachemount} record per {@code RUN --mount=type=cache} directory. A record's
 * {@code Size} is what pruning it frees: the layers of its image that no image a prune keeps (tagged,
 * or used by a container) holds, each counted once, for the oldest record that has it; it is
 * {@code Shared} when the layer its step made stays anyway. So the docker CLI's total of the
 * unshared sizes is what a full prune frees. {@code InUse}: a container uses its image (for a
 * cache mount: a build is running).
 */
final class BuildCacheUsage {
    /** One record; {@code imageId} for regular records, {@code mount} for cache mounts. */
    record Item(String id, List<String> parents, String type, String description, boolean inUse, boolean shared, long size,
                long created, Long lastUsed, int usageCount, String imageId, Path mount) {}

    private BuildCacheUsage() {}

    static List<Item> items(ImageService images, ContainerService containers, BuildCache cache, Path cacheMounts,
                            boolean buildsRunning) throws SQLException, IOException {
        List<ImageService.ImageRecord> all = images.list();
        Map<String, ImageService.ImageRecord> byId = new HashMap<>();
        for (ImageService.ImageRecord r : all) {
            byId.put(r.id(), r);
        }
        List<BuildCache.Entry> entries = new ArrayList<>(cache.entries().reversed()); // oldest first: it gets a shared layer's size
        entries.removeIf(e -> !byId.containsKey(e.imageId()));
        Set<String> cacheImages = new HashSet<>();
        Map<String, List<String>> keysByImage = new HashMap<>();
        for (BuildCache.Entry e : entries) {
            cacheImages.add(e.imageId());
            keysByImage.computeIfAbsent(e.imageId(), k -> new ArrayList<>()).add(e.key());
        }
        // layers that stay whatever a prune does: those of every image a prune keeps
        Set<String> kept = new HashSet<>();
        for (ImageService.ImageRecord r : all) {
            if (!cacheImages.contains(r.id()) || !prunable(r, containers)) {
                kept.addAll(r.layers());
            }
        }
        Set<String> counted = new HashSet<>();
        List<Item> out = new ArrayList<>();
        for (BuildCache.Entry e : entries) {
            ImageService.ImageRecord img = byId.get(e.imageId());
            ImageService.ImageRecord parent = e.parentId() == null ? null : byId.get(e.parentId());
            int below = parent == null ? 0 : parent.layers().size();
            String top = img.layers().size() > below ? img.layers().getLast() : null;
            // the bytes a prune frees for this record: its image's layers nothing kept holds, not counted for an older record
            long size = 0;
            for (String l : img.layers()) {
                if (!kept.contains(l) && counted.add(l)) {
                    size += images.layerSize(l);
                }
            }
            boolean shared = size == 0 && top != null && kept.contains(top);
            List<String> parents = e.parentId() == null ? List.of() : keysByImage.getOrDefault(e.parentId(), List.of());
            out.add(new Item(e.key(), parents, "regular", description(img.config()), !containers.containersUsing(img.id()).isEmpty(),
                    shared, size, e.created(), e.lastUsed(), e.usageCount(), img.id(), null));
        }
        for (CacheMounts.Mount m : CacheMounts.list(cacheMounts)) {
            out.add(new Item(m.dir().getFileName().toString(), List.of(), "exec.cachemount", "cached mount " + m.info().id(),
                    buildsRunning, false, m.size(), m.info().created(), m.info().uses() == 0 ? null : m.info().lastUsed(),
                    m.info().uses(), null, m.dir()));
        }
        out.sort(java.util.Comparator.comparingLong(Item::created).reversed());
        return out;
    }

    /** Whether a prune may delete an image a cache entry names: untagged and no container uses it. */
    static boolean prunable(ImageService.ImageRecord r, ContainerService containers) {
        return r.dangling() && containers.containersUsing(r.id()).isEmpty();
    }

    private static String description(ImageConfig config) {
        List<ImageConfig.History> h = config.history();
        return h == null || h.isEmpty() || h.getLast().createdBy() == null ? "" : h.getLast().createdBy();
    }

    /** The Engine API's BuildCache object. */
    static Map<String, Object> toApi(Item i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ID", i.id());
        m.put("Parents", i.parents().isEmpty() ? null : i.parents());
        m.put("Type", i.type());
        m.put("Description", i.description());
        m.put("InUse", i.inUse());
        m.put("Shared", i.shared());
        m.put("Size", i.size());
        m.put("CreatedAt", Instant.ofEpochMilli(i.created()).toString());
        m.put("LastUsedAt", i.lastUsed() == null ? null : Instant.ofEpochMilli(i.lastUsed()).toString());
        m.put("UsageCount", i.usageCount());
        return m;
    }
}
