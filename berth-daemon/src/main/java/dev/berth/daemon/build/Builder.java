package dev.berth.daemon.build;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.containers.ContainerConfigSpec;
import dev.berth.daemon.containers.ContainerService;
import dev.berth.daemon.images.ConfigChanges;
import dev.berth.daemon.distribution.Manifests;
import dev.berth.daemon.images.ImageService;
import dev.berth.daemon.images.PlatformSpec;
import dev.berth.daemon.runtime.ContainerLog;
import dev.berth.daemon.runtime.UserResolver;
import dev.berth.dockerfile.BuildArgs;
import dev.berth.dockerfile.BuildGraph;
import dev.berth.dockerfile.ContextFiles;
import dev.berth.dockerfile.DockerfileModel;
import dev.berth.dockerfile.DockerfileParser;
import dev.berth.dockerfile.DockerfileSyntaxException;
import dev.berth.dockerfile.GoText;
import dev.berth.dockerfile.Instruction;
import dev.berth.dockerfile.MountSpec;
import dev.berth.dockerfile.ParsedDockerfile;
import dev.berth.dockerfile.StageEvaluator;
import dev.berth.oci.ContainerConfig;
import dev.berth.oci.ImageConfig;
import dev.berth.oci.ImageReference;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * One classic build: parses the Dockerfile, builds the stages the target needs (independent
 * stages of a wave on their own virtual threads), each instruction as one step that becomes an
 * image, found in the {@link BuildCache} when its parent, its text and its files are unchanged.
 * RUN steps run in ordinary containers; COPY, ADD and WORKDIR write their layer directly;
 * the other instructions only change the image config.
 */
final class Builder {
    /** The build's options from the request. */
    record Options(List<ImageReference> tags, String dockerfileName, Map<String, String> buildArgs, String target,
                   boolean noCache, boolean rm, boolean forceRm, Map<String, String> labels, String networkMode,
                   ObjectNode hostConfig, java.util.function.BooleanSupplier cancelled, boolean pull,
                   ImageService.Platform platform) {
        /** The same options for a build that also stops when {@code stop} says so. */
        Options stoppingWhen(java.util.function.BooleanSupplier stop) {
            java.util.function.BooleanSupplier c = cancelled;
            return new Options(tags, dockerfileName, buildArgs, target, noCache, rm, forceRm, labels, networkMode, hostConfig,
                    () -> stop.getAsBoolean() || c.getAsBoolean(), pull, platform);
        }
    }

    /** A failed build: Docker's message and the code the client exits with. */
    static final class BuildFailure extends Exception {
        final int code;

        BuildFailure(String message, int code) {
            super(message);
            this.code = code;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(Builder.class.getName());

    private final ImageService images;
    private final ContainerService containers;
    private final BuildCache cache;
    private final BuildContext context;
    private final Options opt;
    private final BuildOutput out;
    private final WorkDir scratchDir;
    private final Path cacheMounts;
    private final CopyPlan.ContentHashes hashes;
    private final FileView contextView;
    /** Cache entries this build used; their use is recorded once at the end. */
    private final java.util.Set<String> usedKeys = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final BasePuller puller;
    /** A {@link BuildPreview}'s run: nothing but cache hits, no effect (see {@link BuildPreview.Miss}), the uses recorded by the caller. */
    private final boolean preview;

    Builder(ImageService images, ContainerService containers, BuildCache cache, BuildContext context, Options opt, BuildOutput out,
            WorkDir scratchDir, Path cacheMounts, BasePuller puller) {
        this(images, containers, cache, context, opt, out, scratchDir, cacheMounts, puller, false);
    }

    Builder(ImageService images, ContainerService containers, BuildCache cache, BuildContext context, Options opt, BuildOutput out,
            WorkDir scratchDir, Path cacheMounts, BasePuller puller, boolean preview) {
        this.preview = preview;
        this.puller = puller;
        this.images = images;
        this.containers = containers;
        this.cache = cache;
        this.context = context;
        this.opt = opt;
        this.out = out;
        this.scratchDir = scratchDir;
        this.cacheMounts = cacheMounts;
        this.contextView = context.view();
        this.hashes = new CopyPlan.ContentHashes();
    }

    /** The state of one stage as its steps go. */
    private final class Stage {
        final int index;
        final BuildOutput out;
        String imageId; // null until the first step when FROM scratch
        ImageConfig config;
        List<java.nio.file.Path> layerDirs = List.of(); // imageId's, kept so that a step's view asks the database nothing
        StageEvaluator ev;
        boolean cmdSet;
        int step;
        final int total;

        Stage(int index, BuildOutput out, int firstStep, int total) {
            this.index = index;
            this.out = out;
            this.step = firstStep;
            this.total = total;
        }

        FileView view() {
            return imageId == null ? FileView.EMPTY : FileView.ofImageLayers(layerDirs);
        }

        /** The stage continues from this image. */
        void moveTo(ImageService.ImageRecord r) {
            imageId = r.id();
            config = r.config();
            layerDirs = images.layerDirs(r);
        }
    }

    /** Runs the build; returns the final image ID. */
    String build() throws BuildFailure, IOException, SQLException, InterruptedException {
        DockerfileModel model;
        ParsedDockerfile parsed;
        BuildArgs args;
        BuildGraph graph;
        Map<String, String> global;
        int target;
        try {
            parsed = DockerfileParser.parse(context.dockerfile());
            model = DockerfileModel.of(parsed);
            String host = Manifests.format(images.hostPlatform());
            args = new BuildArgs(opt.buildArgs(), BuildArgs.platformArgs(opt.platform() == null ? host : Manifests.format(opt.platform()), host));
            global = args.globalScope(model);
            graph = BuildGraph.of(model, global);
            target = graph.target(opt.target());
        } catch (DockerfileSyntaxException e) {
            throw new BuildFailure(e.getMessage(), 1);
        }
        List<List<Integer>> waves = graph.waves(target);
        Map<Integer, Integer> firstStep = new HashMap<>();
        int total = 0;
        for (int i : graph.needed(target)) {
            firstStep.put(i, total + 1);
            total += 1 + graph.node(i).stage().instructions().size();
        }
        boolean extraLabels = opt.labels() != null && !opt.labels().isEmpty();
        if (extraLabels) {
            total++;
        }
        Map<Integer, Stage> done = new java.util.concurrent.ConcurrentHashMap<>();
        for (List<Integer> wave : waves) {
            if (wave.size() == 1) {
                int i = wave.getFirst();
                done.put(i, buildStage(model, args, global, graph, i, out, firstStep.get(i), total, done));
                continue;
            }
            Map<Integer, Future<Stage>> running = new TreeMap<>();
            try (var exec = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i : wave) {
                    BuildOutput buf = out.buffered();
                    final int t = total;
                    running.put(i, exec.submit(() -> {
                        try {
                            return buildStage(model, args, global, graph, i, buf, firstStep.get(i), t, done);
                        } finally {
                            buf.flushTo();
                        }
                    }));
                }
                for (var e : running.entrySet()) {
                    try {
                        done.put(e.getKey(), e.getValue().get());
                    } catch (ExecutionException ee) {
                        Throwable c = ee.getCause();
                        if (c instanceof BuildFailure bf) {
                            throw bf;
                        }
                        if (c instanceof IOException io) {
                            throw io;
                        }
                        if (c instanceof RuntimeException re) {
                            throw re;
                        }
                        throw new IOException(c);
                    }
                }
            }
        }
        Stage last = done.get(target);
        if (extraLabels) {
            StringBuilder line = new StringBuilder("LABEL");
            new TreeMap<>(opt.labels()).forEach((k, v) -> line.append(' ').append(GoText.quote(k)).append("='").append(v).append('\''));
            out.stream("Step " + last.step + "/" + total + " : " + line + "\n");
            ConfigChanges.Builder cfg = runConfig(last.config);
            if (cfg.labels == null) {
                cfg.labels = new LinkedHashMap<>();
            }
            cfg.labels.putAll(opt.labels());
            metadataStep(last, line.toString(), cfg, null);
        }
        if (last.imageId == null) {
            throw new BuildFailure("No image was generated. Is your Dockerfile empty?", 1);
        }
        List<String> unused = args.unconsumed();
        if (!unused.isEmpty()) {
            out.stream("[Warning] One or more build-args [" + String.join(" ", unused) + "] were not consumed\n");
        }
        if (!preview) {
            cache.touch(usedKeys);
        }
        return last.imageId;
    }

    /** The cache entries the build used (a preview leaves recording them to its caller). */
    java.util.Set<String> usedKeys() {
        return java.util.Set.copyOf(usedKeys);
    }

    private Stage buildStage(DockerfileModel model, BuildArgs args, Map<String, String> global, BuildGraph graph, int index,
                             BuildOutput o, int firstStep, int total, Map<Integer, Stage> done)
            throws BuildFailure, IOException, SQLException, InterruptedException {
        BuildGraph.Node node = graph.node(index);
        Stage st = new Stage(index, o, firstStep, total);
        Instruction.From from = node.from();
        o.stream("Step " + st.step++ + "/" + total + " : " + from.text() + "\n");
        List<Instruction> triggers = List.of();
        if (node.baseStage() >= 0) {
            Stage base = done.get(node.baseStage());
            st.imageId = base.imageId;
            st.config = base.config;
            st.layerDirs = base.layerDirs;
            st.ev = new StageEvaluator(model, args, global, env(base.config), base.ev.declaredArgs());
        } else {
            ImageService.Platform platform = stagePlatform(from);
            if (from.image().equalsIgnoreCase("scratch")) {
                ImageService.Platform p = platform == null ? images.hostPlatform() : platform;
                st.config = new ImageConfig(null, null, p.architecture(), p.os(), p.variant(), ContainerConfig.EMPTY,
                        new ImageConfig.RootFs("layers", List.of()), List.of(), null);
            } else {
                ImageService.ImageRecord base = baseImage(from.image(), platform, o);
                st.moveTo(base);
                List<String> onBuild = base.config().config() == null ? null : base.config().config().onBuild();
                if (onBuild != null && !onBuild.isEmpty()) {
                    try {
                        triggers = DockerfileModel.onbuildTriggers(onBuild);
                    } catch (DockerfileSyntaxException e) {
                        throw new BuildFailure(e.getMessage(), 1);
                    }
                }
            }
            st.ev = new StageEvaluator(model, args, global, env(st.config), Map.of());
        }
        o.stream(" ---> " + (st.imageId == null ? "" : ImageService.shortId(st.imageId)) + "\n");
        if (!triggers.isEmpty()) {
            o.stream("# Executing " + triggers.size() + " build trigger" + (triggers.size() == 1 ? "" : "s") + "\n");
            // the child image does not keep its parent's triggers
            ConfigChanges.Builder cfg = runConfig(st.config);
            cfg.onBuild = null;
            st.config = withConfig(st.config, cfg.build());
            for (Instruction in : triggers) {
                step(st, in, model, done);
            }
        }
        for (Instruction in : node.stage().instructions()) {
            o.stream("Step " + st.step++ + "/" + total + " : " + in.text() + "\n");
            long t0 = System.nanoTime();
            step(st, in, model, done);
            long t1 = System.nanoTime();
            LOG.fine(() -> "build step " + in.name() + " ms " + (t1 - t0) / 1_000_000);
        }
        return st;
    }

    /**
     * The platform a stage's base must have: its FROM's {@code --platform} (expanded in the global
     * scope), else the build's {@code platform}; null when neither asks for one.
     */
    private ImageService.Platform stagePlatform(Instruction.From from) throws BuildFailure {
        if (from.platform() == null || from.platform().isEmpty()) {
            return opt.platform();
        }
        try {
            return PlatformSpec.parse(from.platform(), images.hostPlatform());
        } catch (PlatformSpec.InvalidPlatformException e) {
            throw new BuildFailure("failed to parse platform " + from.platform() + ": " + e.getMessage(), 1);
        }
    }

    /**
     * FROM's image: the local one, else (or always with {@code pull}) pulled as docker pulls it. When a
     * platform is asked for, a local image of another platform does not count: the one for that
     * platform is pulled.
     */
    private ImageService.ImageRecord baseImage(String ref, ImageService.Platform platform, BuildOutput o) throws BuildFailure, IOException {
        if (!opt.pull()) {
            try {
                ImageService.ImageRecord local = images.find(ref);
                if (platform == null || Manifests.matches(platformOf(local.config()), platform)) {
                    return local;
                }
            } catch (ApiException missing) {
                // pulled below
            }
        }
        if (preview) {
            throw BuildPreview.Miss.INSTANCE;
        }
        ImageReference r;
        try {
            r = ImageReference.parse(ref);
        } catch (ImageReference.InvalidReferenceException e) {
            throw new BuildFailure("invalid reference format: " + e.getMessage(), 1);
        }
        String[] id = new String[1];
        try {
            o.raw(out -> id[0] = puller.pull(r, platform, out));
        } catch (IOException | RuntimeException e) {
            throw new BuildFailure(e.getMessage() == null ? e.toString() : e.getMessage(), 1);
        }
        return images.find(id[0]);
    }

    private static ImageService.Platform platformOf(ImageConfig c) {
        return new ImageService.Platform(c.os() == null ? "linux" : c.os(), c.architecture() == null ? "" : c.architecture(), c.variant());
    }

    private static List<String> env(ImageConfig c) {
        return c.config() == null || c.config().env() == null ? List.of() : c.config().env();
    }

    private void step(Stage st, Instruction raw, DockerfileModel model, Map<Integer, Stage> done)
            throws BuildFailure, IOException, SQLException, InterruptedException {
        if (opt.cancelled().getAsBoolean()) {
            // the client went away: no one waits for the rest, as dockerd cancels the build
            throw new BuildFailure("context canceled", 1);
        }
        Instruction in;
        try {
            in = st.ev.evaluate(raw);
        } catch (DockerfileSyntaxException e) {
            throw new BuildFailure(e.getMessage(), 1);
        }
        ConfigChanges.Builder cfg = runConfig(st.config);
        String text = GoText.trimSpace(raw.source().original());
        switch (in) {
            case Instruction.Env e -> {
                cfg.env = st.ev.env();
                metadataStep(st, text, cfg, null);
            }
            case Instruction.Label l -> {
                if (cfg.labels == null) {
                    cfg.labels = new LinkedHashMap<>();
                }
                l.pairs().forEach(kv -> cfg.labels.put(kv.key(), kv.value()));
                metadataStep(st, text, cfg, null);
            }
            case Instruction.Expose x -> {
                if (cfg.exposedPorts == null) {
                    cfg.exposedPorts = new TreeMap<>();
                }
                for (String p : x.ports()) {
                    cfg.exposedPorts.put(p.contains("/") ? p.toLowerCase(Locale.ROOT) : p + "/tcp", Map.of());
                }
                metadataStep(st, text, cfg, null);
            }
            case Instruction.Volume v -> {
                if (cfg.volumes == null) {
                    cfg.volumes = new TreeMap<>();
                }
                for (String p : v.paths()) {
                    if (p.isEmpty()) {
                        throw new BuildFailure("VOLUME specified can not be an empty string", 1);
                    }
                    cfg.volumes.put(p, Map.of());
                }
                metadataStep(st, text, cfg, null);
            }
            case Instruction.User u -> {
                cfg.user = u.user();
                metadataStep(st, text, cfg, null);
            }
            case Instruction.StopSignal s -> {
                cfg.stopSignal = s.signal();
                metadataStep(st, text, cfg, null);
            }
            case Instruction.Cmd c -> {
                cfg.cmd = command(c.command(), cfg);
                st.cmdSet = true;
                metadataStep(st, text, cfg, null);
            }
            case Instruction.Entrypoint e -> {
                cfg.entrypoint = command(e.command(), cfg);
                if (!st.cmdSet) {
                    cfg.cmd = null;
                }
                metadataStep(st, text, cfg, null);
            }
            case Instruction.Shell s -> {
                cfg.shell = s.shell();
                metadataStep(st, text, cfg, null);
            }
            case Instruction.Onbuild ob -> {
                if (cfg.onBuild == null) {
                    cfg.onBuild = new ArrayList<>();
                }
                cfg.onBuild.add(ob.expression());
                metadataStep(st, text, cfg, null);
            }
            case Instruction.Maintainer m -> metadataStep(st, text, cfg, m.maintainer());
            case Instruction.Arg a -> metadataStep(st, text, cfg, null);
            case Instruction.Healthcheck h -> {
                Map<String, Object> hc = new LinkedHashMap<>();
                hc.put("Test", h.test());
                if (h.intervalNanos() != 0) {
                    hc.put("Interval", h.intervalNanos());
                }
                if (h.timeoutNanos() != 0) {
                    hc.put("Timeout", h.timeoutNanos());
                }
                if (h.startPeriodNanos() != 0) {
                    hc.put("StartPeriod", h.startPeriodNanos());
                }
                if (h.startIntervalNanos() != 0) {
                    hc.put("StartInterval", h.startIntervalNanos());
                }
                if (h.retries() != 0) {
                    hc.put("Retries", h.retries());
                }
                cfg.healthcheck = hc;
                metadataStep(st, text, cfg, null);
            }
            case Instruction.Workdir w -> workdir(st, text, cfg, w.path());
            case Instruction.Run r -> run(st, r, cfg, model, done);
            case Instruction.Copy c -> copy(st, c, cfg, model, done);
            case Instruction.From f -> throw new BuildFailure("FROM isn't allowed here", 1);
        }
    }

    /** A changeable copy of an image's run config (an image without one starts empty). */
    private static ConfigChanges.Builder runConfig(ImageConfig c) {
        return new ConfigChanges.Builder(c.config() == null ? ContainerConfig.EMPTY : c.config());
    }

    /** The shell for shell-form commands: SHELL's, else {@code /bin/sh -c}. */
    private static List<String> shellOf(ConfigChanges.Builder cfg) {
        return cfg.shell == null || cfg.shell.isEmpty() ? List.of("/bin/sh", "-c") : cfg.shell;
    }

    private static List<String> command(Instruction.CommandLine c, ConfigChanges.Builder cfg) {
        if (!c.shellForm()) {
            return c.args();
        }
        List<String> l = new ArrayList<>(shellOf(cfg));
        l.add(c.args().getFirst());
        return l;
    }

    // ---- steps that only change the config ----

    private void metadataStep(Stage st, String text, ConfigChanges.Builder cfg, String author) throws IOException, SQLException {
        ContainerConfig cc = cfg.build();
        String createdBy = String.join(" ", shellOf(cfg)) + " #(nop)  " + text;
        String key = BuildCache.key(st.imageId == null ? "scratch" : st.imageId, "meta", createdBy, JSON.writeValueAsString(cc),
                author);
        if (useCache(st, key)) {
            return;
        }
        ImageConfig next = next(st.config, cc, createdBy, true, author);
        commitStep(st, key, storeConfig(next));
    }

    private String storeConfig(ImageConfig c) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(c);
        int layers = c.rootfs() == null || c.rootfs().diffIds() == null ? 0 : c.rootfs().diffIds().size();
        List<dev.berth.daemon.storage.LayerStore.Unpacked> none = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            none.add(null);
        }
        return images.storeImage(bytes, none, List.of(), null);
    }

    /** The next image config: the run config replaced, one history entry added. */
    private static ImageConfig next(ImageConfig parent, ContainerConfig cc, String createdBy, boolean emptyLayer, String author) {
        String created = ImageService.rfc3339Nano(Instant.now());
        List<ImageConfig.History> h = new ArrayList<>(parent.history() == null ? List.of() : parent.history());
        h.add(new ImageConfig.History(created, createdBy, null, null, emptyLayer ? Boolean.TRUE : null));
        return new ImageConfig(created, author != null ? author : parent.author(), parent.architecture(), parent.os(), parent.variant(),
                cc, parent.rootfs() == null ? new ImageConfig.RootFs("layers", List.of()) : parent.rootfs(), h, null);
    }

    private static ImageConfig withConfig(ImageConfig c, ContainerConfig cc) {
        return new ImageConfig(c.created(), c.author(), c.architecture(), c.os(), c.variant(), cc, c.rootfs(), c.history(), c.comment());
    }

    /** A cache hit moves the stage to the cached image; false when there is none (or --no-cache). */
    private boolean useCache(Stage st, String key) throws SQLException {
        if (opt.noCache()) {
            return false;
        }
        String id = cache.lookup(key);
        if (id == null) {
            if (preview) {
                throw BuildPreview.Miss.INSTANCE;
            }
            return false;
        }
        ImageService.ImageRecord r;
        try {
            r = images.find(id);
        } catch (ApiException gone) {
            if (preview) {
                throw BuildPreview.Miss.INSTANCE;
            }
            cache.forget(key);
            return false;
        }
        st.moveTo(r);
        usedKeys.add(key);
        st.out.stream(" ---> Using cache\n");
        st.out.stream(" ---> " + ImageService.shortId(r.id()) + "\n");
        return true;
    }

    private void commitStep(Stage st, String key, String id) throws SQLException {
        cache.record(key, id, st.imageId);
        st.moveTo(images.find(id));
        st.out.stream(" ---> " + ImageService.shortId(id) + "\n");
    }

    // ---- steps with a layer written here ----

    private void workdir(Stage st, String text, ConfigChanges.Builder cfg, String path) throws IOException, SQLException, BuildFailure {
        String dir = path.startsWith("/") ? path : CopyPlan.join(cfg.workingDir == null || cfg.workingDir.isEmpty() ? "/" : cfg.workingDir, path);
        dir = "/" + LayerWriter.rel(dir);
        cfg.workingDir = dir;
        FileView view = st.view();
        String real = view.resolve(dir);
        if (real.isEmpty() || view.kind(real) == ContextFiles.Kind.DIR) {
            metadataStep(st, text, cfg, null);
            return;
        }
        String createdBy = String.join(" ", shellOf(cfg)) + " #(nop) WORKDIR " + dir;
        ContainerConfig cc = cfg.build();
        String key = BuildCache.key(st.imageId == null ? "scratch" : st.imageId, "workdir", createdBy, JSON.writeValueAsString(cc));
        if (useCache(st, key)) {
            return;
        }
        layerStep(st, key, next(st.config, cc, createdBy, false, null), w -> w.mkdirs(real, 0, 0), view);
    }

    private interface LayerContent {
        void write(LayerWriter w) throws IOException;
    }

    private void layerStep(Stage st, String key, ImageConfig config, LayerContent content, FileView view) throws IOException, SQLException {
        String id = storePiped(st.imageId, config, os -> {
            try (LayerWriter w = new LayerWriter(os, view)) {
                content.write(w);
            }
        });
        commitStep(st, key, id);
    }

    private interface TarSource {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Stores a layer as it is written: a virtual thread writes the tar into a pipe that the image
     * store unpacks, so a large layer is never staged in a file first.
     */
    private String storePiped(String parentId, ImageConfig config, TarSource source) throws IOException {
        return storePipedSource(source, in -> images.storeLayerImage(in, parentId, config));
    }

    private static void awaitWriter(CompletableFuture<Void> writer) throws IOException {
        try {
            writer.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing a layer", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        }
    }

    private void copy(Stage st, Instruction.Copy c, ConfigChanges.Builder cfg, DockerfileModel model, Map<Integer, Stage> done)
            throws IOException, SQLException, BuildFailure, InterruptedException {
        String name = c.add() ? "ADD" : "COPY";
        FileView src = contextView;
        if (c.from() != null) {
            if (c.add()) {
                throw new BuildFailure("ADD --from is not supported; use COPY --from", 1);
            }
            src = sourceOf(c.from(), st, model, done);
        }
        String workdir = cfg.workingDir == null || cfg.workingDir.isEmpty() ? "/" : cfg.workingDir;
        String dest = c.dest();
        boolean destIsDir = dest.endsWith("/") || dest.equals(".") || dest.endsWith("/.");
        String destAbs = dest.startsWith("/") ? dest : CopyPlan.join(workdir, dest);
        FileView view = st.view();
        // the image's own symlinks lead the destination (/lib -> usr/lib must stay a link)
        destAbs = "/" + resolveDest(view, destAbs);
        CopyPlan plan = new CopyPlan(hashes);
        int count = 0;
        List<String[]> planned = new ArrayList<>();
        for (String s : c.sources()) {
            if (c.add() && (s.startsWith("http://") || s.startsWith("https://"))) {
                planned.add(new String[] {"url", s});
                count++;
                continue;
            }
            List<String> matched;
            try {
                matched = ContextFiles.sources(src, throughLinks(src, s));
            } catch (DockerfileSyntaxException.Detail e) {
                throw new BuildFailure(name + " failed: " + e.getMessage(), 1);
            }
            for (String m : matched) {
                planned.add(new String[] {"path", m});
            }
            count += matched.size();
        }
        count += c.inline().size();
        if (count > 1 && !destIsDir) {
            throw new BuildFailure("When using " + name + " with more than one source file, the destination must be a directory and end with a /", 1);
        }
        boolean intoDir = destIsDir || view.kind(LayerWriter.rel(destAbs)) == ContextFiles.Kind.DIR;
        for (String[] p : planned) {
            if (p[0].equals("url")) {
                download(plan, p[1], destAbs, intoDir);
            } else {
                plan.add(src, p[1], destAbs, intoDir, c.add());
            }
        }
        for (Instruction.InlineSource is : c.inline()) {
            plan.inline(intoDir ? CopyPlan.join(destAbs, is.path()) : destAbs, is.data().getBytes(StandardCharsets.UTF_8), 0644,
                    System.currentTimeMillis());
        }
        Integer chmod = null;
        if (c.chmod() != null && !c.chmod().isEmpty()) {
            try {
                chmod = Integer.parseInt(c.chmod(), 8);
            } catch (NumberFormatException e) {
                throw new BuildFailure("invalid chmod parameter: " + c.chmod(), 1);
            }
        }
        int[] owner = chown(c.chown(), view);
        String sum = plan.checksum();
        String createdBy = String.join(" ", shellOf(cfg)) + " #(nop) " + name + " " + (count == 1 ? "file:" : "multi:") + sum
                + " in " + c.dest() + " ";
        ContainerConfig cc = cfg.build();
        String key = BuildCache.key(st.imageId == null ? "scratch" : st.imageId, "copy", createdBy, JSON.writeValueAsString(cc),
                c.chown(), c.chmod(), Boolean.toString(intoDir));
        if (useCache(st, key)) {
            return;
        }
        Integer mode = chmod;
        layerStep(st, key, next(st.config, cc, createdBy, false, null), w -> plan.write(w, owner[0], owner[1], mode,
                c.chown() != null && !c.chown().isEmpty()), view);
    }

    /**
     * A source path whose directories are reached through the source's own symlinks (as
     * {@code /lib/x} in an image where /lib links to usr/lib), kept inside its root; the last
     * component stays as written (a link is copied as a link). Wildcard paths are left alone.
     */
    private static String throughLinks(FileView view, String source) throws IOException {
        if (dev.berth.dockerfile.GoGlob.hasWildcards(source)) {
            return source;
        }
        List<String> parts = FileView.parts(source);
        if (parts.size() < 2) {
            return source;
        }
        String parent = view.resolve("/" + String.join("/", parts.subList(0, parts.size() - 1)));
        return "/" + (parent.isEmpty() ? "" : parent + "/") + parts.getLast() + (source.endsWith("/") ? "/" : "");
    }

    /** A destination with the image's symlinks followed: all of it when it names a directory, else its parent. */
    private static String resolveDest(FileView view, String abs) throws IOException {
        String full = view.resolve(abs);
        if (view.kind(full.isEmpty() ? "." : full) == ContextFiles.Kind.DIR) {
            return full;
        }
        List<String> parts = FileView.parts(abs);
        if (parts.isEmpty()) {
            return "";
        }
        String parent = view.resolve("/" + String.join("/", parts.subList(0, parts.size() - 1)));
        return parent.isEmpty() ? parts.getLast() : parent + "/" + parts.getLast();
    }

    /** The files of a {@code --from}: an earlier stage, else an image (pulled when missing, as FROM). */
    private FileView sourceOf(String from, Stage st, DockerfileModel model, Map<Integer, Stage> done) throws BuildFailure, IOException {
        int current = st.index;
        int idx = -1;
        if (!from.isEmpty() && from.chars().allMatch(Character::isDigit)) {
            idx = Integer.parseInt(from);
        } else {
            DockerfileModel.Stage s = model.stageRef(from, current);
            if (s != null) {
                idx = s.index();
            }
        }
        if (idx >= 0) {
            Stage s = done.get(idx);
            if (s == null) {
                throw new BuildFailure("stage " + from + " was not built", 1);
            }
            return s.view();
        }
        return FileView.ofImageLayers(images.layerDirs(baseImage(from, opt.platform(), st.out)));
    }

    private void download(CopyPlan plan, String url, String destAbs, boolean intoDir) throws IOException, InterruptedException, BuildFailure {
        if (preview) {
            throw BuildPreview.Miss.INSTANCE;
        }
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().followRedirects(java.net.http.HttpClient.Redirect.NORMAL)
                .connectTimeout(java.time.Duration.ofSeconds(30)).build();
        java.net.http.HttpResponse<byte[]> resp;
        try {
            resp = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).GET().build(),
                    java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException | IllegalArgumentException e) {
            throw new BuildFailure("failed to download " + url + ": " + e.getMessage(), 1);
        }
        if (resp.statusCode() >= 400) {
            throw new BuildFailure("failed to GET " + url + " with status " + resp.statusCode(), 1);
        }
        long mtime = resp.headers().firstValue("Last-Modified").map(v -> {
            try {
                return java.time.ZonedDateTime.parse(v, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
            } catch (RuntimeException e) {
                return 0L;
            }
        }).orElse(0L);
        String path = java.net.URI.create(url).getPath();
        String base = path == null ? "" : CopyPlan.base(path.endsWith("/") ? path.substring(0, path.length() - 1) : path);
        if (intoDir && base.isEmpty()) {
            throw new BuildFailure("cannot determine filename from url: " + url, 1);
        }
        plan.inline(intoDir ? CopyPlan.join(destAbs, base) : destAbs, resp.body(), 0600, mtime);
    }

    /** --chown: numbers as given, names looked up in the image's /etc/passwd and /etc/group. */
    private int[] chown(String spec, FileView view) throws IOException, BuildFailure {
        if (spec == null || spec.isEmpty()) {
            return new int[] {0, 0};
        }
        String full = spec.contains(":") ? spec : spec + ":" + spec;
        String[] ug = full.split(":", 2);
        if (ug[0].chars().allMatch(Character::isDigit) && ug[1].chars().allMatch(Character::isDigit)
                && !ug[0].isEmpty() && !ug[1].isEmpty()) {
            return new int[] {Integer.parseInt(ug[0]), Integer.parseInt(ug[1])};
        }
        Path root = Files.createTempDirectory(scratchDir.create(), "chown-");
        try {
            Files.createDirectories(root.resolve("etc"));
            for (String f : List.of("etc/passwd", "etc/group")) {
                FileView.Entry e = view.entry(f);
                if (e != null && e.isRegularFile()) {
                    Files.copy(e.host(), root.resolve(f));
                }
            }
            UserResolver.User u = UserResolver.resolve(root, full);
            return new int[] {u.uid(), u.gid()};
        } catch (RuntimeException e) {
            throw new BuildFailure("unable to convert uid/gid chown string to host mapping: " + e.getMessage(), 1);
        } finally {
            dev.berth.oci.LayerArchive.removeTree(root);
        }
    }

    // ---- RUN ----

    private void run(Stage st, Instruction.Run r, ConfigChanges.Builder cfg, DockerfileModel model, Map<Integer, Stage> done)
            throws IOException, SQLException, InterruptedException, BuildFailure {
        if (st.imageId == null) {
            throw new BuildFailure("no image to run " + r.text() + " in: the stage has no files (FROM scratch)", 1);
        }
        List<String> cmd = command(r.command(), cfg);
        if (!r.heredocs().isEmpty() && r.command().shellForm()) {
            // RUN <<EOF: the heredoc body is the script the shell runs
            Instruction.CommandLine line = r.command();
            String body = r.heredocs().getFirst().content();
            if (line.args().getFirst().strip().startsWith("<<")) {
                cmd = new ArrayList<>(shellOf(cfg));
                cmd.add(body);
            }
        }
        List<String> runArgs = st.ev.runArgs();
        String createdBy = (runArgs.isEmpty() ? "" : "|" + runArgs.size() + " " + String.join(" ", runArgs) + " ") + String.join(" ", cmd);
        List<MountSpec> mounts = new ArrayList<>();
        for (String m : r.mounts()) {
            try {
                mounts.add(MountSpec.parse(m));
            } catch (DockerfileSyntaxException.Detail e) {
                throw new BuildFailure(e.getMessage(), 1);
            }
        }
        String network = r.network() == null || r.network().isEmpty() || r.network().equals("default") ? opt.networkMode() : r.network();
        ContainerConfig cc = cfg.build();
        // what a bind mount shows is part of the step's input: the stage's image, or the context files' checksum
        StringBuilder mountInputs = new StringBuilder();
        for (MountSpec m : mounts) {
            if (m.type().equals("bind")) {
                if (m.from() != null) {
                    // layer directories are named by chain ID: the list says exactly which files are there
                    mountInputs.append(m.target()).append('=').append(sourceOf(m.from(), st, model, done).layers()).append('\n');
                    continue;
                }
                FileView v = contextView;
                CopyPlan p = new CopyPlan(hashes);
                String src = m.source() == null || m.source().isEmpty() ? "." : m.source();
                if (v.kind(LayerWriter.rel(src).isEmpty() ? "." : LayerWriter.rel(src)) != null) {
                    p.add(v, LayerWriter.rel(src).isEmpty() ? "." : LayerWriter.rel(src), "/", true, false);
                }
                mountInputs.append(m.target()).append('=').append(p.checksum()).append('\n');
            }
        }
        String key = BuildCache.key(st.imageId, "run", createdBy, JSON.writeValueAsString(cc), String.join("\n", r.mounts()),
                r.network(), mountInputs.toString());
        if (useCache(st, key)) {
            return;
        }
        ObjectNode host = opt.hostConfig().deepCopy();
        host.put("NetworkMode", network == null || network.isEmpty() ? "default" : network);
        try (RunMounts runMounts = new RunMounts(scratchDir.create(), cacheMounts, containers.ids())) {
            var binds = host.putArray("Binds");
            for (MountSpec m : mounts) {
                switch (m.type()) {
                    case "cache" -> binds.add(runMounts.cache(m));
                    case "bind" -> binds.add(runMounts.bind(m, m.from() == null ? contextView.layers()
                            : sourceOf(m.from(), st, model, done).layers()));
                    case "tmpfs" -> host.putObject("Tmpfs").put(m.target(), "");
                    default -> throw new BuildFailure("RUN --mount=type=" + m.type() + " is not supported by this builder", 1);
                }
            }
            // mount points the runtime had to create are not part of the step's result
            java.util.Set<String> mountPoints = new java.util.HashSet<>();
            FileView parent = st.view();
            for (MountSpec m : mounts) {
                List<String> parts = FileView.parts(m.target());
                for (int i = parts.size(); i > 0; i--) {
                    String rel = String.join("/", parts.subList(0, i));
                    if (parent.kind(rel) != null) {
                        break;
                    }
                    mountPoints.add(rel);
                }
            }
            runContainer(st, r, cfg, cmd, createdBy, cc, key, host, mountPoints);
        }
    }

    private void runContainer(Stage st, Instruction.Run r, ConfigChanges.Builder cfg, List<String> cmd, String createdBy, ContainerConfig cc,
                              String key, ObjectNode host, java.util.Set<String> mountPoints)
            throws IOException, SQLException, InterruptedException, BuildFailure {
        ContainerConfigSpec spec = new ContainerConfigSpec(null, null, cfg.user, false, true, true, null, false, false, false,
                st.ev.runEnv(), cmd, Map.of("Test", List.of("NONE")), null, st.imageId, null, cfg.workingDir, List.of(), null, null, null,
                Map.of(), null, null, null);
        String cid;
        try {
            cid = containers.create(null, spec, host).id();
        } catch (ApiException e) {
            throw new BuildFailure(e.getMessage(), 1);
        }
        st.out.stream(" ---> Running in " + cid.substring(0, 12) + "\n");
        boolean ok = false;
        try {
            CompletableFuture<Integer> exit = containers.waitFor(cid, "next-exit");
            try {
                containers.start(cid);
            } catch (ApiException e) {
                throw new BuildFailure(e.getMessage(), 1);
            }
            containers.log(containers.inspect(cid)).read(new ContainerLog.Query(true, true, null, null, -1),
                    new ContainerLog.Follow(() -> !exit.isDone(), exit), e -> st.out.stream(new String(e.data(), StandardCharsets.UTF_8)));
            int code;
            try {
                code = exit.get(24, TimeUnit.HOURS);
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IOException("waiting for " + cid + ": " + e.getMessage(), e);
            }
            if (code != 0) {
                throw new BuildFailure("The command '" + String.join(" ", cmd) + "' returned a non-zero code: " + code, code);
            }
            String id = storePiped(st.imageId, next(st.config, cc, createdBy, false, null), os -> {
                if (mountPoints.isEmpty()) {
                    containers.writeUpperLayer(cid, os);
                } else {
                    withoutMountPoints(cid, mountPoints, os);
                }
            });
            ok = true;
            if (opt.rm() || opt.forceRm()) {
                removeContainer(st, cid);
            }
            commitStep(st, key, id);
        } finally {
            if (!ok && opt.forceRm()) {
                removeContainer(st, cid);
            }
        }
    }

    /** The container's layer without the empty directories made only to mount on. */
    private void withoutMountPoints(String cid, java.util.Set<String> mountPoints, OutputStream os) throws IOException {
        storePipedSource(out -> containers.writeUpperLayer(cid, out), in -> {
            TarArchiveInputStream tin = new TarArchiveInputStream(in);
            TarArchiveOutputStream tout = new TarArchiveOutputStream(os);
            tout.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tout.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            TarArchiveEntry e;
            while ((e = tin.getNextEntry()) != null) {
                if (e.isDirectory() && mountPoints.contains(LayerWriter.rel(e.getName()))) {
                    continue;
                }
                tout.putArchiveEntry(e);
                if (e.isFile()) {
                    tin.transferTo(tout);
                }
                tout.closeArchiveEntry();
            }
            tout.finish();
            tout.flush();
            return "";
        });
    }

    private interface TarSink {
        String readFrom(InputStream in) throws IOException;
    }

    /** Runs {@code source} on a virtual thread into a pipe that {@code sink} reads on this one. */
    private static String storePipedSource(TarSource source, TarSink sink) throws IOException {
        java.io.PipedInputStream in = new java.io.PipedInputStream(1 << 20);
        java.io.PipedOutputStream pipe = new java.io.PipedOutputStream(in);
        CompletableFuture<Void> writer = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (OutputStream os = new java.io.BufferedOutputStream(pipe, 1 << 16)) {
                source.writeTo(os);
                writer.complete(null);
            } catch (IOException | RuntimeException e) {
                writer.completeExceptionally(e);
            }
        });
        String result;
        try (in) {
            result = sink.readFrom(in);
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException | RuntimeException e) {
            awaitWriter(writer);
            throw e;
        }
        awaitWriter(writer);
        return result;
    }

    private void removeContainer(Stage st, String cid) {
        try {
            containers.remove(cid, true, true);
            st.out.stream(" ---> Removed intermediate container " + cid.substring(0, 12) + "\n");
        } catch (IOException | SQLException | InterruptedException | RuntimeException e) {
            st.out.stream("Failed to remove intermediate container " + cid.substring(0, 12) + ": " + e.getMessage() + "\n");
        }
    }
}
