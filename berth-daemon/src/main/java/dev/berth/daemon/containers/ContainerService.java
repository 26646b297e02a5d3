package dev.berth.daemon.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.daemon.DaemonConfig;
import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.api.Json;
import dev.berth.daemon.images.ImageLookup;
import dev.berth.daemon.images.ImageUsage;
import dev.berth.daemon.images.ResolvedImage;
import dev.berth.daemon.network.ContainerNet;
import dev.berth.daemon.network.ContainerView;
import dev.berth.daemon.network.NetworkService;
import dev.berth.daemon.runtime.ConmonRuntime;
import dev.berth.daemon.runtime.ContainerLog;
import dev.berth.daemon.runtime.LogKeeper;
import dev.berth.daemon.runtime.OciSpecBuilder;
import dev.berth.daemon.runtime.RuntimeSpec;
import dev.berth.daemon.runtime.UserResolver;
import dev.berth.daemon.security.Confinement;
import dev.berth.daemon.store.MetadataDb;
import dev.berth.daemon.volumes.ContainerMounts;
import dev.berth.daemon.volumes.MountPoint;
import dev.berth.oci.ContainerConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * Owns every container: records (in the metadata database), names, the state machine
 * created → running ⇄ paused → exited → removed, root filesystems (an overlay mount per
 * container over its image's layers), and the conmon/runc processes through {@link ConmonRuntime}.
 * Containers outlive berthd: on start it re-adopts running ones and records exits it missed.
 */
public final class ContainerService implements ImageUsage, AutoCloseable, ContainerView {
    private static final Logger LOG = Logger.getLogger(ContainerService.class.getName());
    private static final Pattern VALID_NAME = Pattern.compile("^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final DaemonConfig config;
    private final ImageLookup images;
    private final ConmonRuntime runtime;
    private final OciSpecBuilder specs;
    private final ContainerStore store;
    private final Json json;
    private final ContainerPaths paths;
    private final ContainerRootfs rootfs;
    private final HostConfigChecks hostConfigs;
    private final Map<String, Ctr> byId = new ConcurrentHashMap<>();
    private final Object namesLock = new Object();
    private final RestartSupervisor exits;
    private final LogKeeper logs;
    private final Attachments attachments;
    private NetworkService network;
    private final List<java.util.function.Consumer<String>> removedListeners = new CopyOnWriteArrayList<>();
    private final List<java.util.function.BiConsumer<String, String>> createdListeners = new CopyOnWriteArrayList<>();
    private volatile ContainerMounts mounts = ContainerMounts.NONE;

    /** One container's live state: its current record, a lock for transitions, and who waits on it. */
    static final class Ctr {
        volatile ContainerRecord rec;
        final ReentrantLock lock = new ReentrantLock();
        final List<CompletableFuture<Integer>> nextExit = new CopyOnWriteArrayList<>();
        final CompletableFuture<Integer> removed = new CompletableFuture<>();
        final List<AttachSession> pendingAttach = new CopyOnWriteArrayList<>();
        volatile boolean removing;
        /** A client's restart is under way: the exit it causes does not remove a {@code --rm} container (as dockerd). */
        volatile boolean restartingByClient;

        Ctr(ContainerRecord rec) {
            this.rec = rec;
        }

        CompletableFuture<Integer> onNextExit() {
            CompletableFuture<Integer> f = new CompletableFuture<>();
            nextExit.add(f);
            // a waiter that gives up (client gone, timeout) must not stay listed until the next exit
            f.whenComplete((v, t) -> nextExit.remove(f));
            return f;
        }
    }

    public ContainerService(DaemonConfig config, MetadataDb db, Json json, ImageLookup images) throws IOException, SQLException {
        this.config = config;
        this.images = images;
        this.json = json;
        this.store = new ContainerStore(db, json);
        this.paths = new ContainerPaths(config);
        this.rootfs = new ContainerRootfs(paths, images);
        this.runtime = new ConmonRuntime(config.conmonPath(), config.runtimePath(), config.execRoot().resolve("runc"),
                config.execRoot().resolve("exits"), config.execRoot().resolve("sock"));
        this.specs = new OciSpecBuilder(config.defaultUlimits());
        this.exits = new RestartSupervisor(this, runtime);
        this.logs = new LogKeeper();
        this.attachments = new Attachments(runtime, paths);
        this.hostConfigs = new HostConfigChecks(json, config.defaultShmSize(), specs::swapAccounting);
    }

    /** Wires the network service; before {@link #start}. */
    public void setNetwork(NetworkService network) {
        this.network = network;
    }

    public NetworkService network() {
        return network;
    }

    /** Loads the records, re-adopts what still runs, records exits missed while down, then starts watching. */
    public void start() throws IOException, SQLException, InterruptedException {
        paths.deleteDiscarded();
        for (ContainerRecord r : store.loadAll()) {
            byId.put(r.id(), new Ctr(r));
        }
        exits.watch();
        for (Ctr c : byId.values()) {
            adopt(c);
            if (c.rec.state().running()) {
                health.begin(c.rec);
            }
        }
        exits.startHousekeeping();
    }

    private void adopt(Ctr c) throws InterruptedException, SQLException {
        ContainerRecord r = c.rec;
        if (!r.state().isActive()) {
            if (runtime.conmonPid(paths.bundle(r.id())) > 0) {
                // berthd died between conmon's create and runc start: that half-made run must go,
                // or its late exit file would be taken for the next run's
                runtime.delete(r.id());
                for (int i = 0; i < 50 && runtime.conmonPid(paths.bundle(r.id())) > 0; i++) {
                    Thread.sleep(100);
                }
                try {
                    runtime.clearExit(r.id());
                } catch (IOException e) {
                    LOG.log(Level.FINE, "clearing exit of " + r.id(), e);
                }
            }
            unmountQuietly(r.id());
            if (r.state().status().equals("restarting")) {
                exits.scheduleRestart(c);
            } else if (hostSettings(r).autoRemove() && r.state().status().equals("exited")) {
                removeAsync(c);
            }
            return;
        }
        if (runtime.exitCode(r.id()) != null) {
            exits.onExit(r.id());
        } else if (runtime.conmonPid(paths.bundle(r.id())) > 0) {
            ConmonRuntime.State st = runtime.state(r.id());
            if (st != null && st.status().equals("paused") != r.state().paused()) {
                update(c, r.withState(r.state().paused(st.status().equals("paused"))));
            }
            if (paths.logMaxSize(r) > 0) {
                try {
                    logs.keep(r.id(), paths.log(r), true);
                } catch (IOException e) {
                    LOG.log(Level.WARNING, "cannot keep the log of " + r.id(), e);
                }
            }
            LOG.info("re-adopted running container " + r.id());
        } else {
            // The monitor is gone without recording an exit: nothing can report on this process any more.
            runtime.delete(r.id());
            unmountQuietly(r.id());
            update(c, r.withState(r.state().exited(255, false, now()).failed(255, "container monitor exited unexpectedly")));
            LOG.warning("container " + r.id() + " lost its monitor while berthd was down");
            if (hostSettings(r).autoRemove()) {
                // as dockerd's restore: an --rm container that is not running goes
                removeAsync(c);
            }
        }
    }

    // ---- lookup ----

    /** Docker's lookup order: full ID, exact name, unique ID prefix. */
    Ctr get(String ref) {
        if (ref == null || ref.isEmpty()) {
            throw ApiException.notFound("No such container: " + ref);
        }
        Ctr c = byId.get(ref);
        if (c != null) {
            return c;
        }
        Ctr named = byName(ref.startsWith("/") ? ref : "/" + ref);
        if (named != null) {
            return named;
        }
        Ctr found = null;
        for (Ctr x : byId.values()) {
            if (x.rec.id().startsWith(ref)) {
                if (found != null) {
                    throw ApiException.badRequest("multiple IDs found with provided prefix: " + ref);
                }
                found = x;
            }
        }
        if (found == null) {
            throw ApiException.notFound("No such container: " + ref);
        }
        return found;
    }

    public ContainerRecord inspect(String ref) {
        return get(ref).rec;
    }

    @Override
    public ContainerView.Info find(String ref) {
        return info(get(ref).rec);
    }

    @Override
    public ContainerView.Info byId(String id) {
        Ctr c = byId.get(id);
        return c == null ? null : info(c.rec);
    }

    private static ContainerView.Info info(ContainerRecord r) {
        return new ContainerView.Info(r.id(), r.name().substring(1), r.state().running(), r.state().pid(), r.hostConfig());
    }

    public List<ContainerRecord> list() {
        List<ContainerRecord> out = new ArrayList<>();
        for (Ctr c : byId.values()) {
            out.add(c.rec);
        }
        // Instant.toString drops a zero fraction, so the strings do not sort as the times do
        out.sort((a, b) -> Instant.parse(b.created()).compareTo(Instant.parse(a.created())));
        return out;
    }

    /** {running, paused, stopped} for /info. */
    public int[] counts() {
        int[] n = new int[3];
        for (Ctr c : byId.values()) {
            ContainerState s = c.rec.state();
            n[s.paused() ? 1 : s.running() ? 0 : 2]++;
        }
        return n;
    }

    @Override
    public List<String> containersUsing(String imageId) {
        return byId.values().stream().map(c -> c.rec).filter(r -> r.image().equals(imageId)).map(ContainerRecord::id).toList();
    }

    @Override
    public List<String> runningContainersUsing(String imageId) {
        return byId.values().stream().map(c -> c.rec).filter(r -> r.image().equals(imageId) && r.state().running())
                .map(ContainerRecord::id).toList();
    }

    // ---- create ----

    /** The result of create: the new ID and Docker's warnings. */
    public record Created(String id, List<String> warnings) {}

    public Created create(String name, ContainerConfigSpec cfg, ObjectNode hostConfig) throws IOException, SQLException {
        return create(name, cfg, hostConfig, null);
    }

    /** With the request's {@code NetworkingConfig} (endpoint settings per network), or null. */
    public Created create(String name, ContainerConfigSpec cfg, ObjectNode hostConfig, JsonNode networking) throws IOException, SQLException {
        if (cfg == null || cfg.image() == null || cfg.image().isEmpty()) {
            throw ApiException.badRequest("no image specified"); // docker: "Config cannot be empty in order to create a container"
        }
        if (name != null && !name.isEmpty()) {
            checkName(name);
        }
        if (hostConfig == null) {
            hostConfig = json.mapper().createObjectNode();
        }
        long[] marks = new long[5];
        marks[0] = System.nanoTime();
        HostSettings hs = hostConfigs.read(hostConfig);
        List<String> warnings = hostConfigs.validate(hs);
        Confinement.of(hostConfig, config.security()); // 400 now for a bad SecurityOpt, device or device rule, not at start
        hostConfigs.fillDefaults(hostConfig, hs);
        ResolvedImage img = images.resolve(cfg.image());
        ContainerConfigSpec merged = ContainerConfigSpec.merge(cfg, img.config() == null || img.config().config() == null
                ? ContainerConfig.EMPTY : img.config().config());
        List<String> command = new ArrayList<>();
        if (merged.entrypoint() != null) {
            command.addAll(merged.entrypoint());
        }
        if (merged.cmd() != null) {
            command.addAll(merged.cmd());
        }
        if (command.isEmpty()) {
            throw ApiException.badRequest("No command specified");
        }
        String id = newId();
        marks[1] = System.nanoTime();
        paths.create(id);
        String hostname = merged.hostname();
        if (hostname == null || hostname.isEmpty()) {
            // With the host's network the container also goes by the host's name, as in Docker.
            hostname = hs.effectiveNetworkMode().equals("host")
                    ? readOr(Path.of("/proc/sys/kernel/hostname"), id.substring(0, 12)).trim() : id.substring(0, 12);
        }
        merged = merged.withHostname(hostname);
        try {
            network.created(id, hostConfig, networking, merged.macAddress());
            network.writeFiles(netOf(id, merged, hostConfig));
        } catch (IOException | SQLException | RuntimeException e) {
            network.removed(id);
            paths.delete(id);
            throw e;
        }
        marks[2] = System.nanoTime();
        ContainerRecord rec;
        synchronized (namesLock) {
            String n = name == null || name.isEmpty() ? uniqueRandomName() : "/" + name.replaceFirst("^/", "");
            Ctr holder = byName(n);
            if (holder != null) {
                network.removed(id);
                paths.delete(id);
                throw nameInUse(n, holder);
            }
            try {
                mounts.create(id, hostConfig, merged.volumes() == null ? java.util.Set.of() : merged.volumes().keySet(),
                        ref -> get(ref).rec.id());
                for (var l : createdListeners) {
                    l.accept(id, img.id());
                }
            } catch (IOException | RuntimeException e) {
                mounts.removed(id, true);
                network.removed(id);
                paths.delete(id);
                throw e;
            }
            rec = new ContainerRecord(id, n, now(), command.getFirst(), List.copyOf(command.subList(1, command.size())),
                    merged, hostConfig, img.id(), cfg.image(), ContainerState.created(), 0,
                    img.layerDirs().stream().map(Path::toString).toList(), false);
            marks[3] = System.nanoTime();
            store.insert(rec, hostSettings(rec).autoRemove());
            byId.put(id, new Ctr(rec));
        }
        events.container(rec, "create");
        marks[4] = System.nanoTime();
        LOG.fine(() -> "create " + id.substring(0, 12) + " ms: checks and image " + ms(marks[0], marks[1]) + ", files and network "
                + ms(marks[1], marks[2]) + ", mounts and layer hold " + ms(marks[2], marks[3]) + ", record " + ms(marks[3], marks[4]));
        return new Created(id, warnings);
    }

    HostConfigChecks hostConfigs() {
        return hostConfigs;
    }

    private HostSettings hostSettings(ContainerRecord r) {
        return hostConfigs.of(r);
    }

    /** What networking needs of a container, at create and start. */
    private ContainerNet netOf(String id, ContainerConfigSpec c, JsonNode hostConfig) {
        return new ContainerNet(id, c.hostname(), c.domainname(), c.macAddress(), hostConfig, c.exposedPorts(), paths.dir(id));
    }

    private static String readOr(Path p, String fallback) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return fallback;
        }
    }

    private static void checkName(String name) {
        if (!VALID_NAME.matcher(name).matches()) {
            throw ApiException.badRequest("Invalid container name (" + name + "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        }
    }

    private static ApiException nameInUse(String name, Ctr holder) {
        return ApiException.conflict("Conflict. The container name \"" + name + "\" is already in use by container \""
                + holder.rec.id() + "\". You have to remove (or rename) that container to be able to reuse that name.");
    }

    private Ctr byName(String name) {
        for (Ctr c : byId.values()) {
            if (c.rec.name().equals(name)) {
                return c;
            }
        }
        return null;
    }

    private String uniqueRandomName() {
        for (int i = 0; i < 100; i++) {
            String n = "/" + Names.random(i > 10);
            if (byName(n) == null) {
                return n;
            }
        }
        throw new IllegalStateException("cannot find a free container name");
    }

    static String newId() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    // ---- paths ----

    ContainerPaths paths() {
        return paths;
    }

    public ContainerLog log(ContainerRecord r) {
        return paths.log(r);
    }

    public Map<String, String> graphDriverData(ContainerRecord r) {
        return rootfs.graphDriverData(r);
    }

    /** Wires the volume service: mount points are planned at create, made ready at start, released at remove. */
    public void setMounts(ContainerMounts m) {
        this.mounts = m;
    }

    /** The container's mount points, as inspect shows them. */
    public List<MountPoint> mounts(String id) {
        return mounts.mounts(id).stream().filter(m -> !m.hidden()).toList();
    }

    /** Called with (container ID, image ID) as each container is created, before it is recorded. */
    public void onCreated(java.util.function.BiConsumer<String, String> listener) {
        createdListeners.add(listener);
    }

    /** Called with the ID of each removed container (the image store lets go of layers it kept for it). */
    public void onRemoved(java.util.function.Consumer<String> listener) {
        removedListeners.add(listener);
    }

    // ---- start ----

    /** Starts a created or exited container; attach sessions waiting for it are connected first. */
    public void start(String ref) throws IOException, SQLException, InterruptedException {
        Ctr c = get(ref);
        c.lock.lock();
        try {
            ContainerRecord r = c.rec;
            if (c.removing) {
                throw ApiException.conflict("container is marked for removal and cannot be started");
            }
            if (r.state().paused()) {
                throw ApiException.conflict("cannot start a paused container, try unpause instead");
            }
            if (r.state().running()) {
                throw ApiException.notModified();
            }
            if (r.manuallyStopped()) {
                update(c, r.withManuallyStopped(false));
            }
            doStart(c);
        } finally {
            c.lock.unlock();
        }
    }

    void doStart(Ctr c) throws IOException, SQLException, InterruptedException {
        ContainerRecord r = c.rec;
        String id = r.id();
        HostSettings hs = hostSettings(r);
        long t0 = System.nanoTime();
        long[] marks = new long[6];
        try {
            rootfs.mount(r, hs.autoRemove());
            network.sandbox(netOf(id, r.config(), r.hostConfig()));
            paths.ownNetworkFiles(id);
            marks[0] = System.nanoTime();
            RuntimeSpec spec = runtimeSpec(r, hs, commandOf(r), r.config().env(), r.config().workingDir(),
                    r.config().user(), r.config().tty(), hs.privileged()).withMounts(mounts.start(id, paths.rootfs(id)));
            if (r.hostConfig().path("Init").asBoolean(false)) {
                spec = InitProcess.apply(spec);
            }
            Path b = paths.bundle(id);
            Files.createDirectories(b);
            specs.write(spec, b.resolve("config.json"));
            runtime.delete(id);
            ContainerLog log = paths.log(r);
            Files.createDirectories(log.path().getParent());
            long maxSize = paths.logMaxSize(r);
            if (maxSize > 0) {
                log.seal(maxSize);
                logs.keep(id, log, false);
            }
            marks[1] = System.nanoTime();
            runtime.create(new ConmonRuntime.CreateOptions(id, r.name().substring(1), b, log.path(), r.config().tty(),
                    r.config().openStdin(), r.config().stdinOnce(), maxSize));
        } catch (ConmonRuntime.RuntimeError e) {
            throw startFailed(c, e.getMessage(), null);
        } catch (ApiException e) {
            throw startFailed(c, e.getMessage(), e);
        }
        marks[2] = System.nanoTime();
        attachments.connectPending(c);
        marks[3] = System.nanoTime();
        try {
            runtime.start(id, paths.bundle(id));
        } catch (ConmonRuntime.RuntimeError e) {
            runtime.delete(id);
            throw startFailed(c, "OCI runtime start failed: " + e.getMessage(), null);
        }
        marks[4] = System.nanoTime();
        long pid = runtime.containerPid(paths.bundle(id));
        updateState(c, c.rec.withState(c.rec.state().started(pid, now())));
        events.container(c.rec, "start");
        marks[5] = System.nanoTime();
        LOG.fine(() -> "start " + id.substring(0, 12) + " ms: mount " + ms(t0, marks[0]) + ", spec " + ms(marks[0], marks[1])
                + ", create " + ms(marks[1], marks[2]) + ", attach " + ms(marks[2], marks[3]) + ", runc start "
                + ms(marks[3], marks[4]) + ", record " + ms(marks[4], marks[5]));
        // An exit that raced ahead of our record of the start is picked up now.
        if (runtime.exitCode(id) != null) {
            Thread.ofVirtual().start(() -> exits.onExit(id));
        }
    }

    static String ms(long from, long to) {
        return String.format("%.1f", (to - from) / 1e6);
    }

    /** The runtime spec of the container's process, or of another process run in it (exec). */
    private RuntimeSpec runtimeSpec(ContainerRecord r, HostSettings hs, List<String> args, List<String> env, String cwd,
                                    String userSpec, boolean tty, boolean privileged) {
        String id = r.id();
        Path root = paths.rootfs(id);
        UserResolver.User user = UserResolver.withGroups(root, UserResolver.resolve(root, userSpec), hs.groupAdd());
        Map<String, long[]> ulimits = new LinkedHashMap<>();
        if (hs.ulimits() != null) {
            for (HostSettings.Ulimit u : hs.ulimits()) {
                ulimits.put(u.name(), new long[] {u.soft(), u.hard()});
            }
        }
        return new RuntimeSpec(id, root, args, env, cwd, user, r.config().hostname(), r.config().domainname(), tty,
                hs.consoleSize() != null && hs.consoleSize().size() == 2
                        ? new int[] {hs.consoleSize().get(0), hs.consoleSize().get(1)} : null,
                hs.readonlyRootfs(), privileged, !hs.seccompUnconfined(),
                hs.capAdd(), hs.capDrop(), network.namespaceOf(id, r.hostConfig()), r.hostConfig().path("ShmSize").asLong(0),
                ulimits, new RuntimeSpec.Resources(hs.memory(), hs.memorySwap(), hs.nanoCpus(), hs.cpuShares(),
                hs.cpuQuota(), hs.cpuPeriod(), hs.pidsLimit() == null ? 0 : hs.pidsLimit(), hs.memoryReservation(),
                hs.cpusetCpus(), hs.cpusetMems(), hs.blkioWeight(), Boolean.TRUE.equals(hs.oomKillDisable())),
                paths.cgroupPath(r), paths.dir(id).resolve("hosts"), paths.dir(id).resolve("hostname"), paths.dir(id).resolve("resolv.conf"),
                new RuntimeSpec.Tuning(hs.sysctls() == null ? Map.of() : hs.sysctls(), hs.oomScoreAdj()))
                .withConfinement(Confinement.of(r.hostConfig(), config.security()));
    }

    // ---- events ----

    private final ExecService execs = new ExecService(this);
    private final HealthService health = new HealthService(this);
    private volatile ContainerEvents events = health.observing(ContainerEvents.NONE);

    /** Sets where lifecycle events go (the daemon's event log). */
    public void setEvents(ContainerEvents downstream) {
        ContainerEvents events = health.observing(downstream);
        this.events = events;
        execs.onEvent((e, action) -> {
            Ctr c = byId.get(e.containerId);
            if (c != null) {
                String cmd = String.join(" ", e.config.cmd());
                if (action.equals("exec_die")) {
                    events.container(c.rec, action, "execID", e.id, "exitCode", String.valueOf(e.exitCode));
                } else {
                    events.container(c.rec, action + ": " + cmd, "execID", e.id);
                }
            }
        });
    }

    ContainerEvents events() {
        return events;
    }

    HealthService health() {
        return health;
    }

    // ---- exec (ExecService owns exec sessions; these are its hooks) ----

    ExecService execs() {
        return execs;
    }

    /** The container's live state, or null once it is removed. */
    Ctr known(String id) {
        return byId.get(id);
    }

    /** Every container's live state. */
    java.util.Collection<Ctr> all() {
        return byId.values();
    }

    /** The container's live state, for services of this package that act on a running container. */
    Ctr ctr(String containerId) {
        Ctr c = byId.get(containerId);
        if (c == null) {
            throw ApiException.notFound("No such container: " + containerId);
        }
        return c;
    }

    ConmonRuntime runtime() {
        return runtime;
    }

    /** Writes the runtime spec of a process run inside the running container {@code r} (exec) to {@code file}. */
    void writeExecProcess(ContainerRecord r, List<String> cmd, List<String> extraEnv, String cwd, String user, boolean tty,
                          int[] consoleSize, boolean privileged, Path file) throws IOException {
        HostSettings hs = hostSettings(r);
        List<String> env = new ArrayList<>(r.config().env() == null ? List.of() : r.config().env());
        if (extraEnv != null) {
            env.addAll(extraEnv);
        }
        String dir = cwd != null && !cwd.isEmpty() ? cwd : r.config().workingDir();
        String u = user != null && !user.isEmpty() ? user : r.config().user();
        RuntimeSpec spec = runtimeSpec(r, hs, cmd, env, dir, u, tty, hs.privileged() || privileged);
        specs.writeProcess(consoleSize == null ? spec : spec.withConsoleSize(consoleSize), file);
    }

    /** Docker's shape: 400 when the command cannot be found or run, 500 otherwise; exit code 127/126/128 recorded. */
    private ApiException startFailed(Ctr c, String runtimeMessage, ApiException own) throws SQLException {
        String id = c.rec.id();
        logs.forget(id);
        try {
            runtime.delete(id);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        unmountQuietly(id);
        String msg = own != null ? own.getMessage() : "failed to create task for container: " + runtimeMessage + ": unknown";
        int code = 128;
        int status = own != null ? own.status() : 500;
        if (own != null) {
            code = 126;
        } else if (runtimeMessage.contains("executable file not found") || runtimeMessage.contains("no such file or directory")) {
            code = 127;
            status = 400;
        } else if (runtimeMessage.contains("permission denied")) {
            code = 126;
            status = 400;
        }
        updateState(c, c.rec.withState(c.rec.state().failed(code, msg)));
        attachments.finishPending(c);
        for (CompletableFuture<Integer> f : c.nextExit) {
            c.nextExit.remove(f);
            f.complete(code);
        }
        if (hostSettings(c.rec).autoRemove()) {
            removeAsync(c); // as Docker: --rm removes a container that failed to start
        }
        return new ApiException(status, msg);
    }

    private static List<String> commandOf(ContainerRecord r) {
        List<String> cmd = new ArrayList<>();
        cmd.add(r.path());
        cmd.addAll(r.args());
        return cmd;
    }

    void unmountQuietly(String id) {
        // Every way out of running passes here: the network namespace, addresses and ports go too.
        network.release(id);
        mounts.stopped(id);
        rootfs.unmount(id);
    }

    // ---- exits ----

    /** Removes an --rm container off the caller's thread. */
    void removeAsync(Ctr c) {
        Thread.ofVirtual().start(() -> {
            try {
                remove(c.rec.id(), true, true); // --rm also removes the anonymous volumes, as in Docker
            } catch (ApiException e) {
                // already removed
            } catch (Exception e) {
                LOG.log(Level.WARNING, "auto-removing " + c.rec.id(), e);
            }
        });
    }

    // ---- stop, kill, wait ----

    /** Stops with the container's stop signal, then SIGKILL after {@code timeout} seconds (negative: wait forever). */
    public void stop(String ref, Integer timeout, String signal) throws IOException, InterruptedException, SQLException {
        Ctr c = get(ref);
        markManuallyStopped(c);
        ContainerRecord r = c.rec;
        if (!r.state().isActive()) {
            throw ApiException.notModified();
        }
        String sig = signal != null && !signal.isEmpty() ? signal
                : r.config().stopSignal() != null && !r.config().stopSignal().isEmpty() ? r.config().stopSignal() : "SIGTERM";
        int t = timeout != null ? timeout : r.config().stopTimeout() != null ? r.config().stopTimeout() : 10;
        CompletableFuture<Integer> exited = c.onNextExit();
        if (!c.rec.state().isActive()) {
            exited.cancel(false);
            return;
        }
        try {
            stopAndWait(c, r, sig, t, exited);
        } finally {
            exited.cancel(false);
        }
        events.container(c.rec, "stop");
    }

    private void stopAndWait(Ctr c, ContainerRecord r, String sig, int t, CompletableFuture<Integer> exited)
            throws IOException, InterruptedException {
        signal(c, Signals.parse(sig));
        try {
            if (t < 0) {
                exited.get();
            } else {
                exited.get(t, TimeUnit.SECONDS);
            }
            return;
        } catch (TimeoutException e) {
            // fall through to SIGKILL
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException(e.getCause());
        }
        signal(c, "9");
        try {
            exited.get(30, TimeUnit.SECONDS);
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            throw new IOException("container " + r.id() + " did not exit after SIGKILL");
        }
    }

    public void kill(String ref, String signal) throws IOException, InterruptedException {
        Ctr c = get(ref);
        String sig = Signals.parse(signal == null || signal.isEmpty() ? "SIGKILL" : signal);
        if (!c.rec.state().isActive()) {
            throw ApiException.conflict("Cannot kill container: " + ref + ": Container " + c.rec.id() + " is not running");
        }
        markManuallyStopped(c);
        // as Docker: a SIGKILL is answered once the container is gone (up to a short wait)
        CompletableFuture<Integer> exited = sig.equals("9") ? c.onNextExit() : null;
        signal(c, sig);
        if (exited != null) {
            try {
                if (c.rec.state().isActive()) {
                    exited.get(2, TimeUnit.SECONDS);
                }
            } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
                // still going: the client is told it was signalled, as Docker does
            } finally {
                exited.cancel(false);
            }
        }
    }

    /** A client stopped it: restart policies no longer apply, and a pending restart is called off. */
    private void markManuallyStopped(Ctr c) {
        c.lock.lock();
        try {
            ContainerRecord r = c.rec.withManuallyStopped(true);
            if (r.state().status().equals("restarting")) {
                r = r.withState(r.state().exited(r.state().exitCode(), r.state().oomKilled(), r.state().finishedAt()));
            }
            update(c, r);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        } finally {
            c.lock.unlock();
        }
    }

    /** Signals the container's init; a paused container is thawed so a fatal signal takes effect. */
    private void signal(Ctr c, String sig) throws IOException, InterruptedException {
        String id = c.rec.id();
        events.container(c.rec, "kill", "signal", sig);
        try {
            runtime.kill(id, sig);
        } catch (ConmonRuntime.RuntimeError e) {
            if (runtime.exitCode(id) != null || e.getMessage().contains("not running")
                    || e.getMessage().contains("process already finished") || e.getMessage().contains("does not exist")) {
                return; // it exited meanwhile
            }
            throw e;
        }
        if (c.rec.state().paused() && (sig.equals("9") || sig.equals("15") || sig.equals("2") || sig.equals("3"))) {
            try {
                runtime.resume(id);
                update(c, c.rec.withState(c.rec.state().paused(false)));
            } catch (IOException | SQLException e) {
                LOG.log(Level.FINE, "resume after kill", e);
            }
        }
    }

    public void restart(String ref, Integer timeout, String signal) throws IOException, InterruptedException, SQLException {
        Ctr c = get(ref);
        c.restartingByClient = true;
        try {
            if (c.rec.state().isActive()) {
                stop(ref, timeout, signal);
            }
            c.lock.lock();
            try {
                if (!c.rec.state().isActive()) {
                    update(c, c.rec.withManuallyStopped(false));
                    doStart(c);
                    events.container(c.rec, "restart");
                }
            } finally {
                c.lock.unlock();
            }
        } finally {
            c.restartingByClient = false;
        }
    }

    /** The exit code to report for {@code condition}: not-running, next-exit or removed. */
    public CompletableFuture<Integer> waitFor(String ref, String condition) {
        Ctr c = get(ref);
        String cond = condition == null || condition.isEmpty() ? "not-running" : condition;
        return switch (cond) {
            case "not-running" -> c.rec.state().isActive() ? c.onNextExit() : CompletableFuture.completedFuture(c.rec.state().exitCode());
            case "next-exit" -> c.onNextExit();
            case "removed" -> c.removed.copy(); // a copy: one client going away must not cancel it for others
            default -> throw ApiException.badRequest("invalid condition: \"" + cond + "\"");
        };
    }

    // ---- pause, rename, remove, top, resize, attach ----

    public void pause(String ref) throws IOException, InterruptedException, SQLException {
        Ctr c = get(ref);
        c.lock.lock();
        try {
            ContainerState s = c.rec.state();
            if (!s.running()) {
                throw ApiException.conflict("Container " + c.rec.id() + " is not running");
            }
            if (s.paused()) {
                throw ApiException.conflict("Container " + c.rec.id() + " is already paused");
            }
            runtime.pause(c.rec.id());
            update(c, c.rec.withState(s.paused(true)));
            events.container(c.rec, "pause");
        } finally {
            c.lock.unlock();
        }
    }

    public void unpause(String ref) throws IOException, InterruptedException, SQLException {
        Ctr c = get(ref);
        c.lock.lock();
        try {
            ContainerState s = c.rec.state();
            if (!s.paused()) {
                throw ApiException.conflict("Container " + c.rec.id() + " is not paused");
            }
            runtime.resume(c.rec.id());
            update(c, c.rec.withState(s.paused(false)));
            events.container(c.rec, "unpause");
        } finally {
            c.lock.unlock();
        }
    }

    public void rename(String ref, String newName) throws SQLException {
        if (newName == null || newName.isEmpty()) {
            throw ApiException.badRequest("Neither old nor new names may be empty");
        }
        checkName(newName);
        Ctr c = get(ref);
        String n = "/" + newName.replaceFirst("^/", "");
        synchronized (namesLock) {
            if (c.rec.name().equals(n)) {
                throw ApiException.badRequest("Renaming a container with the same name as its current name");
            }
            Ctr holder = byName(n);
            if (holder != null) {
                throw nameInUse(n, holder);
            }
            c.lock.lock();
            try {
                String old = c.rec.name().substring(1);
                update(c, c.rec.withName(n));
                events.container(c.rec, "rename", "oldName", old);
            } finally {
                c.lock.unlock();
            }
        }
    }

    public void remove(String ref, boolean force) throws IOException, InterruptedException, SQLException {
        remove(ref, force, false);
    }

    /** @param removeVolumes also remove the container's anonymous volumes ({@code docker rm -v}) */
    public void remove(String ref, boolean force, boolean removeVolumes) throws IOException, InterruptedException, SQLException {
        Ctr c = get(ref);
        // Marked before the kill, as dockerd does: the exit the kill causes then neither restarts the container nor
        // lets an --rm removal win the race and answer this remove with "already in progress".
        c.lock.lock();
        try {
            if (c.removing) {
                throw ApiException.conflict("removal of container " + c.rec.id() + " is already in progress");
            }
            if (c.rec.state().isActive() && !force) {
                throw ApiException.conflict("cannot remove container \"" + c.rec.name() + "\": container is running: "
                        + "stop the container before removing or force remove");
            }
            c.removing = true;
        } finally {
            c.lock.unlock();
        }
        try {
            removeMarked(c, removeVolumes);
        } catch (Throwable t) {
            c.removing = false; // not removed: it may be started or removed again
            throw t;
        }
    }

    /** The removal of a container this caller marked {@code removing}: killed first if it runs. */
    private void removeMarked(Ctr c, boolean removeVolumes) throws IOException, InterruptedException, SQLException {
        if (c.rec.state().isActive()) {
            CompletableFuture<Integer> exited = c.onNextExit();
            signal(c, "9");
            try {
                exited.get(30, TimeUnit.SECONDS);
            } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
                throw new IOException("container " + c.rec.id() + " did not exit after SIGKILL");
            }
        }
        c.lock.lock();
        try {
            if (c.rec.state().isActive()) {
                throw ApiException.conflict("cannot remove container \"" + c.rec.name() + "\": container is running");
            }
            String id = c.rec.id();
            long t0 = System.nanoTime();
            runtime.delete(id);
            unmountQuietly(id);
            if (rootfs.isMounted(id)) {
                throw new IOException("cannot unmount the root filesystem of " + id);
            }
            long t1 = System.nanoTime();
            store.delete(id, hostSettings(c.rec).autoRemove());
            network.removed(id);
            byId.remove(id);
            long t2 = System.nanoTime();
            execs.forget(id);
            health.forget(id);
            paths.discard(id);
            runtime.clearExit(id);
            runtime.forget(id);
            long t3 = System.nanoTime();
            LOG.fine(() -> "removed " + id.substring(0, 12) + " ms: runtime and mount " + ms(t0, t1) + ", record "
                    + ms(t1, t2) + ", files " + ms(t2, t3));
        } finally {
            c.lock.unlock();
        }
        mounts.removed(c.rec.id(), removeVolumes); // before waiters on "removed" hear of it
        attachments.finishPending(c);
        for (CompletableFuture<Integer> f : c.nextExit) {
            f.complete(c.rec.state().exitCode());
        }
        c.removed.complete(c.rec.state().exitCode());
        events.container(c.rec, "destroy");
        for (var l : removedListeners) {
            try {
                l.accept(c.rec.id());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "after removing " + c.rec.id(), e);
            }
        }
    }

    /** Removes every stopped container; returns the removed IDs. */
    public List<String> prune(java.util.function.Predicate<ContainerRecord> filter) {
        List<String> removed = new ArrayList<>();
        for (ContainerRecord r : list()) {
            if (!r.state().isActive() && filter.test(r)) {
                try {
                    remove(r.id(), false);
                    removed.add(r.id());
                } catch (Exception e) {
                    LOG.log(Level.FINE, "prune " + r.id(), e);
                }
            }
        }
        return removed;
    }

    /** {@code runc ps} output for top. */
    public String top(String ref, List<String> psArgs) throws IOException, InterruptedException {
        Ctr c = get(ref);
        if (!c.rec.state().isActive()) {
            throw ApiException.conflict("Container " + c.rec.id() + " is not running");
        }
        return runtime.ps(c.rec.id(), psArgs);
    }

    public void resize(String ref, int height, int width) throws IOException {
        Ctr c = get(ref);
        if (!c.rec.state().isActive()) {
            throw ApiException.conflict("Container " + c.rec.id() + " is not running");
        }
        if (!c.rec.config().tty()) {
            return;
        }
        try {
            runtime.resize(paths.bundle(c.rec.id()), height, width);
        } catch (IOException e) {
            if (c.rec.state().isActive() && runtime.exitCode(c.rec.id()) == null) {
                throw e;
            }
            // it exited meanwhile: nothing to resize
        }
    }

    /** Forgets a session whose client went away before the container started. */
    void detachPending(Ctr c, AttachSession s) {
        attachments.detachPending(c, s);
    }

    /** Attaches a client: at once to a running container, or when it starts. */
    void attach(Ctr c, AttachSession s) throws IOException {
        if (!isKnown(c)) {
            s.finish();
            return;
        }
        attachments.attach(c, s);
    }

    /** Something done with a container's mounted root filesystem. */
    @FunctionalInterface
    interface RootfsAction<T> {
        T run(ContainerRecord r, Path rootfs) throws IOException;
    }

    /**
     * Runs {@code action} on the container's root filesystem (the merged overlay view). A running
     * container's is used as it is, without its lock (a slow client must not hold up stop or the
     * exit handling; descriptors already open keep working if it exits meanwhile). A stopped
     * container's is mounted for the action, under its lock so that it is not started meanwhile.
     */
    <T> T withRootfs(String ref, RootfsAction<T> action) throws IOException {
        Ctr c = get(ref);
        c.lock.lock();
        if (c.rec.state().isActive() && rootfs.isMounted(c.rec.id())) {
            ContainerRecord r = c.rec;
            c.lock.unlock();
            return action.run(r, paths.rootfs(r.id()));
        }
        try {
            boolean mounted = rootfs.isMounted(c.rec.id());
            if (!mounted) {
                rootfs.mount(c.rec, hostSettings(c.rec).autoRemove());
            }
            try {
                return action.run(c.rec, paths.rootfs(c.rec.id()));
            } finally {
                if (!mounted && !c.rec.state().isActive()) {
                    unmountQuietly(c.rec.id());
                }
            }
        } finally {
            c.lock.unlock();
        }
    }

    /**
     * As {@link #withRootfs}, for the archive API: the root shows the container's volumes and bind
     * mounts where the container sees them (a running container's own mount namespace; a stopped
     * one's sources bound in for the call, under its lock).
     */
    <T> T withArchiveRoot(String ref, RootfsAction<T> action) throws IOException {
        Ctr c = get(ref);
        ContainerRecord live = c.rec;
        if (live.state().running()) {
            try (ArchiveRoot root = ArchiveRoot.ofProcess(live.state().pid(), paths.rootfs(live.id()))) {
                if (root != null) {
                    return action.run(live, root.path());
                }
            }
        }
        return withRootfs(ref, (r, rootfs) -> {
            // binding into the root of a container that runs would show in its mount namespace
            List<RuntimeSpec.Mount> binds = r.state().isActive() ? List.of() : mounts.archiveMounts(r.id());
            try (ArchiveRoot root = ArchiveRoot.withMounts(rootfs, binds)) {
                return action.run(r, root.path());
            }
        });
    }

    /** Streams the container's root filesystem as a tar ({@code docker export}). */
    void export(String ref, java.util.function.Supplier<java.io.OutputStream> out) throws IOException {
        withRootfs(ref, (r, rootfs) -> {
            try (java.io.OutputStream o = out.get()) {
                Export.write(rootfs, o, ids());
            }
            return null;
        });
    }

    boolean swapAccounting() {
        return specs.swapAccounting();
    }

    /** Replaces the stored HostConfig (docker update); the caller holds the container's lock. */
    void replaceHostConfig(Ctr c, ObjectNode hostConfig) throws SQLException {
        update(c, c.rec.withHostConfig(hostConfig));
    }

    boolean readonlyRootfs(ContainerRecord r) {
        return hostSettings(r).readonlyRootfs();
    }

    /** What the container changed in its root filesystem, for {@code docker diff}. */
    List<Changes.Change> changes(String ref) throws IOException {
        return rootfs.changes(get(ref).rec);
    }

    /** How the daemon's files are owned for containers: through the {@code --userns-remap} map, or the identity. */
    public dev.berth.oci.IdMap ids() {
        return config.security().userns() == null ? dev.berth.oci.IdMap.IDENTITY : config.security().userns().ids();
    }

    /** Writes a container's changes as a layer tar (whiteouts included), as commit does: for build steps. */
    public void writeUpperLayer(String ref, java.io.OutputStream out) throws IOException {
        rootfs.writeUpperLayer(get(ref).rec.id(), out, ids());
    }

    /** Size of the container's writable layer in bytes. */
    public long sizeRw(ContainerRecord r) {
        return rootfs.sizeRw(r);
    }

    /** Writable layer plus the image's layers. */
    public long sizeRootFs(ContainerRecord r) {
        return rootfs.sizeRootFs(r);
    }

    // ---- persistence ----

    void update(Ctr c, ContainerRecord r) throws SQLException {
        store.update(r, false);
        c.rec = r;
    }

    /** A change of run state only: committed without waiting for the disk (see {@link ContainerStore#update}). */
    void updateState(Ctr c, ContainerRecord r) throws SQLException {
        store.update(r, true);
        c.rec = r;
    }

    static String now() {
        return Instant.now().toString();
    }

    /** Keeps the logs of running containers as conmon rotates them. */
    LogKeeper logs() {
        return logs;
    }

    /** False once the container was removed. */
    boolean isKnown(Ctr c) {
        return byId.get(c.rec.id()) == c;
    }

    @Override
    public void close() throws IOException {
        exits.close();
        logs.close();
    }
}
