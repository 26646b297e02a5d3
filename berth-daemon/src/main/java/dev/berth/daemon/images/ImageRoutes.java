package dev.berth.daemon.images;

import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.api.Exchange;
import dev.berth.daemon.api.Filters;
import dev.berth.daemon.api.Router;
import dev.berth.daemon.images.ImageService.ImageRecord;
import dev.berth.oci.ImageConfig;
import dev.berth.oci.ImageReference;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/** The /images endpoints of the Engine API, over {@link ImageService}. */
public final class ImageRoutes {
    private static final Set<String> LIST_FILTERS = Set.of("before", "dangling", "label", "reference", "since", "until");
    private static final Set<String> PRUNE_FILTERS = Set.of("dangling", "label", "label!", "until");

    private final ImageService images;
    private final dev.berth.daemon.api.RouteHandler pull;

    public ImageRoutes(ImageService images) {
        this(images, ex -> {
            throw new ApiException(501, "pulling images is not supported by this daemon");
        });
    }

    /** With {@code pull} answering {@code POST /images/create?fromImage=...}. */
    public ImageRoutes(ImageService images, dev.berth.daemon.api.RouteHandler pull) {
        this.images = images;
        this.pull = pull;
    }

    public void register(Router r) {
        r.post("/images/create", this::create);
        r.get("/images/json", this::list);
        r.post("/images/prune", this::prune);
        r.get("/images/{name...}/json", this::inspect);
        r.get("/images/{name...}/history", this::history);
        r.post("/images/{name...}/tag", this::tag);
        r.delete("/images/{name...}", this::delete);
    }

    // ---- create (import) ----

    private void create(Exchange ex) throws Exception {
        if (ex.query("fromImage") != null && !ex.query("fromImage").isEmpty()) {
            pull.handle(ex);
            return;
        }
        String src = ex.query("fromSrc", "");
        if (!src.equals("-")) {
            throw ApiException.badRequest(src.isEmpty() ? "fromImage or fromSrc is required"
                    : "importing from a URL is not supported; send the archive in the request body (fromSrc=-)");
        }
        ImageReference tag = repoTag(ex.query("repo", ""), ex.query("tag", ""));
        String message = ex.query("message", "");
        if (message.isEmpty()) {
            message = "Imported from " + src;
        }
        ImageService.Platform platform = platform(ex.query("platform", ""), images.hostPlatform());
        String id = images.importImage(ex.bodyStream(), tag, message, ex.queryAll("changes"), platform);
        try (OutputStream out = ex.startStream(200, "application/json")) {
            out.write(ex.json().write(Map.of("status", id)));
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** Docker's RepoTagReference: the repo (normalised) with the tag, or {@code latest}. */
    /** {@code repo} with {@code tag} (default latest), or null when no repository is given; 400 for bad names. */
    public static ImageReference repoTag(String repo, String tag) {
        if (repo.isEmpty()) {
            return null;
        }
        try {
            ImageReference r = ImageReference.parse(repo);
            if (r.digest() != null) {
                throw ApiException.badRequest("cannot import digest reference");
            }
            return tag.isEmpty() ? r.withDefaultTag() : r.withTag(tag);
        } catch (ImageReference.InvalidReferenceException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    /** Parses {@code os[/arch[/variant]]} as docker does ({@link PlatformSpec}); empty means {@code host}. */
    public static ImageService.Platform platform(String spec, ImageService.Platform host) {
        if (spec.isEmpty()) {
            return host;
        }
        ImageService.Platform p;
        try {
            p = PlatformSpec.parse(spec, host);
        } catch (PlatformSpec.InvalidPlatformException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        if (!p.os().equals("linux")) {
            throw ApiException.badRequest("operating system is not supported: " + p.os());
        }
        return p;
    }

    // ---- list ----

    private void list(Exchange ex) {
        Filters f = ex.filters().allowOnly(LIST_FILTERS);
        Boolean dangling = danglingFilter(f);
        Predicate<ImageRecord> keep = r -> f.matchesLabels("label", r.labels());
        keep = keep.and(timeFilters(f));
        List<Map<String, Object>> out = new ArrayList<>();
        boolean all = ex.queryBool("all", false);
        for (ImageRecord r : images.list()) {
            if (!keep.test(r)) {
                continue;
            }
            if (!all && r.dangling() && images.isIntermediate(r.id())) {
                continue;
            }
            if (dangling != null && dangling != r.dangling()) {
                continue;
            }
            List<String> tags = new ArrayList<>();
            List<String> repoDigests = new ArrayList<>();
            for (ImageReference t : r.tags()) {
                if (matchesReference(f, t)) {
                    tags.add(t.familiar());
                }
            }
            for (ImageReference d : r.digests()) {
                if (matchesReference(f, d)) {
                    repoDigests.add(d.familiar());
                }
            }
            if (f.has("reference") && tags.isEmpty() && repoDigests.isEmpty()) {
                continue;
            }
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("Containers", -1);
            s.put("Created", r.created().getEpochSecond());
            s.put("Id", r.id());
            s.put("Labels", r.labels());
            s.put("ParentId", "");
            s.put("RepoDigests", repoDigests);
            s.put("RepoTags", tags);
            s.put("SharedSize", -1);
            s.put("Size", r.size());
            if (!ex.version().atLeast(1, 44)) {
                s.put("VirtualSize", r.size());
            }
            out.add(s);
        }
        ex.respondJson(200, out);
    }

    private static boolean matchesReference(Filters f, ImageReference ref) {
        try {
            return f.matchesAny("reference", ref::familiarMatch);
        } catch (ImageReference.InvalidReferenceException badPattern) {
            throw ApiException.badRequest(badPattern.getMessage());
        }
    }

    private static Boolean danglingFilter(Filters f) {
        if (!f.has("dangling")) {
            return null;
        }
        List<String> v = f.get("dangling");
        for (String s : v) {
            if (!s.equalsIgnoreCase("true") && !s.equalsIgnoreCase("false") && !s.equals("1") && !s.equals("0")) {
                throw ApiException.badRequest("invalid filter 'dangling=" + s + "'");
            }
        }
        return v.stream().anyMatch(s -> s.equalsIgnoreCase("true") || s.equals("1"));
    }

    private Predicate<ImageRecord> timeFilters(Filters f) {
        Predicate<ImageRecord> p = r -> true;
        for (String b : f.get("before")) {
            Instant t = images.find(b).created();
            p = p.and(r -> r.created().isBefore(t));
        }
        for (String s : f.get("since")) {
            Instant t = images.find(s).created();
            p = p.and(r -> r.created().isAfter(t));
        }
        for (String u : f.get("until")) {
            Instant t = timestamp(u);
            p = p.and(r -> r.created().isBefore(t));
        }
        return p;
    }

    /** Docker's filter timestamps: unix seconds (with fraction), RFC 3339, or a duration ago (10m, 24h). */
    static Instant timestamp(String v) {
        try {
            if (v.matches("\\d+(\\.\\d+)?")) {
                double secs = Double.parseDouble(v);
                return Instant.ofEpochSecond((long) secs, (long) ((secs - Math.floor(secs)) * 1e9));
            }
            if (v.matches("(\\d+(\\.\\d+)?(ns|us|ms|s|m|h))+")) {
                return Instant.now().minus(goDuration(v));
            }
            return v.length() == 10 ? Instant.parse(v + "T00:00:00Z") : Instant.parse(v);
        } catch (DateTimeParseException | NumberFormatException e) {
            throw ApiException.badRequest("failed to parse value as time or duration: \"" + v + "\"");
        }
    }

    private static Duration goDuration(String v) {
        Duration d = Duration.ZERO;
        var m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|ms|s|m|h)").matcher(v);
        while (m.find()) {
            double n = Double.parseDouble(m.group(1));
            long nanos = (long) (n * switch (m.group(2)) {
                case "ns" -> 1;
                case "us" -> 1_000;
                case "ms" -> 1_000_000;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
            });
            d = d.plusNanos(nanos);
        }
        return d;
    }

    // ---- inspect ----

    private void inspect(Exchange ex) {
        ImageRecord r = images.find(ex.pathVar("name"));
        ImageConfig c = r.config();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Id", r.id());
        m.put("RepoTags", r.tags().stream().map(ImageReference::familiar).toList());
        m.put("RepoDigests", r.digests().stream().map(ImageReference::familiar).toList());
        m.put("Parent", "");
        m.put("Comment", c.comment() == null ? "" : c.comment());
        m.put("Created", c.created());
        m.put("DockerVersion", "");
        m.put("Author", c.author() == null ? "" : c.author());
        m.put("Config", c.config());
        m.put("Architecture", c.architecture());
        if (c.variant() != null) {
            m.put("Variant", c.variant());
        }
        m.put("Os", c.os());
        m.put("Size", r.size());
        if (!ex.version().atLeast(1, 44)) {
            m.put("VirtualSize", r.size());
        }
        m.put("GraphDriver", Map.of("Name", "overlay2", "Data", graphDriverData(images.layerDirs(r))));
        m.put("RootFS", Map.of("Type", "layers",
                "Layers", c.rootfs() == null || c.rootfs().diffIds() == null ? List.of() : c.rootfs().diffIds()));
        Map<String, Object> meta = new LinkedHashMap<>();
        if (r.lastTagTime() != null) {
            meta.put("LastTagTime", r.lastTagTime());
        }
        m.put("Metadata", meta);
        ex.respondJson(200, m);
    }

    /** overlay2's description of an image: the top layer is UpperDir, the ones below LowerDir (top first). */
    private static Map<String, String> graphDriverData(List<Path> dirs) {
        Map<String, String> d = new LinkedHashMap<>();
        if (dirs.isEmpty()) {
            return d;
        }
        Path top = dirs.getLast();
        if (dirs.size() > 1) {
            List<String> lower = new ArrayList<>();
            for (int i = dirs.size() - 2; i >= 0; i--) {
                lower.add(dirs.get(i).toString());
            }
            d.put("LowerDir", String.join(":", lower));
        }
        d.put("MergedDir", top.resolveSibling("merged").toString());
        d.put("UpperDir", top.toString());
        d.put("WorkDir", top.resolveSibling("work").toString());
        return d;
    }

    // ---- history ----

    private void history(Exchange ex) {
        ImageRecord r = images.find(ex.pathVar("name"));
        List<ImageConfig.History> hist = r.config().history() == null ? List.of() : r.config().history();
        List<Long> layerSizes = new ArrayList<>();
        for (String chain : r.layers()) {
            layerSizes.add(layerSize(chain));
        }
        List<Map<String, Object>> out = new ArrayList<>();
        int layer = 0;
        List<Map<String, Object>> bottomUp = new ArrayList<>();
        for (ImageConfig.History h : hist) {
            boolean empty = Boolean.TRUE.equals(h.emptyLayer());
            long size = 0;
            if (!empty) {
                size = layer < layerSizes.size() ? layerSizes.get(layer) : 0;
                layer++;
            }
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("Id", "<missing>");
            Instant created;
            try {
                created = h.created() == null ? Instant.EPOCH : Instant.parse(h.created());
            } catch (DateTimeParseException bad) {
                created = Instant.EPOCH;
            }
            e.put("Created", created.getEpochSecond());
            e.put("CreatedBy", h.createdBy() == null ? "" : h.createdBy());
            e.put("Tags", null);
            e.put("Size", size);
            e.put("Comment", h.comment() == null ? "" : h.comment());
            bottomUp.add(e);
        }
        for (int i = bottomUp.size() - 1; i >= 0; i--) {
            out.add(bottomUp.get(i));
        }
        if (!out.isEmpty()) {
            out.getFirst().put("Id", r.id());
            out.getFirst().put("Tags", r.tags().stream().map(ImageReference::familiar).toList());
        }
        ex.respondJson(200, out);
    }

    private long layerSize(String chainId) {
        return images.layerSize(chainId);
    }

    // ---- tag, delete, prune ----

    private void tag(Exchange ex) {
        String repo = ex.query("repo", "");
        if (repo.isEmpty()) {
            throw ApiException.badRequest("repository name must have at least one component");
        }
        images.tag(ex.pathVar("name"), repo, ex.query("tag", ""));
        ex.respondEmpty(201);
    }

    private void delete(Exchange ex) {
        ex.respondJson(200, images.delete(ex.pathVar("name"), ex.queryBool("force", false), !ex.queryBool("noprune", false)));
    }

    private void prune(Exchange ex) {
        Filters f = ex.filters().allowOnly(PRUNE_FILTERS);
        Boolean dangling = danglingFilter(f);
        Predicate<ImageRecord> keep = r -> f.matchesLabels("label", r.labels());
        for (String neg : f.get("label!")) {
            keep = keep.and(r -> !new Filters(Map.of("l", List.of(neg))).matchesLabels("l", r.labels()));
        }
        for (String u : f.get("until")) {
            Instant t = timestamp(u);
            keep = keep.and(r -> r.created().isBefore(t));
        }
        ImageService.PruneResult res = images.prune(dangling == null || dangling, keep);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("ImagesDeleted", res.deleted().isEmpty() ? null : res.deleted());
        out.put("SpaceReclaimed", res.spaceReclaimed());
        ex.respondJson(200, out);
    }
}
