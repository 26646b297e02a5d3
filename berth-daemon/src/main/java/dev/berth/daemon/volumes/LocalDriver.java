package dev.berth.daemon.volumes;

import dev.berth.daemon.api.ApiException;
import dev.berth.sys.Libc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Docker's {@code local} volume driver: each volume is {@code <data-root>/volumes/<name>/_data}.
 * A volume created with {@code type}/{@code device}/{@code o} options has that device (a tmpfs,
 * a bind of a host directory, any filesystem) mounted on its {@code _data} the first time a
 * container uses it, and unmounted when the volume is removed.
 */
final class LocalDriver {
    private static final Set<String> OPTION_KEYS = Set.of("type", "device", "o", "size");
    /** mount(8) flag words: set bits, or clear them (value negative). */
    private static final Map<String, Long> FLAGS = Map.ofEntries(
            Map.entry("ro", Libc.MS_RDONLY), Map.entry("rw", -Libc.MS_RDONLY),
            Map.entry("nosuid", Libc.MS_NOSUID), Map.entry("suid", -Libc.MS_NOSUID),
            Map.entry("nodev", Libc.MS_NODEV), Map.entry("dev", -Libc.MS_NODEV),
            Map.entry("noexec", Libc.MS_NOEXEC), Map.entry("exec", -Libc.MS_NOEXEC),
            Map.entry("sync", 16L), Map.entry("async", -16L), Map.entry("dirsync", 128L),
            Map.entry("noatime", 1024L), Map.entry("atime", -1024L), Map.entry("nodiratime", 2048L),
            Map.entry("diratime", -2048L), Map.entry("relatime", 1L << 21), Map.entry("strictatime", 1L << 24),
            Map.entry("bind", Libc.MS_BIND), Map.entry("rbind", Libc.MS_BIND | Libc.MS_REC), Map.entry("defaults", 0L));

    private final Path root;
    private final dev.berth.oci.IdMap ids;

    /** {@code ids}: the user namespace containers run in; a new volume's {@code _data} belongs to its root. */
    LocalDriver(Path dataRoot, dev.berth.oci.IdMap ids) throws IOException {
        this.root = dataRoot.resolve("volumes");
        this.ids = ids;
        Files.createDirectories(root);
    }

    Path root() {
        return root;
    }

    Path dir(String name) {
        return root.resolve(name);
    }

    /** The volume's mountpoint as Docker reports it. */
    Path data(String name) {
        return dir(name).resolve("_data");
    }

    void create(String name) throws IOException {
        Path data = data(name);
        if (!ids.isIdentity() && !Files.isDirectory(data)) {
            Files.createDirectories(data);
            Libc.lchown(data.toString(), ids.rootUid(), ids.rootGid());
            return;
        }
        Files.createDirectories(data);
    }

    /** 400 unless {@code opts} are options the local driver understands, with Docker's messages. */
    static void validateOptions(Map<String, String> opts) {
        for (String k : opts.keySet()) {
            if (!OPTION_KEYS.contains(k)) {
                throw ApiException.badRequest("invalid option key: \"" + k + "\"");
            }
        }
        if (opts.containsKey("size")) {
            throw ApiException.badRequest("quota size requested but no quota support");
        }
        boolean device = !opts.getOrDefault("device", "").isEmpty();
        boolean type = !opts.getOrDefault("type", "").isEmpty();
        if ((device || !opts.getOrDefault("o", "").isEmpty()) && !type) {
            throw ApiException.badRequest("missing required option: \"type\"");
        }
        if (type && !device) {
            throw ApiException.badRequest("missing required option: \"device\"");
        }
        if (type && (parse(opts.getOrDefault("o", "")).flags() & Libc.MS_BIND) != 0 && !opts.get("device").startsWith("/")) {
            throw ApiException.badRequest("invalid option: \"device\": a bind needs an absolute path, got " + opts.get("device"));
        }
    }

    /** {@code o} split into mount(2) flags and the filesystem's own data. */
    record MountOptions(long flags, String data) {}

    static MountOptions parse(String o) {
        long flags = 0;
        List<String> data = new ArrayList<>();
        for (String opt : o.split(",")) {
            if (opt.isEmpty()) {
                continue;
            }
            Long f = FLAGS.get(opt);
            if (f == null) {
                data.add(opt);
            } else if (f < 0) {
                flags &= ~(-f);
            } else {
                flags |= f;
            }
        }
        return new MountOptions(flags, String.join(",", data));
    }

    static boolean hasDevice(Map<String, String> opts) {
        return !opts.getOrDefault("type", "").isEmpty();
    }

    /** Mounts the volume's device on its {@code _data} unless already there; no-op for plain volumes. */
    void mount(VolumeRecord v) throws IOException {
        if (!hasDevice(v.options()) || isMounted(data(v.name()))) {
            return;
        }
        Files.createDirectories(data(v.name()));
        MountOptions mo = parse(v.options().getOrDefault("o", ""));
        String device = v.options().get("device");
        try {
            Libc.mount(device, data(v.name()).toString(), v.options().get("type"), mo.flags(),
                    mo.data().isEmpty() ? null : mo.data());
            if ((mo.flags() & Libc.MS_BIND) != 0 && (mo.flags() & Libc.MS_RDONLY) != 0) {
                // a bind ignores MS_RDONLY until remounted
                Libc.mount("", data(v.name()).toString(), null, mo.flags() | Libc.MS_REMOUNT, null);
            }
        } catch (Libc.ErrnoException e) {
            throw new ApiException(500, "error while mounting volume '" + data(v.name()) + "': failed to mount local volume: mount "
                    + device + ":" + data(v.name()) + ", flags: 0x" + Long.toHexString(mo.flags())
                    + (mo.data().isEmpty() ? "" : ", data: " + mo.data()) + ": " + e.getMessage());
        }
    }

    /** Unmounts the volume's device, if mounted. */
    void unmount(String name) throws IOException {
        Path d = data(name);
        for (int i = 0; i < 5 && isMounted(d); i++) {
            try {
                Libc.umount2(d.toString(), 0);
            } catch (Libc.ErrnoException e) {
                if (e.errno() == Libc.EBUSY) {
                    Libc.umount2(d.toString(), Libc.MNT_DETACH);
                } else if (e.errno() != Libc.EINVAL) {
                    throw e;
                }
            }
        }
        if (isMounted(d)) {
            throw new IOException("cannot unmount " + d);
        }
    }

    /** Deletes the volume's directory; never descends into a mount (a bind-style volume's source stays). */
    void delete(String name) throws IOException {
        unmount(name);
        deleteTree(dir(name));
    }

    /** Bytes used by the volume's files, counted once per inode. */
    long size(String name) {
        Path d = data(name);
        if (!Files.isDirectory(d)) {
            return 0;
        }
        Set<Object> seen = new java.util.HashSet<>();
        long[] total = {0};
        try {
            Files.walkFileTree(d, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile() && (attrs.fileKey() == null || seen.add(attrs.fileKey()))) {
                        total[0] += attrs.size();
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException | UncheckedIOException e) {
            return total[0];
        }
        return total[0];
    }

    static boolean isMounted(Path target) {
        return mountPoints().contains(target.toString());
    }

    /** Every mount point of berthd's mount namespace. */
    static Set<String> mountPoints() {
        Set<String> out = new java.util.HashSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                if (f.length > 4) {
                    out.add(f[4].replace("\\040", " "));
                }
            }
        } catch (IOException e) {
            // no mountinfo: nothing known to be mounted
        }
        return out;
    }

    /** Removes a tree without following symlinks and without crossing into other filesystems' mounts. */
    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Set<String> mounts = mountPoints();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (mounts.contains(dir.toString())) {
                    throw new IOException(dir + " is a mount point; not deleting");
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
