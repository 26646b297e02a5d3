package dev.berth.daemon.containers;

import dev.berth.daemon.Daemon;
import dev.berth.daemon.DaemonConfig;
import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.images.ResolvedImage;
import dev.berth.oci.ContainerConfig;
import dev.berth.oci.ImageConfig;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * An in-process berthd for tests of the container runtime before the image store exists: one
 * image, {@code busybox}, whose single layer is the busybox rootfs from scripts/busybox-rootfs.sh.
 * Cleans up containers, mounts and cgroups on close.
 */
final class LocalDaemon implements AutoCloseable {
    static final String IMAGE_ID = "sha256:" + "b".repeat(64);
    static final String MANY_ID = "sha256:" + "c".repeat(64);

    final Path dir;
    final Path layer;
    final String cgroupParent = "berth-ut-" + UUID.randomUUID().toString().substring(0, 8);
    final Daemon daemon;

    LocalDaemon() throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "bdt-");
        layer = dir.resolve("layer");
        Files.createDirectories(layer);
        Path repo = Path.of("").toAbsolutePath();
        while (!Files.exists(repo.resolve("scripts/busybox-rootfs.sh"))) {
            repo = repo.getParent();
        }
        Process p = new ProcessBuilder("sh", "-c", repo.resolve("scripts/busybox-rootfs.sh") + " | tar -C " + layer + " -xf -")
                .inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("busybox rootfs failed");
        }
        ContainerConfig cc = new ContainerConfig(null, null, null, null, List.of("sh"), null, null, null, null, null, null, null, null);
        ImageConfig ic = new ImageConfig(null, null, "amd64", "linux", null, cc, null, null, null);
        DaemonConfig cfg = new DaemonConfig(dir.resolve("data"), dir.resolve("run"), List.of("unix://" + dir.resolve("run/berth.sock")),
                null, "debug", "runc", "conmon", cgroupParent, 1024 * 1024, 3, 64L * 1024 * 1024, Map.of());
        // "many": busybox under 60 thin layers with long paths, more than one mount(2) option page holds
        List<Path> many = new ArrayList<>(List.of(layer));
        for (int i = 0; i < 60; i++) {
            Path l = dir.resolve("a-layer-directory-with-a-deliberately-long-name-to-fill-the-options-page-" + i);
            Files.createDirectories(l.resolve("layers"));
            Files.writeString(l.resolve("layers/" + i), "layer" + i + "\n");
            many.add(l);
        }
        daemon = new Daemon(cfg, ref -> {
            if (ref.equals("busybox") || ref.equals("busybox:latest") || ref.equals(IMAGE_ID)) {
                return new ResolvedImage(IMAGE_ID, ic, List.of(layer));
            }
            if (ref.equals("many") || ref.equals("many:latest") || ref.equals(MANY_ID)) {
                return new ResolvedImage(MANY_ID, ic, many);
            }
            throw ApiException.notFound("No such image: " + ref);
        });
        daemon.start();
    }

    String host() {
        return "unix://" + dir.resolve("run/berth.sock");
    }

    record Result(int code, String out, String err) {}

    Result docker(String... args) throws Exception {
        return dockerIn(null, args);
    }

    Result dockerIn(byte[] stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/local/bin/docker"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("DOCKER_HOST", host());
        pb.environment().put("DOCKER_CONFIG", dir.resolve("docker-config").toString());
        Process p = pb.start();
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        Thread t1 = Thread.ofVirtual().start(() -> copy(p.getInputStream(), out));
        Thread t2 = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), err));
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin);
            }
        } catch (IOException ignored) {
            // exited early
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("docker " + args[0] + " timed out");
        }
        t1.join();
        t2.join();
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void copy(InputStream in, OutputStream out) {
        try {
            in.transferTo(out);
        } catch (IOException ignored) {
            // ended
        }
    }

    @Override
    public void close() throws Exception {
        daemon.close();
        Path runc = dir.resolve("run/runc");
        Process l = new ProcessBuilder("runc", "--root", runc.toString(), "list", "-q").start();
        for (String id : new String(l.getInputStream().readAllBytes()).split("\\s+")) {
            if (!id.isBlank()) {
                new ProcessBuilder("runc", "--root", runc.toString(), "delete", "-f", id).start().waitFor();
            }
        }
        l.waitFor();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.toList()) {
                try {
                    String cmdline = Files.readString(p.resolve("cmdline"));
                    if (cmdline.contains(dir.toString()) && !p.getFileName().toString().equals(Long.toString(ProcessHandle.current().pid()))) {
                        ProcessHandle.of(Long.parseLong(p.getFileName().toString())).ifPresent(ProcessHandle::destroyForcibly);
                    }
                } catch (IOException | RuntimeException ignored) {
                    // not a process or gone
                }
            }
        }
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo")).reversed()) {
            String mp = line.split(" ")[4];
            if (mp.startsWith(dir.toString())) {
                new ProcessBuilder("umount", "-l", mp).start().waitFor();
            }
        }
        for (String ctl : List.of("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "systemd", "unified")) {
            Path cg = Path.of("/sys/fs/cgroup", ctl, cgroupParent);
            if (Files.isDirectory(cg)) {
                try (var w = Files.walk(cg)) {
                    w.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).forEach(d -> d.toFile().delete());
                }
            }
        }
        new ProcessBuilder("rm", "-rf", "--one-file-system", dir.toString()).start().waitFor();
    }
}
