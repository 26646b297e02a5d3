package dev.berth.daemon;

import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.api.ApiServer;
import dev.berth.daemon.api.Json;
import dev.berth.daemon.api.Router;
import dev.berth.daemon.containers.ContainerRecord;
import dev.berth.daemon.containers.ContainerRoutes;
import dev.berth.daemon.containers.ContainerService;
import dev.berth.daemon.distribution.DistributionRoutes;
import dev.berth.daemon.images.ImageLookup;
import dev.berth.daemon.images.ImageRoutes;
import dev.berth.daemon.images.ImageService;
import dev.berth.daemon.network.NetworkRoutes;
import dev.berth.daemon.network.NetworkService;
import dev.berth.daemon.storage.ContentStore;
import dev.berth.daemon.storage.LayerStore;
import dev.berth.daemon.store.MetadataDb;
import dev.berth.daemon.system.DiskUsageRoutes;
import dev.berth.daemon.system.EngineCounts;
import dev.berth.daemon.system.HostFacts;
import dev.berth.daemon.system.SystemRoutes;
import dev.berth.daemon.volumes.VolumeRoutes;
import dev.berth.daemon.volumes.VolumeService;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One running berthd: owns the data root and exec root, wires the domain services to the API,
 * and shuts them down in reverse order. Containers are not stopped on shutdown; their conmon
 * keeps them running and the next start re-adopts them.
 */
public final class Daemon implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Daemon.class.getName());

    private final DaemonConfig config;
    private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean closed;
    private final ImageLookup imageOverride;

    public Daemon(DaemonConfig config) {
        this(config, null);
    }

    /** With {@code images} in place of the image store (tests that run containers from a plain rootfs). */
    public Daemon(DaemonConfig config, ImageLookup images) {
        this.config = config;
        this.imageOverride = images;
    }

    public DaemonConfig config() {
        return config;
    }

    public void start() throws Exception {
        var userns = config.security().userns();
        if (userns != null) {
            userns.prepare(config.dataRoot());
        }
        dev.berth.oci.IdMap ids = userns == null ? dev.berth.oci.IdMap.IDENTITY : userns.ids();
        Files.createDirectories(config.dataRoot());
        Files.createDirectories(config.execRoot());
        writePidFile();
        HostFacts host = HostFacts.read();
        dev.berth.daemon.security.KernelAbis.host(); // decided (and logged) now, not in the first container's start
        if (dev.berth.daemon.security.HostSecurity.modules().apparmor()) {
            dev.berth.daemon.security.AppArmorProfile.load(config.execRoot().resolve("apparmor"));
        }
        Json json = new Json();
        MetadataDb.nativeLibraryIn(config.dataRoot().resolve("native"));
        MetadataDb db = new MetadataDb(config.dataRoot().resolve("berth.db"));
        closeables.push(db);
        Router router = new Router();

        // Domain services are wired here, each owning its state and registering its routes.
        EngineCountsSource counts = new EngineCountsSource();

        new SystemRoutes(config, host, engineId(), counts::get, runtimeVersion()).register(router);

        ContentStore contentStore = new ContentStore(config.dataRoot());
        LayerStore layerStore = new LayerStore(config.dataRoot(), db, ids);
        ImageService imageService = new ImageService(db, contentStore, layerStore,
                new ImageService.Platform("linux", host.goArch(), null));
        DistributionRoutes distribution = new DistributionRoutes(imageService, contentStore, layerStore, db, config.registry());
        closeables.push(distribution);
        new ImageRoutes(imageService, distribution::pull).register(router);
        distribution.register(router);
        counts.images = imageService::count;

        ImageLookup images = imageOverride != null ? imageOverride : imageService;
        ContainerService containers = new ContainerService(config, db, json, images);
        closeables.push(containers);
        imageService.setUsage(() -> containers);
        if (imageOverride == null) {
            containers.onCreated(imageService::retainForContainer);
        }
        containers.onRemoved(imageService::releaseContainer);
        NetworkService network = new NetworkService(config.network(), config.execRoot(), db, containers);
        closeables.push(network);
        containers.setNetwork(network);
        if (userns != null) {
            network.setNamespaces(new dev.berth.daemon.security.UsernsSandbox(userns));
        }
        VolumeService volumes = new VolumeService(config.dataRoot(), db, json.mapper(), ids);
        containers.setMounts(volumes);
        network.start();
        if (userns != null) {
            dev.berth.daemon.security.UsernsSandbox.sweep(config.execRoot().resolve("netns"));
        }
        containers.start();
        network.restore();
        volumes.retainContainers(containers.list().stream().map(ContainerRecord::id).toList());
        volumes.adoptRunning(containers.list().stream().filter(r -> r.state().running()).map(ContainerRecord::id).toList());
        VolumeRoutes volumeRoutes = new VolumeRoutes(volumes);
        volumeRoutes.register(router);
        ContainerRoutes containerRoutes = new ContainerRoutes(containers);
        containerRoutes.register(router);
        new NetworkRoutes(network, id -> containers.inspect(id).hostConfig()).register(router);
        dev.berth.daemon.events.EventLog events = new dev.berth.daemon.events.EventLog();
        imageService.setEvents(events);
        containers.setEvents(events::publish);
        network.setEvents(events);
        volumes.setEvents(events);
        new dev.berth.daemon.events.EventRoutes(events).register(router);
        DiskUsageRoutes diskUsage = new DiskUsageRoutes(imageService, containers, containerRoutes, volumes, volumeRoutes);
        diskUsage.register(router);
        new dev.berth.daemon.containers.ExecRoutes(containers).register(router);
        new dev.berth.daemon.containers.CommitRoutes(new dev.berth.daemon.containers.CommitService(containers, imageService))
                .register(router);
        counts.containers = containers::counts;
        dev.berth.daemon.build.BuildRoutes build = new dev.berth.daemon.build.BuildRoutes(imageService, containers, db, config.dataRoot());
        build.register(router);
        imageService.setIntermediate(build::isIntermediate);
        diskUsage.setBuildCache(build::diskUsage);
        build.setPuller(distribution::pullForBuild);

        config.security().access().warn(config.hosts());
        ApiServer server = new ApiServer(router, json, config.security().access());
        closeables.push(server);
        for (String h : config.hosts()) {
            server.listen(h);
        }
        LOG.info("berthd " + BerthVersion.VERSION + " started; data root " + config.dataRoot()
                + ", exec root " + config.execRoot());
    }

    /** Collects the counts /info reports from whichever services are wired. */
    static final class EngineCountsSource {
        java.util.function.Supplier<int[]> containers = () -> new int[3];
        java.util.function.IntSupplier images = () -> 0;

        EngineCounts get() {
            int[] c = containers.get();
            return new EngineCounts(c[0], c[1], c[2], images.getAsInt());
        }
    }

    public void awaitShutdown() throws InterruptedException {
        stopped.await();
    }

    /** A stable engine ID, made once per data root. */
    private String engineId() throws IOException {
        Path f = config.dataRoot().resolve("engine-id");
        if (Files.exists(f)) {
            return Files.readString(f).trim();
        }
        byte[] b = new byte[16];
        new java.security.SecureRandom().nextBytes(b);
        String id = HexFormat.of().formatHex(b);
        writeAtomically(f, id);
        return id;
    }

    private String runtimeVersion() {
        try {
            Process p = new ProcessBuilder(config.runtimePath(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            String first = out.lines().findFirst().orElse("");
            return first.replaceFirst("^runc version\\s*", "").trim();
        } catch (IOException | InterruptedException e) {
            return "unknown";
        }
    }

    private void writePidFile() throws IOException {
        Path pf = config.pidFile();
        if (pf == null) {
            return;
        }
        if (Files.exists(pf)) {
            String old = Files.readString(pf).trim();
            if (!old.isEmpty() && Files.exists(Path.of("/proc", old))
                    && ProcessHandle.of(Long.parseLong(old)).map(ProcessHandle::isAlive).orElse(false)
                    && Long.parseLong(old) != ProcessHandle.current().pid()) {
                throw new IOException("pid file found, ensure berthd is not running or delete " + pf);
            }
        }
        Files.createDirectories(pf.getParent());
        writeAtomically(pf, Long.toString(ProcessHandle.current().pid()));
        closeables.push(() -> Files.deleteIfExists(pf));
    }

    /** Writes {@code text} to {@code target} through a temp file and rename. */
    public static void writeAtomically(Path target, String text) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        while (!closeables.isEmpty()) {
            try {
                closeables.pop().close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "error during shutdown", e);
            }
        }
        stopped.countDown();
        LOG.info("berthd stopped");
    }
}
