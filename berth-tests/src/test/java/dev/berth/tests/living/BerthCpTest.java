package dev.berth.tests.living;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code berth cp} against {@code docker cp} on the same berthd: every copy is made by both
 * clients into twin destinations, and the resulting trees (names, types, modes, sizes, mtimes,
 * contents, link targets) must be the same; errors must read the same.
 */
class BerthCpTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    private static final String LONG = "n".repeat(120);

    @BeforeAll
    static void image() {
        berthd.importBusybox("busybox");
    }

    private static String container(boolean running) throws InterruptedException {
        String script = "mkdir -p /data/sub/deep /data/empty && echo one > /data/a && echo two > /data/sub/b"
                + " && echo long > /data/sub/deep/" + LONG + " && chmod 604 /data/a && chmod 2750 /data/sub"
                + " && touch -d '2020-01-02 03:04:05' /data/a /data/sub/b && ln -s a /data/link && ln /data/a /data/hard"
                + " && ln -s ../a /data/sub/up && ln -s /data/sub /data/dirlink && touch -d '2019-05-06 07:08:09' /data/sub /data/empty";
        String c = berthd.dockerOk("run", "-d", "busybox", "sh", "-c", script + " && touch /ready && sleep 300").out();
        for (int i = 0; i < 100 && berthd.docker("exec", c, "test", "-e", "/ready").exitCode() != 0; i++) {
            Thread.sleep(100);
        }
        if (!running) {
            berthd.dockerOk("stop", "-t", "0", c);
        }
        return c;
    }

    /** One line per file below {@code root}: path, type, mode, size, mtime, content hash or link target. */
    private static List<String> tree(Path root) throws IOException {
        List<String> out = new ArrayList<>();
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return List.of("(missing)");
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted().toList()) {
                String rel = root.relativize(p).toString();
                if (rel.isEmpty()) {
                    continue; // the destination itself: its mtime is when the copy happened
                }
                String line;
                if (Files.isSymbolicLink(p)) {
                    line = rel + " -> " + Files.readSymbolicLink(p);
                } else {
                    int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                    long mtime = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant().getEpochSecond();
                    line = rel + " " + Integer.toOctalString(mode) + " " + mtime;
                    if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        line += " " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)))
                                .substring(0, 12) + " nlink=" + Files.getAttribute(p, "unix:nlink");
                    }
                }
                out.add(line);
            }
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** Runs the same cp with docker into {@code d/...} and berth into {@code b/...}; both must succeed alike. */
    private static void both(Path base, String src, String dst, String... flags) throws IOException {
        Path d = Files.createDirectories(base.resolve("d"));
        Path b = Files.createDirectories(base.resolve("b"));
        CommandResult rd = berthd.docker(args(flags, src.replace("@", d.toString()), dst.replace("@", d.toString())));
        CommandResult rb = berthd.berth(args(flags, src.replace("@", b.toString()), dst.replace("@", b.toString())));
        assertThat(rb.exitCode()).as("berth " + src + " " + dst + ": " + rb + " docker: " + rd).isEqualTo(rd.exitCode());
        assertThat(rb.stderr().replace(b.toString(), "@")).as(src + " " + dst).isEqualTo(rd.stderr().replace(d.toString(), "@"));
        assertThat(tree(b)).as(src + " " + dst).isEqualTo(tree(d));
    }

    private static String[] args(String[] flags, String src, String dst) {
        List<String> a = new ArrayList<>(List.of("cp"));
        a.addAll(List.of(flags));
        a.add(src);
        a.add(dst);
        return a.toArray(String[]::new);
    }

    private void copyOut(boolean running) throws Exception {
        String c = container(running);
        Path base = Files.createDirectories(berthd.dir().resolve("out-" + running));
        int n = 0;
        for (String[] cs : new String[][] {
                {c + ":/data", "@/new"},                       // a directory to a new name
                {c + ":/data", "@/"},                          // into an existing directory
                {c + ":/data/.", "@/dot"},                     // the contents, to a new name
                {c + ":/data/sub/", "@/slash"},
                {c + ":/data/a", "@/file"},                    // a file to a new name
                {c + ":/data/a", "@"},                         // a file into a directory
                {c + ":/data/link", "@/link"},                 // the link itself
                {c + ":/data/dirlink/", "@/followed"}}) {      // a trailing slash follows the link
            both(base.resolve("case" + n++), cs[0], cs[1]);
        }
        both(base.resolve("follow"), c + ":/data/link", "@/target", "-L");
        both(base.resolve("follow-dir"), c + ":/data/dirlink", "@/target", "-L");
        // a file onto an existing file replaces it; onto a directory it lands inside
        Path over = base.resolve("over");
        for (String side : new String[] {"d", "b"}) {
            Files.createDirectories(over.resolve(side));
            Files.writeString(over.resolve(side).resolve("existing"), "old\n");
        }
        both(over, c + ":/data/a", "@/existing");
        // the archive to stdout is the daemon's, byte for byte
        CommandResult td = berthd.docker("cp", c + ":/data", "-");
        CommandResult tb = berthd.berth("cp", c + ":/data", "-");
        assertThat(tb.exitCode()).isZero();
        assertThat(tb.stdout()).isEqualTo(td.stdout());
        assertThat(tb.stdout()).contains("data/sub/deep/" + LONG);
        berthd.dockerOk("rm", "-f", c);
    }

    @Test
    void copiesOutOfARunningContainerAsDocker() throws Exception {
        copyOut(true);
    }

    @Test
    void copiesOutOfAStoppedContainerAsDocker() throws Exception {
        copyOut(false);
    }

    /** A local tree with modes, times, a symlink, a hardlink and a long name. */
    private static Path localTree(Path at) throws IOException {
        Path src = Files.createDirectories(at.resolve("src/sub/deep"));
        Path root = at.resolve("src");
        Files.writeString(root.resolve("tool.sh"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(root.resolve("tool.sh"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.writeString(src.resolve(LONG), "long\n");
        Files.createSymbolicLink(root.resolve("link"), Path.of("tool.sh"));
        Files.createLink(root.resolve("hard"), root.resolve("tool.sh"));
        Files.createDirectories(root.resolve("empty"));
        Files.setAttribute(root.resolve("sub/deep/" + LONG), "unix:uid", 1234);
        for (String p : new String[] {"tool.sh", "sub/deep/" + LONG, "sub/deep", "sub", "empty"}) {
            Files.setLastModifiedTime(root.resolve(p), FileTime.from(Instant.parse("2021-03-04T05:06:07Z")));
        }
        return root;
    }

    private static String listing(String c, String dir) {
        // stat inside the container: owners are kept when copying in, so they are compared too; the
        // mtimes of links and of the destinations themselves are when the copy happened, so they are left out
        CommandResult r = berthd.dockerOk("exec", c, "sh", "-c",
                "cd " + dir + " 2>/dev/null && find . -mindepth 1 | sort | while read f; do stat -c '%n %F %a %u %g %s %h' \"$f\";"
                        + " case \"$f\" in ./*/*) [ -L \"$f\" ] || stat -c %Y \"$f\";; esac;"
                        + " [ -L \"$f\" ] && readlink \"$f\"; [ -f \"$f\" ] && [ ! -L \"$f\" ] && md5sum < \"$f\"; done; true");
        return r.stdout();
    }

    private void copyIn(boolean running) throws Exception {
        String c = berthd.dockerOk("run", "-d", "busybox", "sleep", "300").out();
        Path root = localTree(berthd.dir().resolve("in-" + running));
        berthd.dockerOk("exec", c, "sh", "-c", "mkdir -p /d/exists /b/exists /d/dot /b/dot && echo x > /d/file && echo x > /b/file");
        if (!running) {
            berthd.dockerOk("stop", "-t", "0", c);
        }
        String[][] cases = {
                {root.toString(), "/@/new"},              // a directory to a new name
                {root.toString(), "/@/exists"},           // into an existing directory
                {root + "/.", "/@/dot"},                  // the contents into an existing directory
                {root + "/sub/", "/@/subcopy"},
                {root + "/tool.sh", "/@/renamed"},        // a file to a new name
                {root + "/tool.sh", "/@/exists/"},        // a file into a directory
                {root + "/tool.sh", "/@/file"},           // a file over a file
                {root + "/link", "/@/linkcopy"}};
        for (String[] cs : cases) {
            CommandResult rd = berthd.docker("cp", cs[0], c + ":" + cs[1].replace("@", "d"));
            CommandResult rb = berthd.berth("cp", cs[0], c + ":" + cs[1].replace("@", "b"));
            assertThat(rb.exitCode()).as(cs[0] + " " + cs[1] + ": " + rb + " docker: " + rd).isEqualTo(rd.exitCode());
            assertThat(rb.stderr()).isEqualTo(rd.stderr());
        }
        CommandResult fd = berthd.docker("cp", "-L", root + "/link", c + ":/d/followed");
        CommandResult fb = berthd.berth("cp", "-L", root + "/link", c + ":/b/followed");
        assertThat(fb.exitCode()).isEqualTo(fd.exitCode()).isZero();
        // a tar on stdin
        byte[] tar = berthd.dockerOk("cp", c + ":/d/new", "-").stdout().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        if (!running) {
            berthd.dockerOk("start", c);
        }
        String d = listing(c, "/d");
        assertThat(d).contains("./new/sub/deep/" + LONG).contains("./exists/src/tool.sh").contains("./renamed")
                .contains("./followed regular file");
        assertThat(listing(c, "/b")).isEqualTo(d);
        berthd.dockerOk("rm", "-f", c);
        assertThat(tar).isNotEmpty();
    }

    @Test
    void copiesIntoARunningContainerAsDocker() throws Exception {
        copyIn(true);
    }

    @Test
    void copiesIntoAStoppedContainerAsDocker() throws Exception {
        copyIn(false);
    }

    @Test
    void tarOnStdinAndStdout() throws Exception {
        String c = container(true);
        Path root = localTree(berthd.dir().resolve("stdin"));
        ProcessBuilder pb = new ProcessBuilder("tar", "-C", root.toString(), "-cf", "-", ".");
        byte[] tar = pb.start().getInputStream().readAllBytes();
        berthd.dockerOk("exec", c, "mkdir", "/d", "/b");
        assertThat(berthd.dockerWithInput(tar, "cp", "-", c + ":/d").exitCode()).isZero();
        assertThat(berthd.berthWithInput(tar, "cp", "-", c + ":/b").exitCode()).isZero();
        String d = listing(c, "/d");
        assertThat(d).contains("./sub/deep/" + LONG);
        assertThat(listing(c, "/b")).isEqualTo(d);
        // a non-directory destination for a tar is refused before anything is sent
        CommandResult rd = berthd.dockerWithInput(tar, "cp", "-", c + ":/data/a");
        CommandResult rb = berthd.berthWithInput(tar, "cp", "-", c + ":/data/a");
        assertThat(rb.exitCode()).isEqualTo(rd.exitCode()).isNotZero();
        assertThat(rb.stderr()).isEqualTo(rd.stderr()).contains("must be a directory");
        berthd.dockerOk("rm", "-f", c);
    }

    @Test
    void archiveModeGivesFilesToTheContainerUser() throws Exception {
        String c = berthd.dockerOk("run", "-d", "-u", "1:1", "busybox", "sleep", "300").out();
        Path root = localTree(berthd.dir().resolve("archive"));
        berthd.berthOk("cp", "-a", root + "/tool.sh", c + ":/tmp/a");
        berthd.berthOk("cp", root + "/tool.sh", c + ":/tmp/plain");
        String owner = Files.getAttribute(root.resolve("tool.sh"), "unix:uid") + ":" + Files.getAttribute(root.resolve("tool.sh"), "unix:gid");
        assertThat(berthd.dockerOk("exec", c, "stat", "-c", "%u:%g", "/tmp/a", "/tmp/plain").out()).isEqualTo("1:1\n" + owner);
        berthd.dockerOk("rm", "-f", c);
    }

    @Test
    void onATerminalTheClosingLineIsDockers() throws Exception {
        String c = container(true);
        Path base = Files.createDirectories(berthd.dir().resolve("tty"));
        Files.writeString(base.resolve("file"), "x".repeat(3000));
        java.util.Map<String, String> env = java.util.Map.of("DOCKER_HOST", berthd.dockerHost(), "BERTH_HOST", berthd.dockerHost(),
                "DOCKER_CONFIG", berthd.dir().resolve("docker-config").toString());
        for (String[] cs : new String[][] {{c + ":/data", base + "/out-%s"}, {base + "/file", c + ":/tmp/in-%s"}}) {
            // script(1) gives the clients a terminal: the size copied is reported, unless -q
            String d = BerthdFixture.run(List.of("script", "-qec", BerthdFixture.DOCKER + " cp " + cs[0] + " " + cs[1].formatted("x"),
                    "/dev/null"), null, env).stdout();
            String b = BerthdFixture.run(List.of("script", "-qec", berthd.repo().resolve("bin/berth") + " cp " + cs[0] + " "
                    + cs[1].formatted("x"), "/dev/null"), null, env).stdout();
            assertThat(d).startsWith("Successfully copied ");
            assertThat(b).isEqualTo(d);
            String q = BerthdFixture.run(List.of("script", "-qec", berthd.repo().resolve("bin/berth") + " cp -q " + cs[0] + " "
                    + cs[1].formatted("q"), "/dev/null"), null, env).stdout();
            assertThat(q).isEmpty();
        }
        berthd.dockerOk("rm", "-f", c);
    }

    @Test
    void errorsReadAsDockers() throws Exception {
        String c = container(true);
        Path base = Files.createDirectories(berthd.dir().resolve("errors"));
        Files.writeString(base.resolve("file"), "x\n");
        String[][] cases = {
                {base + "/file", base + "/other"},
                {c + ":/data", "other:/x"},
                {c + ":/nosuch", base + "/x"},
                {"nosuchcontainer:/data", base + "/x"},
                {c + ":/data", base + "/missing/dir/x"},
                {c + ":/data/a", base + "/newdir/"},
                {c + ":/data", base + "/file"},
                {base + "/nosuch", c + ":/tmp"},
                {base + "/file", c + ":/nosuchdir/x"},
                {base + "/file", c + ":/dev/null"},
                {base.toString(), c + ":/data/a"},
                {"", c + ":/tmp"},
                {c + ":/tmp", ""}};
        for (String[] cs : cases) {
            CommandResult rd = berthd.docker("cp", cs[0], cs[1]);
            CommandResult rb = berthd.berth("cp", cs[0], cs[1]);
            assertThat(rd.exitCode()).as("docker " + String.join(" ", cs) + ": " + rd).isNotZero();
            assertThat(rb.exitCode()).as(String.join(" ", cs) + ": " + rb).isEqualTo(rd.exitCode());
            // docker also logs its tar goroutine's "closed pipe" complaint through logrus: not part of the error
            assertThat(rb.stderr()).as(String.join(" ", cs)).isEqualTo(rd.stderr().replaceAll("(?m)^time=.*\\n", ""));
        }
        berthd.dockerOk("rm", "-f", c);
    }
}
