package dev.berth.tests.security;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code berthd --userns-remap <user>}: container root is the first ID of the user's subordinate
 * ranges on the host, through the real docker CLI and runc.
 */
class UsernsRemapTest {
    /** Created before the daemon starts (static fields initialise in order), removed after, even on failure. */
    private static final RemapUser USER = RemapUser.create();

    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture("--userns-remap", USER.name);

    @BeforeAll
    static void image() {
        berthd.importBusybox("busybox:userns");
    }

    @AfterAll
    static void removeUser() {
        USER.remove();
    }

    private static CommandResult docker(String... args) {
        return berthd.docker(args);
    }

    /** The Uid: line of a host process's status: real, effective, saved and filesystem UIDs. */
    private static String hostUids(String container) throws IOException {
        String pid = docker("inspect", "--format", "{{.State.Pid}}", container).ok().out();
        return Files.readAllLines(Path.of("/proc", pid, "status")).stream().filter(l -> l.startsWith("Uid:"))
                .findFirst().orElseThrow().substring(4).trim();
    }

    private static long hostOwner(Path p) throws IOException {
        return ((Number) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
    }

    @Test
    void containerRootIsAnUnprivilegedHostUid() throws IOException {
        docker("run", "-d", "--name", "remapped", "busybox:userns", "sleep", "300").ok();
        try {
            long s = USER.start;
            assertThat(hostUids("remapped").split("\\s+")).containsExactly("" + s, "" + s, "" + s, "" + s);
            assertThat(docker("exec", "remapped", "id", "-u").ok().out()).isEqualTo("0");
            assertThat(docker("exec", "remapped", "cat", "/proc/self/uid_map").ok().out().split("\\s+"))
                    .containsExactly("0", "" + s, "" + RemapUser.SIZE);
            // a sysfs of its own (the network namespace belongs to its user namespace): its own interfaces only
            assertThat(docker("exec", "remapped", "grep", " /sys ", "/proc/self/mounts").ok().out()).startsWith("sysfs /sys sysfs ro");
            assertThat(docker("exec", "remapped", "ls", "/sys/class/net").ok().out().split("\\s+")).containsExactlyInAnyOrder("eth0", "lo");
            // the image's files: root's inside, the remapped root's on the host
            assertThat(docker("exec", "remapped", "stat", "-c", "%u:%g", "/bin/busybox", "/etc").ok().out().lines())
                    .containsOnly("0:0");
            // container root owns "/" and can write anywhere in its root file system
            docker("exec", "remapped", "sh", "-c", "echo hi > /root-file && mkdir /new-dir").ok();
            String upper = docker("inspect", "--format", "{{.GraphDriver.Data.UpperDir}}", "remapped").ok().out();
            assertThat(hostOwner(Path.of(upper, "root-file"))).isEqualTo(s);
            // but it is nobody on the host: the host's root-owned files stay out of reach
            assertThat(docker("exec", "remapped", "sh", "-c", "echo x > /proc/sys/kernel/hostname").exitCode()).isNotZero();
        } finally {
            docker("rm", "-f", "remapped");
        }
    }

    @Test
    void stateLivesUnderTheMappingsOwnDirectory() throws IOException {
        String root = docker("info", "--format", "{{.DockerRootDir}}").ok().out();
        assertThat(Path.of(root)).isEqualTo(berthd.dataRoot().resolve(USER.start + "." + USER.start));
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(root))))
                .isEqualTo("rwx--x---");
        assertThat(((Number) Files.getAttribute(Path.of(root), "unix:gid")).longValue()).isEqualTo(USER.start);
        assertThat(docker("info", "--format", "{{json .SecurityOptions}}").ok().out()).contains("\"name=userns\"");
    }

    @Test
    void namedVolumeBelongsToTheRemappedRoot() throws IOException {
        docker("volume", "create", "remapvol").ok();
        try {
            assertThat(docker("run", "--rm", "-v", "remapvol:/data", "busybox:userns", "sh", "-c",
                    "echo hi > /data/f && stat -c %u /data/f /data").ok().out().lines()).containsOnly("0");
            Path data = Path.of(docker("volume", "inspect", "--format", "{{.Mountpoint}}", "remapvol").ok().out());
            assertThat(hostOwner(data)).isEqualTo(USER.start);
            assertThat(hostOwner(data.resolve("f"))).isEqualTo(USER.start);
        } finally {
            docker("volume", "rm", "-f", "remapvol");
        }
    }

    @Test
    void usernsHostOptsOut() throws IOException {
        docker("run", "-d", "--name", "hostns", "--userns=host", "busybox:userns", "sleep", "300").ok();
        try {
            assertThat(hostUids("hostns").split("\\s+")).containsExactly("0", "0", "0", "0");
            assertThat(docker("exec", "hostns", "cat", "/proc/self/uid_map").ok().out().split("\\s+"))
                    .containsExactly("0", "0", "4294967295");
        } finally {
            docker("rm", "-f", "hostns");
        }
    }

    @Test
    void whatDockerdRefusesInAUserNamespace() {
        CommandResult priv = docker("run", "--rm", "--privileged", "busybox:userns", "true");
        assertThat(priv.exitCode()).isNotZero();
        assertThat(priv.stderr()).contains("privileged mode is incompatible with user namespaces");
        CommandResult net = docker("run", "--rm", "--net=host", "busybox:userns", "true");
        assertThat(net.stderr()).contains("cannot share the host's network namespace when user namespaces are enabled");
        CommandResult pid = docker("run", "--rm", "--pid=host", "busybox:userns", "true");
        assertThat(pid.stderr()).contains("cannot share the host PID namespace when user namespaces are enabled");
        assertThat(docker("run", "--rm", "--privileged", "--userns=host", "busybox:userns", "id", "-u").ok().out()).isEqualTo("0");
    }

    /** Owner (uid:gid) of each entry of a tar, by name without a leading ./ or trailing /. */
    private static java.util.Map<String, String> owners(byte[] tar) throws IOException {
        java.util.Map<String, String> out = new java.util.HashMap<>();
        try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(new java.io.ByteArrayInputStream(tar))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                String n = e.getName().replaceFirst("^\\./", "").replaceFirst("/$", "");
                out.put(n, e.getLongUserId() + ":" + e.getLongGroupId());
            }
        }
        return out;
    }

    /** The bytes of one entry of a tar. */
    private static byte[] member(byte[] tar, String name) throws IOException {
        try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(new java.io.ByteArrayInputStream(tar))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                if (e.getName().equals(name)) {
                    return in.readAllBytes();
                }
            }
        }
        throw new AssertionError("no " + name + " in the archive");
    }

    private static byte[] bytes(CommandResult r) {
        return r.ok().stdout().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    @Test
    void commitCpAndExportShowOwnersAsTheContainerSeesThem() throws IOException {
        docker("run", "--name", "changed", "busybox:userns", "sh", "-c",
                "echo x > /made && mkdir /owned && chown 1000:1001 /owned").ok();
        try {
            String upper = docker("inspect", "--format", "{{.GraphDriver.Data.UpperDir}}", "changed").ok().out();
            assertThat(hostOwner(Path.of(upper, "owned"))).isEqualTo(USER.start + 1000);

            docker("commit", "changed", "remap:committed").ok();
            byte[] saved = bytes(docker("save", "remap:committed"));
            String manifest = new String(member(saved, "manifest.json"), java.nio.charset.StandardCharsets.UTF_8);
            var layers = new com.fasterxml.jackson.databind.ObjectMapper().readTree(manifest).get(0).get("Layers");
            Map<String, String> top = owners(member(saved, layers.get(layers.size() - 1).asText()));
            assertThat(top).containsEntry("made", "0:0").containsEntry("owned", "1000:1001");
            // and a container of the committed image sees them so too
            assertThat(docker("run", "--rm", "remap:committed", "stat", "-c", "%u:%g", "/made", "/owned").ok().out().lines())
                    .containsExactly("0:0", "1000:1001");

            assertThat(owners(bytes(docker("cp", "changed:/owned", "-")))).containsEntry("owned", "1000:1001");
            Map<String, String> exported = owners(bytes(docker("export", "changed")));
            assertThat(exported).containsEntry("made", "0:0").containsEntry("owned", "1000:1001")
                    .containsEntry("bin/busybox", "0:0");

            Path local = Files.createTempFile(berthd.dir(), "cp-in", ".txt");
            docker("cp", local.toString(), "changed:/copied-in").ok();
            assertThat(hostOwner(Path.of(upper, "copied-in"))).isEqualTo(USER.start);
        } finally {
            docker("rm", "-f", "changed");
            docker("rmi", "-f", "remap:committed");
        }
    }

    @Test
    void buildStepsCommitOwnersAsTheContainerSawThem() throws IOException {
        Path ctx = Files.createTempDirectory(berthd.dir(), "ctx");
        Files.writeString(ctx.resolve("f"), "copied");
        Files.writeString(ctx.resolve("Dockerfile"), """
                FROM busybox:userns
                RUN echo built > /built && chown 7:8 /built
                RUN --mount=type=cache,target=/cache echo cached > /cache/f && cp /cache/f /from-cache
                COPY f /copied
                """);
        docker("build", "-q", "-t", "remap:built", ctx.toString()).ok();
        try {
            assertThat(docker("run", "--rm", "remap:built", "stat", "-c", "%u:%g", "/built", "/copied", "/from-cache").ok().out().lines())
                    .containsExactly("7:8", "0:0", "0:0");
        } finally {
            docker("rmi", "-f", "remap:built");
        }
    }

    @Test
    void theContainersOwnFilesAndNamespacesWorkAsWithoutRemapping() {
        docker("run", "-d", "--name", "first", "busybox:userns", "sleep", "300").ok();
        try {
            // container root may edit the files berthd writes for it
            docker("exec", "first", "sh", "-c", "echo 10.1.2.3 extra >> /etc/hosts && echo x > /etc/hostname").ok();
            // a second container in the first's network namespace (and so its user namespace)
            assertThat(docker("run", "--rm", "--network", "container:first", "busybox:userns", "cat", "/proc/self/uid_map")
                    .ok().out().split("\\s+")).containsExactly("0", "" + USER.start, "" + RemapUser.SIZE);
            // without a network, runc makes both namespaces and mounts a sysfs of its own
            assertThat(docker("run", "--rm", "--network", "none", "busybox:userns", "sh", "-c",
                    "cat /proc/self/uid_map; grep ' /sys ' /proc/self/mounts").ok().out())
                    .contains("" + USER.start).contains("sysfs /sys sysfs ro");
            docker("restart", "-t", "0", "first").ok();
            assertThat(docker("exec", "first", "id", "-u").ok().out()).isEqualTo("0");
            assertThat(docker("run", "--rm", "--tmpfs", "/scratch", "--user", "1000", "busybox:userns", "sh", "-c",
                    "touch /tmp/x && stat -c %u /tmp/x").ok().out()).isEqualTo("1000");
        } finally {
            docker("rm", "-f", "first");
        }
    }

    @Test
    void containerRootCannotWriteHostRootsFiles() throws IOException {
        Path host = Files.createDirectory(berthd.dir().resolve("host-owned")); // root's, 0755
        Files.setPosixFilePermissions(host, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        CommandResult remapped = docker("run", "--rm", "--cap-add", "ALL", "-v", host + ":/h", "busybox:userns",
                "touch", "/h/x");
        assertThat(remapped.exitCode()).isNotZero();
        assertThat(remapped.stderr()).contains("Permission denied");
        assertThat(docker("run", "--rm", "-v", host + ":/h", "busybox:userns", "stat", "-c", "%u", "/h").ok().out())
                .isEqualTo("65534"); // host root is nobody inside
        docker("run", "--rm", "--userns=host", "-v", host + ":/h", "busybox:userns", "touch", "/h/x").ok();
        assertThat(Files.exists(host.resolve("x"))).isTrue();
    }
}
