package dev.berth.tests.living;

import dev.berth.tests.ApiResult;
import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code docker cp} both ways through the real docker CLI, and the archive API against hostile symlinks and tars. */
class CopyTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @BeforeAll
    static void image() {
        berthd.importBusybox("busybox");
    }

    private static String run(String... cmd) {
        String[] args = new String[cmd.length + 3];
        args[0] = "run";
        args[1] = "-d";
        args[2] = "busybox";
        System.arraycopy(cmd, 0, args, 3, cmd.length);
        return berthd.dockerOk(args).out();
    }

    private static String sh(String c, String script) {
        return berthd.dockerOk("exec", c, "sh", "-c", script).out();
    }

    @Test
    void fileAndDirectoryIntoARunningContainerKeepModeOwnerAndTime() throws Exception {
        String c = run("sleep", "300");
        Path src = Files.createDirectories(berthd.dir().resolve("cp-in"));
        Path f = src.resolve("tool.sh");
        Files.writeString(f, "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-x---"));
        Files.setLastModifiedTime(f, FileTime.from(Instant.parse("2021-03-04T05:06:07Z")));
        Files.setAttribute(f, "unix:uid", 1234);
        Files.setAttribute(f, "unix:gid", 4321);
        Path sub = Files.createDirectories(src.resolve("tree/deep"));
        Files.writeString(sub.resolve("leaf"), "leaf\n");

        berthd.dockerOk("cp", f.toString(), c + ":/tmp/");
        assertThat(sh(c, "stat -c '%a %u %g %Y' /tmp/tool.sh; /tmp/tool.sh"))
                .isEqualTo("750 1234 4321 " + Instant.parse("2021-03-04T05:06:07Z").getEpochSecond() + "\nhi");
        // a new name for a file, a directory copied to a path that does not exist yet
        berthd.dockerOk("cp", f.toString(), c + ":/renamed");
        berthd.dockerOk("cp", src.resolve("tree").toString(), c + ":/newdir");
        assertThat(sh(c, "cat /renamed >/dev/null && cat /newdir/deep/leaf")).isEqualTo("leaf");
        // dir/. copies the contents into an existing directory
        berthd.dockerOk("cp", src.resolve("tree").toString() + "/.", c + ":/etc");
        assertThat(sh(c, "cat /etc/deep/leaf")).isEqualTo("leaf");
        berthd.dockerOk("rm", "-f", c);
    }

    @Test
    void fileAndDirectoryOutOfRunningAndStoppedContainers() throws Exception {
        String c = run("sh", "-c", "mkdir -p /data/sub && echo one > /data/a && echo two > /data/sub/b && chmod 604 /data/a"
                + " && chown 7:8 /data/sub/b && touch -d '2020-01-02 03:04:05' /data/a && ln -sfn a /data/link && sleep 300");
        waitFor(c, "/data/link");
        Path out = Files.createDirectories(berthd.dir().resolve("cp-out"));
        berthd.dockerOk("cp", c + ":/data/a", out.resolve("a").toString());
        assertThat(Files.readString(out.resolve("a"))).isEqualTo("one\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("a")))).isEqualTo("rw----r--");
        assertThat(Files.getLastModifiedTime(out.resolve("a")).toInstant().getEpochSecond())
                .isEqualTo(java.time.LocalDateTime.parse("2020-01-02T03:04:05").toEpochSecond(java.time.ZoneOffset.UTC));
        berthd.dockerOk("cp", c + ":/data", out.resolve("data").toString());
        assertThat(Files.readString(out.resolve("data/sub/b"))).isEqualTo("two\n");
        // the docker CLI gives what it extracts to its own user; the archive carries the container's owners
        ApiResult raw = berthd.api("GET", "/containers/" + c + "/archive?path=/data/sub", null);
        try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
                new java.io.ByteArrayInputStream(raw.body().getBytes(StandardCharsets.ISO_8859_1)))) {
            assertThat(tar.getNextEntry().getName()).isEqualTo("sub/");
            TarArchiveEntry b = tar.getNextEntry();
            assertThat(b.getName()).isEqualTo("sub/b");
            assertThat(b.getLongUserId()).isEqualTo(7);
            assertThat(b.getLongGroupId()).isEqualTo(8);
        }
        assertThat(Files.readSymbolicLink(out.resolve("data/link")).toString()).isEqualTo("a");

        berthd.dockerOk("stop", "-t", "0", c);
        Path out2 = Files.createDirectories(berthd.dir().resolve("cp-out2"));
        berthd.dockerOk("cp", c + ":/data/.", out2.toString());
        assertThat(Files.readString(out2.resolve("sub/b"))).isEqualTo("two\n");
        Path in = berthd.dir().resolve("into-stopped");
        Files.writeString(in, "while stopped\n");
        berthd.dockerOk("cp", in.toString(), c + ":/data/new");
        berthd.dockerOk("start", c);
        assertThat(sh(c, "cat /data/new")).isEqualTo("while stopped");
        CommandResult missing = berthd.docker("cp", c + ":/nosuch", out.toString());
        assertThat(missing.exitCode()).isNotZero();
        assertThat(missing.stderr()).contains("Could not find the file /nosuch in container");
        berthd.dockerOk("rm", "-f", c);
    }

    private static void waitFor(String c, String path) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            if (berthd.docker("exec", c, "test", "-e", path).exitCode() == 0) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(path + " never appeared in " + c);
    }

    @Test
    void symlinksPointingOutOfTheContainerStayInside() throws Exception {
        Path host = Files.createDirectories(berthd.dir().resolve("host-secret"));
        Files.writeString(host.resolve("secret"), "host only\n");
        String c = run("sleep", "300");
        sh(c, "ln -s " + host + " /abs && ln -s ../../../../../../../../.." + host + " /rel && mkdir -p /inner"
                + " && ln -s ../../../../.. /inner/up");
        Path out = Files.createDirectories(berthd.dir().resolve("cp-escape"));
        for (String p : new String[] {"/abs/secret", "/rel/secret", "/inner/up" + host + "/secret", "/abs/."}) {
            CommandResult r = berthd.docker("cp", c + ":" + p, out.resolve("x").toString());
            assertThat(r.exitCode()).as(p + ": " + r).isNotZero();
            assertThat(r.stderr()).contains("Could not find the file");
        }
        assertThat(out.resolve("x")).doesNotExist();
        // the link itself can be copied: it is just a link
        berthd.dockerOk("cp", c + ":/abs", out.resolve("link").toString());
        assertThat(Files.readSymbolicLink(out.resolve("link"))).isEqualTo(host);
        // into the container through the same links: never onto the host
        Path f = berthd.dir().resolve("payload");
        Files.writeString(f, "payload\n");
        assertThat(berthd.docker("cp", f.toString(), c + ":/abs/").exitCode()).isNotZero();
        assertThat(berthd.docker("cp", f.toString(), c + ":/rel/payload").exitCode()).isNotZero();
        // a link that resolves inside the container is followed there, as the container would
        sh(c, "mkdir -p " + host + " && echo inside > " + host + "/secret");
        berthd.dockerOk("cp", c + ":/rel/secret", out.resolve("y").toString());
        assertThat(Files.readString(out.resolve("y"))).isEqualTo("inside\n");
        berthd.dockerOk("cp", f.toString(), c + ":/abs/");
        assertThat(sh(c, "cat " + host + "/payload")).isEqualTo("payload");
        try (var files = Files.list(host)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("secret");
        }
        assertThat(Files.readString(host.resolve("secret"))).isEqualTo("host only\n");
        berthd.dockerOk("rm", "-f", c);
    }

    @Test
    void volumesAndBindMountsAreSeenAsTheContainerSeesThem() throws Exception {
        Path bind = Files.createDirectories(berthd.dir().resolve("cp-bind"));
        Files.writeString(bind.resolve("on-host"), "from the host\n");
        String c = berthd.dockerOk("run", "-d", "-v", "cpvol:/vol", "-v", bind + ":/bind", "-v", "cpro:/ro:ro",
                "busybox", "sh", "-c", "echo in-volume > /vol/made-inside && sleep 300").out();
        waitFor(c, "/vol/made-inside");
        Path f = berthd.dir().resolve("into-volume");
        Files.writeString(f, "copied in\n");
        Path out = Files.createDirectories(berthd.dir().resolve("cp-vol-out"));
        for (String state : new String[] {"running", "stopped"}) {
            // into a named volume: the file is in the volume, not hidden under it in the root filesystem
            berthd.dockerOk("cp", f.toString(), c + ":/vol/in-" + state);
            berthd.dockerOk("cp", f.toString(), c + ":/bind/in-" + state);
            assertThat(bind.resolve("in-" + state)).hasContent("copied in");
            berthd.dockerOk("cp", c + ":/vol/made-inside", out.resolve("made-" + state).toString());
            assertThat(out.resolve("made-" + state)).hasContent("in-volume");
            berthd.dockerOk("cp", c + ":/bind/on-host", out.resolve("host-" + state).toString());
            assertThat(out.resolve("host-" + state)).hasContent("from the host");
            CommandResult ro = berthd.docker("cp", f.toString(), c + ":/ro/x");
            assertThat(ro.exitCode()).isNotZero();
            assertThat(ro.stderr()).contains("mounted volume is marked read-only");
            if (state.equals("running")) {
                berthd.dockerOk("stop", "-t", "0", c);
            }
        }
        // the stopped container's sources were bound for the calls only
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(c);
        String mp = berthd.dockerOk("volume", "inspect", "-f", "{{.Mountpoint}}", "cpvol").out();
        assertThat(Path.of(mp, "in-running")).hasContent("copied in");
        assertThat(Path.of(mp, "in-stopped")).hasContent("copied in");
        // another container on the volume sees both files
        assertThat(berthd.dockerOk("run", "--rm", "-v", "cpvol:/v", "busybox", "cat", "/v/in-running", "/v/in-stopped").out())
                .isEqualTo("copied in\ncopied in");
        berthd.dockerOk("start", c);
        assertThat(sh(c, "cat /vol/in-stopped /bind/in-stopped; ls /ro")).isEqualTo("copied in\ncopied in");
        berthd.dockerOk("rm", "-f", c);
    }

    @Test
    void statHeaderDescribesThePathAsDockerDoes() throws Exception {
        String c = run("sh", "-c", "mkdir /d && echo 12345 > /d/f && ln -s /d/f /l && sleep 300");
        waitFor(c, "/l");
        ApiResult r = berthd.api("HEAD", "/containers/" + c + "/archive?path=/l", null);
        assertThat(r.status()).isEqualTo(200);
        String stat = new String(Base64.getDecoder().decode(r.headers().get("x-docker-container-path-stat")), StandardCharsets.UTF_8);
        assertThat(stat).contains("\"name\":\"l\"").contains("\"linkTarget\":\"/d/f\"").contains("\"mode\":" + ((1L << 27) | 0777));
        r = berthd.api("HEAD", "/containers/" + c + "/archive?path=/d", null);
        stat = new String(Base64.getDecoder().decode(r.headers().get("x-docker-container-path-stat")), StandardCharsets.UTF_8);
        assertThat(stat).contains("\"name\":\"d\"").contains("\"mode\":" + ((1L << 31) | 0755));
        assertThat(berthd.api("HEAD", "/containers/" + c + "/archive?path=/nope", null).status()).isEqualTo(404);
        assertThat(berthd.api("GET", "/containers/" + c + "/archive", null).status()).isEqualTo(400);
        assertThat(berthd.apiRaw("PUT", "/containers/" + c + "/archive?path=/d/f", "application/x-tar", tar(t -> {})).status())
                .isEqualTo(400);
        berthd.dockerOk("rm", "-f", c);
    }

    @FunctionalInterface
    interface TarBody {
        void write(TarArchiveOutputStream t) throws IOException;
    }

    private static byte[] tar(TarBody body) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
            body.write(t);
        }
        return b.toByteArray();
    }

    private static void file(TarArchiveOutputStream t, String name, String content) throws IOException {
        byte[] data = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(data.length);
        e.setMode(0644);
        t.putArchiveEntry(e);
        t.write(data);
        t.closeArchiveEntry();
    }

    private static void link(TarArchiveOutputStream t, String name, String target, byte type) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, type);
        e.setLinkName(target);
        t.putArchiveEntry(e);
        t.closeArchiveEntry();
    }

    @Test
    void hostileArchivesCannotWriteOutside() throws Exception {
        Path host = Files.createDirectories(berthd.dir().resolve("host-target"));
        String c = run("sleep", "300");
        String url = "/containers/" + c + "/archive?path=/tmp";
        ApiResult dots = berthd.apiRaw("PUT", url, "application/x-tar", tar(t -> file(t, "../../../../../../.." + host + "/dots", "x")));
        assertThat(dots.status()).as(dots.toString()).isEqualTo(400);
        assertThat(dots.body()).contains("outside of the destination");
        ApiResult viaLink = berthd.apiRaw("PUT", url, "application/x-tar", tar(t -> {
            link(t, "esc", host.toString(), TarConstants.LF_SYMLINK);
            file(t, "esc/through-link", "x");
        }));
        assertThat(viaLink.status()).as(viaLink.toString()).isEqualTo(400);
        ApiResult hard = berthd.apiRaw("PUT", url, "application/x-tar", tar(t -> link(t, "hl", "../../etc/passwd", TarConstants.LF_LINK)));
        assertThat(hard.status()).as(hard.toString()).isEqualTo(400);
        // absolute names land below the destination, as with Docker
        ApiResult abs = berthd.apiRaw("PUT", url, "application/x-tar", tar(t -> file(t, host + "/abs", "abs\n")));
        assertThat(abs.status()).as(abs.toString()).isEqualTo(200);
        assertThat(sh(c, "cat /tmp" + host + "/abs")).isEqualTo("abs");
        // a symlink the archive makes is followed inside the container by later entries
        ApiResult inside = berthd.apiRaw("PUT", url, "application/x-tar", tar(t -> {
            link(t, "toetc", "/etc", TarConstants.LF_SYMLINK);
            file(t, "toetc/dropped", "in etc\n");
        }));
        assertThat(inside.status()).as(inside.toString()).isEqualTo(200);
        assertThat(sh(c, "cat /etc/dropped")).isEqualTo("in etc");
        // a compressed archive is accepted, as Docker accepts gzip, bzip2 and xz
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (var z = new java.util.zip.GZIPOutputStream(gz)) {
            z.write(tar(t -> file(t, "zipped", "gz\n")));
        }
        assertThat(berthd.apiRaw("PUT", url, "application/x-tar", gz.toByteArray()).status()).isEqualTo(200);
        assertThat(sh(c, "cat /tmp/zipped")).isEqualTo("gz");
        ApiResult garbage = berthd.apiRaw("PUT", url, "application/x-tar", "not a tar at all, just some bytes".repeat(40).getBytes());
        assertThat(garbage.status()).isEqualTo(400);
        try (var files = Files.list(host)) {
            assertThat(files.toList()).isEmpty();
        }
        berthd.dockerOk("rm", "-f", c);
    }

    @Test
    void swappingADirectoryForAnEscapingSymlinkNeverLeaksTheHost() throws Exception {
        Path host = Files.createDirectories(berthd.dir().resolve("host-race"));
        Files.writeString(host.resolve("f"), "HOSTDATA\n");
        // the container flips /race/d between a directory holding f and a symlink to the host directory
        String c = run("sh", "-c", "mkdir -p /race/real && echo inside > /race/real/f; while true; do ln -sfn " + host
                + " /race/d.tmp; mv -T /race/d.tmp /race/d; ln -sfn real /race/d.tmp; mv -T /race/d.tmp /race/d; done");
        Path out = Files.createDirectories(berthd.dir().resolve("race-out"));
        for (int i = 0; i < 30; i++) {
            Path dst = out.resolve("r" + i);
            berthd.docker("cp", c + ":/race/d/f", dst.toString());
            if (Files.exists(dst)) {
                assertThat(Files.readString(dst)).isEqualTo("inside\n");
            }
        }
        berthd.dockerOk("rm", "-f", c);
    }
}
