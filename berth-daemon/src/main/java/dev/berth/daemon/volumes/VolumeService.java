package dev.berth.daemon.volumes;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.runtime.RuntimeSpec;
import dev.berth.daemon.store.MetadataDb;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Owns volumes (local driver) and which container mounts what. Volume records and container
 * mount points live in the metadata database, each change in one transaction; the database is
 * the truth and the directories under {@code <data-root>/volumes} follow it at start. A volume
 * referenced by any container, running or not, cannot be removed.
 */
public final class VolumeService implements ContainerMounts {
    private static final Logger LOG = Logger.getLogger(VolumeService.class.getName());
    static final String DRIVER = "local";
    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};
    private static final TypeReference<List<MountPoint>> MOUNT_LIST = new TypeReference<>() {};

    private final MetadataDb db;
    private final LocalDriver driver;
    private final ObjectMapper mapper;
    private final Object lock = new Object();
    /** Guarded by {@link #lock}; mirrors the tables. */
    private final Map<String, VolumeRecord> volumes = new HashMap<>();
    private final Map<String, List<MountPoint>> byContainer = new HashMap<>();
    private final Map<String, Object> copyLocks = new ConcurrentHashMap<>();

    /** A volume with its usage, for {@code /system/df} and inspect with size. */
    public record Usage(long size, int refCount) {}

    /** What prune removed. */
    public record PruneResult(List<String> deleted, long spaceReclaimed) {}

    public VolumeService(Path dataRoot, MetadataDb db, ObjectMapper mapper) throws IOException, SQLException {
        this(dataRoot, db, mapper, dev.berth.oci.IdMap.IDENTITY);
    }

    /** With volumes created for containers in a user namespace ({@code --userns-remap}): owned by its root. */
    public VolumeService(Path dataRoot, MetadataDb db, ObjectMapper mapper, dev.berth.oci.IdMap ids) throws IOException, SQLException {
        this.db = db;
        this.mapper = mapper;
        this.driver = new LocalDriver(dataRoot, ids);
        db.migrate("volumes", """
                CREATE TABLE volumes (name TEXT PRIMARY KEY, created TEXT NOT NULL, labels TEXT NOT NULL, options TEXT NOT NULL);
                CREATE TABLE container_mounts (container TEXT PRIMARY KEY, mounts TEXT NOT NULL)
                """);
        load();
        reconcileDirs();
    }

    private void load() throws SQLException {
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT name, created, labels, options FROM volumes");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    volumes.put(rs.getString(1), new VolumeRecord(rs.getString(1), rs.getString(2),
                            readJson(rs.getString(3), STRING_MAP), readJson(rs.getString(4), STRING_MAP)));
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT container, mounts FROM container_mounts");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    byContainer.put(rs.getString(1), List.copyOf(readJson(rs.getString(2), MOUNT_LIST)));
                }
            }
            return null;
        });
    }

    /** Directories follow the records: a recorded volume gets its directory, an unrecorded one (a crash mid-remove) goes. */
    private void reconcileDirs() throws IOException {
        for (String name : volumes.keySet()) {
            driver.create(name);
        }
        try (var s = Files.list(driver.root())) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith(".trash-") || VolumeNames.isValid(n) && !volumes.containsKey(n)) {
                    try {
                        LocalDriver.deleteTree(p);
                    } catch (IOException e) {
                        LOG.log(Level.WARNING, "cannot remove leftover volume directory " + p, e);
                    }
                }
            }
        }
    }

    /** Forgets the mount points of containers that no longer exist (a crash between the two records). */
    public void retainContainers(Collection<String> containerIds) throws SQLException {
        Set<String> keep = new HashSet<>(containerIds);
        synchronized (lock) {
            List<String> gone = byContainer.keySet().stream().filter(id -> !keep.contains(id)).toList();
            if (gone.isEmpty()) {
                return;
            }
            db.tx(c -> {
                for (String id : gone) {
                    deleteMounts(c, id);
                }
                return null;
            });
            gone.forEach(byContainer::remove);
        }
    }

    private volatile dev.berth.daemon.events.EventLog events;
    /** Containers whose volumes were mounted at their start and not yet unmounted (for the unmount events). */
    private final Set<String> mountedFor = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Sets where volume events (create, mount, unmount, destroy) go. */
    public void setEvents(dev.berth.daemon.events.EventLog events) {
        this.events = events;
    }

    /** A volume event with Docker's attributes (sorted as Go writes a map): {@code driver} and the {@code extra} pairs. */
    private void event(String action, String volume, String... extra) {
        dev.berth.daemon.events.EventLog log = events;
        if (log == null) {
            return;
        }
        Map<String, String> a = new java.util.TreeMap<>();
        a.put("driver", DRIVER);
        for (int i = 0; i + 1 < extra.length; i += 2) {
            a.put(extra[i], extra[i + 1]);
        }
        log.publish("volume", action, volume, a);
    }

    /**
     * The container stopped: its volumes' {@code unmount} events, once per start, as Docker
     * reports them (the local driver's data stays where it is).
     */
    /** Containers re-adopted running at berthd start: their volumes are mounted, so their stop reports the unmounts. */
    public void adoptRunning(Collection<String> containerIds) {
        mountedFor.addAll(containerIds);
    }

    @Override
    public void stopped(String containerId) {
        if (!mountedFor.remove(containerId)) {
            return;
        }
        for (MountPoint m : mounts(containerId)) {
            if (m.type().equals("volume")) {
                event("unmount", m.name(), "container", containerId);
            }
        }
    }

    // ---- volumes ----

    /**
     * Creates a volume, or returns the existing one of that name, as Docker does.
     *
     * @param name empty for a generated name
     */
    public VolumeRecord create(String name, String driverName, Map<String, String> options, Map<String, String> labels)
            throws SQLException, IOException {
        if (driverName != null && !driverName.isEmpty() && !driverName.equals(DRIVER)) {
            throw ApiException.notFound("error looking up volume plugin " + driverName + ": plugin \"" + driverName + "\" not found");
        }
        Map<String, String> opts = options == null ? Map.of() : options;
        LocalDriver.validateOptions(opts);
        synchronized (lock) {
            String n = name == null || name.isEmpty() ? VolumeNames.random() : name;
            VolumeNames.validate(n);
            VolumeRecord existing = volumes.get(n);
            if (existing != null) {
                return existing;
            }
            VolumeRecord v = newRecord(n, opts, labels == null ? Map.of() : labels);
            db.tx(c -> {
                insert(c, v);
                return null;
            });
            volumes.put(n, v);
            driver.create(n);
            event("create", n);
            return v;
        }
    }

    private static VolumeRecord newRecord(String name, Map<String, String> opts, Map<String, String> labels) {
        return new VolumeRecord(name, Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), labels, opts);
    }

    public List<VolumeRecord> list() {
        synchronized (lock) {
            List<VolumeRecord> out = new ArrayList<>(volumes.values());
            out.sort(Comparator.comparing(VolumeRecord::name));
            return out;
        }
    }

    /** 404 with Docker's message when there is no such volume. */
    public VolumeRecord get(String name) {
        synchronized (lock) {
            VolumeRecord v = volumes.get(name);
            if (v == null) {
                throw ApiException.notFound("get " + name + ": no such volume");
            }
            return v;
        }
    }

    public Path mountpoint(String name) {
        return driver.data(name);
    }

    /** IDs of the containers that mount the volume, running or not. */
    public List<String> users(String name) {
        synchronized (lock) {
            return usersLocked(name);
        }
    }

    private List<String> usersLocked(String name) {
        List<String> out = new ArrayList<>();
        byContainer.forEach((id, mps) -> {
            if (mps.stream().anyMatch(m -> m.type().equals("volume") && m.name().equals(name))) {
                out.add(id);
            }
        });
        out.sort(null);
        return out;
    }

    public Usage usage(String name) {
        int refs = users(name).size();
        return new Usage(driver.size(name), refs);
    }

    /**
     * Removes a volume no container uses. {@code force} only makes a missing volume no error;
     * a volume in use is never removed (409).
     */
    public void remove(String name, boolean force) throws SQLException, IOException {
        Path trash;
        synchronized (lock) {
            VolumeRecord v = volumes.get(name);
            if (v == null) {
                if (force) {
                    return;
                }
                throw ApiException.notFound("get " + name + ": no such volume");
            }
            List<String> users = usersLocked(name);
            if (!users.isEmpty()) {
                throw ApiException.conflict("remove " + name + ": volume is in use - [" + String.join(", ", users) + "]");
            }
            driver.unmount(name); // a bind-style volume's source must never be deleted through it
            db.tx(c -> {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM volumes WHERE name = ?")) {
                    ps.setString(1, name);
                    ps.executeUpdate();
                }
                return null;
            });
            volumes.remove(name);
            event("destroy", name);
            trash = driver.root().resolve(".trash-" + name + "-" + VolumeNames.random().substring(0, 8));
            if (Files.exists(driver.dir(name))) {
                Files.move(driver.dir(name), trash);
            }
        }
        // the name is free again at once; the data goes outside the lock (it may be large)
        try {
            LocalDriver.deleteTree(trash);
        } catch (IOException | UncheckedIOException e) {
            LOG.log(Level.WARNING, "cannot delete " + trash + "; it goes at the next start", e);
        }
    }

    /** Removes unused volumes that {@code filter} accepts: anonymous ones only unless {@code all}. */
    public PruneResult prune(boolean all, Predicate<VolumeRecord> filter) {
        List<String> deleted = new ArrayList<>();
        long space = 0;
        for (VolumeRecord v : list()) {
            if (!all && !v.anonymous() || !filter.test(v) || !users(v.name()).isEmpty()) {
                continue;
            }
            long size = driver.size(v.name());
            try {
                remove(v.name(), false);
                deleted.add(v.name());
                space += size;
            } catch (ApiException | SQLException | IOException e) {
                LOG.log(Level.FINE, "prune " + v.name(), e);
            }
        }
        return new PruneResult(deleted, space);
    }

    // ---- container mounts ----

    @Override
    public void create(String containerId, JsonNode hostConfig, Set<String> configVolumes, Function<String, String> containerIdOf)
            throws IOException {
        synchronized (lock) {
            List<MountSpecs.Planned> planned = MountSpecs.plan(mapper, hostConfig, configVolumes,
                    ref -> byContainer.getOrDefault(containerIdOf.apply(ref), List.of()));
            List<VolumeRecord> made = new ArrayList<>();
            List<MountPoint> points = new ArrayList<>();
            for (MountSpecs.Planned p : planned) {
                MountPoint m = p.point();
                if (m.type().equals("volume") && m.source().isEmpty()) {
                    String name = m.name().isEmpty() ? VolumeNames.random() : m.name();
                    if (!volumes.containsKey(name) && made.stream().noneMatch(v -> v.name().equals(name))) {
                        LocalDriver.validateOptions(p.volumeOptions());
                        Map<String, String> labels = new LinkedHashMap<>(p.volumeLabels());
                        if (m.name().isEmpty()) {
                            labels.put(VolumeRecord.ANONYMOUS_LABEL, "");
                        }
                        made.add(newRecord(name, p.volumeOptions(), labels));
                    }
                    m = new MountPoint(m.type(), name, driver.data(name).toString(), m.destination(), m.driver(), m.mode(),
                            m.rw(), m.propagation(), m.copyData(), m.tmpfsOptions(), m.createSource(), m.anonymous(), m.hidden());
                }
                points.add(m);
            }
            points.sort(Comparator.comparing(MountPoint::destination));
            String json = mapper.writeValueAsString(points);
            try {
                db.tx(c -> {
                    for (VolumeRecord v : made) {
                        insert(c, v);
                    }
                    try (PreparedStatement ps = c.prepareStatement(
                            "INSERT OR REPLACE INTO container_mounts(container, mounts) VALUES(?, ?)")) {
                        ps.setString(1, containerId);
                        ps.setString(2, json);
                        ps.executeUpdate();
                    }
                    return null;
                });
            } catch (SQLException e) {
                throw new IOException("cannot record the mounts of " + containerId, e);
            }
            for (VolumeRecord v : made) {
                volumes.put(v.name(), v);
            }
            byContainer.put(containerId, List.copyOf(points));
            // recorded first: a failure here is undone by removed(), and a crash is repaired at start
            for (VolumeRecord v : made) {
                driver.create(v.name());
                event("create", v.name());
            }
        }
    }

    @Override
    public List<RuntimeSpec.Mount> start(String containerId, Path rootfs) {
        try {
            List<MountPoint> points = mounts(containerId);
            List<RuntimeSpec.Mount> out = prepare(points, rootfs);
            mountedFor.add(containerId);
            for (MountPoint m : points) {
                if (m.type().equals("volume")) {
                    event("mount", m.name(), "container", containerId, "destination", m.destination(),
                            "propagation", "", "read/write", Boolean.toString(m.rw()));
                }
            }
            return out;
        } catch (IOException e) {
            // as an API error, so the start is recorded as failed and the root filesystem released
            throw new ApiException(500, "error while mounting volumes of " + containerId + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<RuntimeSpec.Mount> archiveMounts(String containerId) throws IOException {
        return prepare(mounts(containerId).stream().filter(m -> !m.type().equals("tmpfs")).toList(), null);
    }

    /** With a null {@code rootfs} (archive calls) nothing is copied up and missing bind sources are skipped. */
    private List<RuntimeSpec.Mount> prepare(List<MountPoint> points, Path rootfs) throws IOException {
        List<RuntimeSpec.Mount> out = new ArrayList<>();
        for (MountPoint m : points) {
            switch (m.type()) {
                case "volume" -> {
                    VolumeRecord v = get(m.name());
                    Path data = driver.data(v.name());
                    synchronized (copyLocks.computeIfAbsent(v.name(), k -> new Object())) {
                        driver.mount(v);
                        if (m.copyData() && rootfs != null) {
                            CopyUp.fill(rootfs, m.destination(), data);
                        }
                    }
                    out.add(bind(m.destination(), data.toString(), m.rw(), "rprivate"));
                }
                case "bind" -> {
                    Path src = Path.of(m.source());
                    if (!Files.exists(src)) {
                        if (rootfs == null) {
                            continue;
                        }
                        if (!m.createSource()) {
                            throw ApiException.badRequest("invalid mount config for type \"bind\": bind source path does not exist: " + src);
                        }
                        Files.createDirectories(src);
                    }
                    out.add(bind(m.destination(), m.source(), m.rw(), m.propagation()));
                }
                case "tmpfs" -> out.add(new RuntimeSpec.Mount(m.destination(), "tmpfs", "tmpfs",
                        MountSpecs.tmpfsMountOptions(m.tmpfsOptions())));
                default -> throw new IllegalStateException("unknown mount type " + m.type());
            }
        }
        // parents before children: /data before /data/logs
        out.sort(Comparator.comparingInt((RuntimeSpec.Mount x) -> Path.of(x.destination()).getNameCount()));
        return out;
    }

    private static RuntimeSpec.Mount bind(String dest, String source, boolean rw, String propagation) {
        List<String> opts = new ArrayList<>(List.of("rbind"));
        if (!rw) {
            opts.add("ro");
        }
        opts.add(propagation == null || propagation.isEmpty() ? "rprivate" : propagation);
        return new RuntimeSpec.Mount(dest, "bind", source, opts);
    }

    @Override
    public void removed(String containerId, boolean removeVolumes) {
        List<MountPoint> points;
        synchronized (lock) {
            points = byContainer.get(containerId);
            if (points == null) {
                return;
            }
            try {
                db.tx(c -> {
                    deleteMounts(c, containerId);
                    return null;
                });
            } catch (SQLException e) {
                LOG.log(Level.WARNING, "cannot forget the mounts of " + containerId + "; they go at the next start", e);
                return;
            }
            byContainer.remove(containerId);
        }
        if (!removeVolumes) {
            return;
        }
        for (MountPoint m : points) {
            if (m.type().equals("volume") && m.anonymous()) {
                try {
                    remove(m.name(), true);
                } catch (ApiException e) {
                    LOG.fine(() -> "anonymous volume " + m.name() + " kept: " + e.getMessage()); // still used elsewhere
                } catch (SQLException | IOException e) {
                    LOG.log(Level.WARNING, "cannot remove anonymous volume " + m.name(), e);
                }
            }
        }
    }

    @Override
    public List<MountPoint> mounts(String containerId) {
        synchronized (lock) {
            return byContainer.getOrDefault(containerId, List.of());
        }
    }

    // ---- storage ----

    private void insert(Connection c, VolumeRecord v) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO volumes(name, created, labels, options) VALUES(?, ?, ?, ?)")) {
            ps.setString(1, v.name());
            ps.setString(2, v.createdAt());
            ps.setString(3, writeJson(v.labels()));
            ps.setString(4, writeJson(v.options()));
            ps.executeUpdate();
        }
    }

    private static void deleteMounts(Connection c, String containerId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM container_mounts WHERE container = ?")) {
            ps.setString(1, containerId);
            ps.executeUpdate();
        }
    }

    private String writeJson(Object o) throws SQLException {
        try {
            return mapper.writeValueAsString(o);
        } catch (IOException e) {
            throw new SQLException("cannot encode " + o, e);
        }
    }

    private <T> T readJson(String s, TypeReference<T> type) throws SQLException {
        try {
            return mapper.readValue(s, type);
        } catch (IOException e) {
            throw new SQLException("stored volume data unreadable: " + s, e);
        }
    }
}
