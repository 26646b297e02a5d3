package dev.berth.daemon.volumes;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.api.Exchange;
import dev.berth.daemon.api.Filters;
import dev.berth.daemon.api.Router;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** {@code /volumes}: create, list, inspect, remove and prune, in the Engine API's shapes. */
public final class VolumeRoutes {
    private static final Set<String> LIST_FILTERS = Set.of("dangling", "driver", "label", "name");
    private static final Set<String> PRUNE_FILTERS = Set.of("label", "label!", "all");

    private final VolumeService volumes;

    public VolumeRoutes(VolumeService volumes) {
        this.volumes = volumes;
    }

    /** The body of {@code POST /volumes/create}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record CreateRequest(String name, String driver, Map<String, String> driverOpts, Map<String, String> labels) {}

    public void register(Router r) {
        r.post("/volumes/create", ex -> {
            CreateRequest req = ex.bodyJson(CreateRequest.class);
            if (req == null) {
                req = new CreateRequest("", "", Map.of(), Map.of());
            }
            VolumeRecord v = volumes.create(req.name(), req.driver(), req.driverOpts(), req.labels());
            ex.respondJson(201, toApi(v, null));
        });
        r.get("/volumes", this::list);
        r.post("/volumes/prune", this::prune);
        r.get("/volumes/{name}", ex -> {
            VolumeRecord v = volumes.get(ex.pathVar("name"));
            ex.respondJson(200, toApi(v, ex.queryBool("size", false) ? volumes.usage(v.name()) : null));
        });
        r.delete("/volumes/{name}", ex -> {
            volumes.remove(ex.pathVar("name"), ex.queryBool("force", false));
            ex.respondEmpty(204);
        });
    }

    /** Docker's Volume object; {@code UsageData} only when asked for (it walks the volume). */
    public Map<String, Object> toApi(VolumeRecord v, VolumeService.Usage usage) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("CreatedAt", v.createdAt());
        m.put("Driver", VolumeService.DRIVER);
        m.put("Labels", v.labels().isEmpty() ? null : new java.util.TreeMap<>(v.labels()));
        m.put("Mountpoint", volumes.mountpoint(v.name()).toString());
        m.put("Name", v.name());
        m.put("Options", v.options().isEmpty() ? null : new java.util.TreeMap<>(v.options()));
        m.put("Scope", "local");
        if (usage != null) {
            m.put("UsageData", Map.of("Size", usage.size(), "RefCount", usage.refCount()));
        }
        return m;
    }

    private void list(Exchange ex) {
        Filters f = ex.filters().allowOnly(LIST_FILTERS);
        Boolean dangling = null;
        for (String d : f.get("dangling")) {
            boolean value = switch (d.toLowerCase(java.util.Locale.ROOT)) {
                case "true", "1" -> true;
                case "false", "0" -> false;
                default -> throw ApiException.badRequest("invalid filter 'dangling=" + d + "'");
            };
            if (dangling != null && dangling != value) {
                ex.respondJson(200, Map.of("Volumes", List.of()));
                return;
            }
            dangling = value;
        }
        Predicate<String> name = matcher(f.get("name"));
        Predicate<String> driver = matcher(f.get("driver"));
        List<Map<String, Object>> out = new ArrayList<>();
        for (VolumeRecord v : volumes.list()) {
            if (!name.test(v.name()) || !driver.test(VolumeService.DRIVER) || !f.matchesLabels("label", v.labels())) {
                continue;
            }
            if (dangling != null && dangling != volumes.users(v.name()).isEmpty()) {
                continue;
            }
            out.add(toApi(v, null));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("Volumes", out);
        body.put("Warnings", null);
        ex.respondJson(200, body);
    }

    /** Docker matches {@code name} and {@code driver} filters as regular expressions found anywhere in the value. */
    private static Predicate<String> matcher(List<String> wanted) {
        if (wanted.isEmpty()) {
            return s -> true;
        }
        List<Predicate<String>> any = new ArrayList<>();
        for (String w : wanted) {
            try {
                Pattern p = Pattern.compile(w);
                any.add(s -> p.matcher(s).find());
            } catch (PatternSyntaxException e) {
                any.add(s -> s.contains(w));
            }
        }
        return s -> any.stream().anyMatch(p -> p.test(s));
    }

    private void prune(Exchange ex) {
        Filters f = ex.filters().allowOnly(PRUNE_FILTERS);
        // before API 1.42 prune removed every unused volume; since, only anonymous ones unless all=true
        boolean all = !ex.version().atLeast(1, 42);
        for (String a : f.get("all")) {
            all = switch (a.toLowerCase(java.util.Locale.ROOT)) {
                case "true", "1" -> true;
                case "false", "0" -> false;
                default -> throw ApiException.badRequest("invalid filter 'all=" + a + "'");
            };
        }
        VolumeService.PruneResult r = volumes.prune(all, v -> {
            if (!f.matchesLabels("label", v.labels())) {
                return false;
            }
            for (String neg : f.get("label!")) {
                if (new Filters(Map.of("l", List.of(neg))).matchesLabels("l", v.labels())) {
                    return false;
                }
            }
            return true;
        });
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("VolumesDeleted", r.deleted().isEmpty() ? null : r.deleted());
        out.put("SpaceReclaimed", r.spaceReclaimed());
        ex.respondJson(200, out);
    }
}
