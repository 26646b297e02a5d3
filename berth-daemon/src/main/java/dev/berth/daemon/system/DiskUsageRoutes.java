package dev.berth.daemon.system;

import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.api.Exchange;
import dev.berth.daemon.api.Router;
import dev.berth.daemon.containers.ContainerRecord;
import dev.berth.daemon.containers.ContainerRoutes;
import dev.berth.daemon.containers.ContainerService;
import dev.berth.daemon.images.ImageService;
import dev.berth.daemon.volumes.VolumeRecord;
import dev.berth.daemon.volumes.VolumeRoutes;
import dev.berth.daemon.volumes.VolumeService;
import dev.berth.oci.ImageReference;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code GET /system/df}: what images, containers, volumes and the build cache take on disk. */
public final class DiskUsageRoutes {
    private static final Set<String> TYPES = Set.of("image", "container", "volume", "build-cache");

    private final ImageService images;
    private final ContainerService containers;
    private final ContainerRoutes containerRoutes;
    private final VolumeService volumes;
    private final VolumeRoutes volumeRoutes;
    private volatile java.util.function.Supplier<List<Map<String, Object>>> buildCache = List::of;

    public DiskUsageRoutes(ImageService images, ContainerService containers, ContainerRoutes containerRoutes,
                           VolumeService volumes, VolumeRoutes volumeRoutes) {
        this.images = images;
        this.containers = containers;
        this.containerRoutes = containerRoutes;
        this.volumes = volumes;
        this.volumeRoutes = volumeRoutes;
    }

    /** Where the build cache records come from (the builder registers after this). */
    public void setBuildCache(java.util.function.Supplier<List<Map<String, Object>>> records) {
        this.buildCache = records;
    }

    public void register(Router r) {
        r.get("/system/df", this::df);
    }

    private void df(Exchange ex) {
        Set<String> types = new HashSet<>(ex.queryAll("type"));
        for (String t : types) {
            if (!TYPES.contains(t)) {
                throw ApiException.badRequest("invalid type: " + t);
            }
        }
        boolean all = types.isEmpty();
        Map<String, Object> out = new LinkedHashMap<>();
        List<ContainerRecord> ctrs = containers.list();
        if (all || types.contains("image")) {
            imageUsage(out, ctrs);
        }
        if (all || types.contains("container")) {
            List<Map<String, Object>> cs = new ArrayList<>();
            for (ContainerRecord c : ctrs) {
                cs.add(containerRoutes.summary(c, true));
            }
            out.put("Containers", cs);
        }
        if (all || types.contains("volume")) {
            List<Map<String, Object>> vs = new ArrayList<>();
            for (VolumeRecord v : volumes.list()) {
                vs.add(volumeRoutes.toApi(v, volumes.usage(v.name())));
            }
            out.put("Volumes", vs);
        }
        if (all || types.contains("build-cache")) {
            List<Map<String, Object>> bc = buildCache.get();
            out.put("BuildCache", bc);
            if (!ex.version().atLeast(1, 42)) {
                // the total, as dockerd still sends it to clients older than 1.42
                out.put("BuilderSize", bc.stream().mapToLong(m -> ((Number) m.get("Size")).longValue()).sum());
            }
        }
        ex.respondJson(200, out);
    }

    /** Images with how many containers use each and the bytes each shares with other images; LayersSize counts each layer once. */
    private void imageUsage(Map<String, Object> out, List<ContainerRecord> ctrs) {
        List<ImageService.ImageRecord> all = images.list();
        Map<String, Integer> layerUsers = new HashMap<>();
        Map<String, Long> layerSize = new HashMap<>();
        for (ImageService.ImageRecord r : all) {
            for (String l : new HashSet<>(r.layers())) {
                layerUsers.merge(l, 1, Integer::sum);
                layerSize.computeIfAbsent(l, images::layerSize);
            }
        }
        Map<String, Integer> ctrCount = new HashMap<>();
        for (ContainerRecord c : ctrs) {
            ctrCount.merge(c.image(), 1, Integer::sum);
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (ImageService.ImageRecord r : all) {
            long shared = 0;
            for (String l : new HashSet<>(r.layers())) {
                if (layerUsers.get(l) > 1) {
                    shared += layerSize.get(l);
                }
            }
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("Containers", ctrCount.getOrDefault(r.id(), 0));
            s.put("Created", r.created().getEpochSecond());
            s.put("Id", r.id());
            s.put("Labels", r.labels());
            s.put("ParentId", "");
            s.put("RepoDigests", r.digests().stream().map(ImageReference::familiar).toList());
            s.put("RepoTags", r.tags().stream().map(ImageReference::familiar).toList());
            s.put("SharedSize", shared);
            s.put("Size", r.size());
            list.add(s);
        }
        out.put("LayersSize", layerSize.values().stream().mapToLong(Long::longValue).sum());
        out.put("Images", list);
    }
}
