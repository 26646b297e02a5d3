package dev.berth.tests.volumes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Volumes, binds and tmpfs mounts through the real docker CLI. */
class VolumesDockerCliTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void images() {
        berthd.importBusybox("busybox");
        VolumeImages.importWithData(berthd, "volimg");
        VolumeImages.importWithEscapingLink(berthd, "linkimg");
    }

    @Test
    void copyUpFollowsImageSymlinksInsideTheContainerOnly() throws Exception {
        berthd.dockerOk("run", "--name", "link1", "linkimg", "true");
        JsonNode m = json(berthd.dockerOk("inspect", "-f", "{{json .Mounts}}", "link1").out()).get(0);
        Path src = Path.of(m.get("Source").asText());
        try (var s = Files.list(src)) {
            // the image's /etc (passwd, group), never the host's
            assertThat(s.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("group", "passwd");
        }
        berthd.dockerOk("rm", "-v", "link1");
    }

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }

    @Test
    void namedVolumeDataOutlivesItsContainer() throws Exception {
        assertThat(berthd.dockerOk("volume", "create", "keep1").out()).isEqualTo("keep1");
        berthd.dockerOk("run", "--name", "writer", "-v", "keep1:/data", "busybox", "sh", "-c", "echo hello > /data/f");
        berthd.dockerOk("rm", "-v", "writer");
        assertThat(berthd.dockerOk("run", "--rm", "-v", "keep1:/data", "busybox", "cat", "/data/f").out()).isEqualTo("hello");
        JsonNode v = json(berthd.dockerOk("volume", "inspect", "keep1").out()).get(0);
        assertThat(v.get("Name").asText()).isEqualTo("keep1");
        assertThat(v.get("Driver").asText()).isEqualTo("local");
        assertThat(v.get("Scope").asText()).isEqualTo("local");
        assertThat(v.get("Mountpoint").asText()).isEqualTo(berthd.dataRoot().resolve("volumes/keep1/_data").toString());
        assertThat(v.get("CreatedAt").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        assertThat(Files.readString(Path.of(v.get("Mountpoint").asText(), "f"))).isEqualTo("hello\n");
        berthd.dockerOk("volume", "rm", "keep1");
        assertThat(Files.exists(berthd.dataRoot().resolve("volumes/keep1"))).isFalse();
    }

    @Test
    void inspectShowsMountsAsDockerDoes() throws Exception {
        Path host = Files.createTempDirectory(berthd.dir(), "bindsrc");
        berthd.dockerOk("create", "--name", "mounts1", "-v", "auto1:/named", "-v", "/anon", "-v", host + ":/bound:ro",
                "--mount", "type=volume,src=auto2,dst=/mv", "--mount", "type=tmpfs,dst=/t,tmpfs-size=1m",
                "--mount", "type=bind,src=" + host + ",dst=/mb,bind-propagation=rslave", "--tmpfs", "/hidden", "busybox", "true");
        JsonNode mounts = json(berthd.dockerOk("inspect", "-f", "{{json .Mounts}}", "mounts1").out());
        List<String> seen = new ArrayList<>();
        for (JsonNode m : mounts) {
            seen.add(m.get("Destination").asText());
            List<String> keys = new ArrayList<>();
            m.fieldNames().forEachRemaining(keys::add);
            switch (m.get("Destination").asText()) {
                case "/named" -> {
                    assertThat(keys).containsExactly("Type", "Name", "Source", "Destination", "Driver", "Mode", "RW", "Propagation");
                    assertThat(m.get("Name").asText()).isEqualTo("auto1");
                    assertThat(m.get("Source").asText()).isEqualTo(berthd.dataRoot().resolve("volumes/auto1/_data").toString());
                    assertThat(m.get("Mode").asText()).isEqualTo("z");
                    assertThat(m.get("RW").asBoolean()).isTrue();
                    assertThat(m.get("Propagation").asText()).isEmpty();
                }
                case "/anon" -> {
                    assertThat(m.get("Type").asText()).isEqualTo("volume");
                    assertThat(m.get("Name").asText()).matches("[0-9a-f]{64}");
                    assertThat(m.get("Mode").asText()).isEmpty();
                }
                case "/bound" -> {
                    assertThat(keys).containsExactly("Type", "Source", "Destination", "Mode", "RW", "Propagation");
                    assertThat(m.get("Type").asText()).isEqualTo("bind");
                    assertThat(m.get("Source").asText()).isEqualTo(host.toString());
                    assertThat(m.get("Mode").asText()).isEqualTo("ro");
                    assertThat(m.get("RW").asBoolean()).isFalse();
                    assertThat(m.get("Propagation").asText()).isEqualTo("rprivate");
                }
                case "/mv" -> {
                    assertThat(m.get("Name").asText()).isEqualTo("auto2");
                    assertThat(m.get("Mode").asText()).isEqualTo("z");
                }
                case "/t" -> {
                    assertThat(keys).containsExactly("Type", "Source", "Destination", "Mode", "RW", "Propagation");
                    assertThat(m.get("Type").asText()).isEqualTo("tmpfs");
                    assertThat(m.get("Source").asText()).isEmpty();
                }
                case "/mb" -> {
                    assertThat(m.get("Mode").asText()).isEmpty();
                    assertThat(m.get("Propagation").asText()).isEqualTo("rslave");
                }
                default -> throw new AssertionError("unexpected mount " + m);
            }
        }
        assertThat(seen).containsExactlyInAnyOrder("/named", "/anon", "/bound", "/mv", "/t", "/mb");
        assertThat(berthd.dockerOk("volume", "ls", "-q").out().lines()).contains("auto1", "auto2");
        assertThat(berthd.dockerOk("ps", "-a", "--filter", "name=mounts1", "--format", "{{.Mounts}}").out()).contains("auto1");
        berthd.dockerOk("rm", "-v", "mounts1");
        // named volumes stay, the anonymous one went with -v
        assertThat(berthd.dockerOk("volume", "ls", "-q").out().lines()).contains("auto1", "auto2").noneMatch(n -> n.matches("[0-9a-f]{64}"));
        berthd.dockerOk("volume", "rm", "auto1", "auto2");
    }

    @Test
    void copyUpFillsANewVolumeWithTheImagesContentKeepingOwnership() throws Exception {
        berthd.dockerOk("run", "--name", "cu1", "volimg", "true");
        JsonNode m = json(berthd.dockerOk("inspect", "-f", "{{json .Mounts}}", "cu1").out()).get(0);
        assertThat(m.get("Destination").asText()).isEqualTo("/data");
        Path src = Path.of(m.get("Source").asText());
        assertThat(Files.readString(src.resolve("owned.txt"))).isEqualTo("from the image\n");
        assertThat(Files.getAttribute(src, "unix:uid")).isEqualTo(1000);
        assertThat(Files.getAttribute(src, "unix:mode")).isEqualTo(040750);
        assertThat(Files.getAttribute(src.resolve("owned.txt"), "unix:uid")).isEqualTo(1000);
        assertThat(Files.getAttribute(src.resolve("owned.txt"), "unix:gid")).isEqualTo(1000);
        assertThat(Files.getAttribute(src.resolve("owned.txt"), "unix:mode")).isEqualTo(0100640);
        assertThat(VolumeImages.xattr(src.resolve("owned.txt"), "berth")).isEqualTo("kept");
        // a named volume over the same path is filled too; seen from inside with owners intact
        assertThat(berthd.dockerOk("run", "--rm", "-v", "cu-named:/data", "volimg", "stat", "-c", "%u:%g %a", "/data", "/data/owned.txt").out())
                .isEqualTo("1000:1000 750\n1000:1000 640");
        // nocopy leaves it empty; content written later is not overwritten by a second copy
        assertThat(berthd.dockerOk("run", "--rm", "--mount", "type=volume,src=cu-nocopy,dst=/data,volume-nocopy", "volimg",
                "ls", "-A", "/data").out()).isEmpty();
        berthd.dockerOk("run", "--rm", "-v", "cu-named:/data", "volimg", "sh", "-c", "echo changed > /data/owned.txt");
        assertThat(berthd.dockerOk("run", "--rm", "-v", "cu-named:/data", "volimg", "cat", "/data/owned.txt").out()).isEqualTo("changed");
        berthd.dockerOk("rm", "-v", "cu1");
        berthd.dockerOk("volume", "rm", "cu-named", "cu-nocopy");
    }

    @Test
    void readOnlyMountsRefuseWrites() throws Exception {
        Path host = Files.createTempDirectory(berthd.dir(), "robind");
        berthd.dockerOk("volume", "create", "ro1");
        for (String[] mount : List.of(new String[] {"-v", "ro1:/d:ro"}, new String[] {"--mount", "type=volume,src=ro1,dst=/d,readonly"},
                new String[] {"-v", host + ":/d:ro"}, new String[] {"--mount", "type=bind,src=" + host + ",dst=/d,readonly"})) {
            CommandResult r = berthd.docker("run", "--rm", mount[0], mount[1], "busybox", "touch", "/d/x");
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.stderr()).contains("Read-only file system");
        }
        // the same bind read-write does write through to the host
        berthd.dockerOk("run", "--rm", "-v", host + ":/d", "busybox", "sh", "-c", "echo through > /d/x");
        assertThat(Files.readString(host.resolve("x"))).isEqualTo("through\n");
        berthd.dockerOk("volume", "rm", "ro1");
    }

    @Test
    void tmpfsMountsAreEmptyMemoryBackedAndHonourOptions() {
        String mounts = berthd.dockerOk("run", "--rm", "--tmpfs", "/t1:size=1m,mode=1770",
                "--mount", "type=tmpfs,dst=/t2,tmpfs-size=2097152,tmpfs-mode=0700", "volimg",
                "sh", "-c", "ls -A /t1 /t2; grep -E ' /t[12] ' /proc/mounts; stat -c '%a' /t1 /t2").out();
        assertThat(mounts).contains("tmpfs /t1 tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k,mode=1770");
        assertThat(mounts).contains("tmpfs /t2 tmpfs rw,nosuid,nodev,noexec,relatime,size=2048k,mode=700");
        assertThat(mounts).contains("1770\n700");
        // over an image path with content, a tmpfs starts empty
        assertThat(berthd.dockerOk("run", "--rm", "--tmpfs", "/data", "volimg", "ls", "-A", "/data").out()).isEmpty();
        // exec on request
        assertThat(berthd.dockerOk("run", "--rm", "--tmpfs", "/x:exec", "busybox", "sh", "-c",
                "cp /bin/busybox /x/echo && /x/echo ran").out()).isEqualTo("ran");
        CommandResult noexec = berthd.docker("run", "--rm", "--tmpfs", "/x", "busybox", "sh", "-c", "cp /bin/busybox /x/echo && /x/echo ran");
        assertThat(noexec.exitCode()).as(noexec.toString()).isNotZero();
    }

    @Test
    void rmVAndRmRemoveAnonymousVolumesButNeverNamedOnes() {
        berthd.dockerOk("run", "--name", "rmv1", "-v", "rmv-named:/a", "-v", "/b", "busybox", "true");
        String anon = berthd.dockerOk("inspect", "-f", "{{range .Mounts}}{{if eq .Destination \"/b\"}}{{.Name}}{{end}}{{end}}", "rmv1").out();
        assertThat(anon).matches("[0-9a-f]{64}");
        berthd.dockerOk("rm", "rmv1");
        assertThat(berthd.dockerOk("volume", "ls", "-q").out().lines()).contains(anon, "rmv-named");
        berthd.dockerOk("volume", "rm", anon);

        berthd.dockerOk("run", "--name", "rmv2", "-v", "rmv-named:/a", "-v", "/b", "busybox", "true");
        String anon2 = berthd.dockerOk("inspect", "-f", "{{range .Mounts}}{{if eq .Destination \"/b\"}}{{.Name}}{{end}}{{end}}", "rmv2").out();
        berthd.dockerOk("rm", "-v", "rmv2");
        assertThat(berthd.dockerOk("volume", "ls", "-q").out().lines()).contains("rmv-named").doesNotContain(anon2);

        long anonBefore = berthd.dockerOk("volume", "ls", "-q").out().lines().filter(n -> n.matches("[0-9a-f]{64}")).count();
        CommandResult rm = berthd.dockerOk("run", "--rm", "-v", "rmv-named:/a", "-v", "/b", "volimg", "sh", "-c",
                "grep ' /b ' /proc/mounts | wc -l");
        assertThat(rm.out()).isEqualTo("1");
        List<String> after = berthd.dockerOk("volume", "ls", "-q").out().lines().toList();
        assertThat(after).contains("rmv-named");
        assertThat(after.stream().filter(n -> n.matches("[0-9a-f]{64}")).count()).isEqualTo(anonBefore);
        berthd.dockerOk("volume", "rm", "rmv-named");
    }

    @Test
    void aVolumeInUseIsNeverRemoved() {
        berthd.dockerOk("volume", "create", "busy1");
        berthd.dockerOk("create", "--name", "holder", "-v", "busy1:/x", "busybox", "true");
        String id = berthd.dockerOk("inspect", "-f", "{{.Id}}", "holder").out();
        for (String[] cmd : List.of(new String[] {"volume", "rm", "busy1"}, new String[] {"volume", "rm", "-f", "busy1"})) {
            CommandResult r = berthd.docker(cmd);
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.stderr()).contains("remove busy1: volume is in use - [" + id + "]");
        }
        berthd.dockerOk("volume", "prune", "-a", "-f");
        assertThat(berthd.dockerOk("volume", "ls", "-q").out().lines()).contains("busy1");
        berthd.dockerOk("rm", "holder");
        berthd.dockerOk("volume", "rm", "busy1");
        assertThat(berthd.docker("volume", "inspect", "busy1").stderr()).contains("no such volume");
        assertThat(berthd.docker("volume", "rm", "-f", "busy1").exitCode()).isZero();
    }

    @Test
    void volumesFromSharesMountsReadOnlyOnRequest() {
        berthd.dockerOk("run", "--name", "vf-src", "-v", "/shared", "-v", "vf-named:/named", "busybox", "sh", "-c",
                "echo one > /shared/f; echo two > /named/g");
        assertThat(berthd.dockerOk("run", "--rm", "--volumes-from", "vf-src", "busybox", "cat", "/shared/f", "/named/g").out())
                .isEqualTo("one\ntwo");
        CommandResult ro = berthd.docker("run", "--rm", "--volumes-from", "vf-src:ro", "busybox", "touch", "/shared/x");
        assertThat(ro.exitCode()).isEqualTo(1);
        assertThat(ro.stderr()).contains("Read-only file system");
        CommandResult missing = berthd.docker("run", "--rm", "--volumes-from", "nosuchctr", "busybox", "true");
        assertThat(missing.exitCode()).isEqualTo(125);
        assertThat(missing.stderr()).contains("No such container: nosuchctr");
        berthd.dockerOk("create", "--name", "vf-copy", "--volumes-from", "vf-src", "busybox", "true");
        String anon = berthd.dockerOk("inspect", "-f", "{{range .Mounts}}{{if eq .Destination \"/shared\"}}{{.Name}}{{end}}{{end}}",
                "vf-src").out();
        assertThat(berthd.dockerOk("ps", "-a", "--filter", "volume=" + anon, "--format", "{{.Names}}").out().lines())
                .containsExactlyInAnyOrder("vf-src", "vf-copy");
        assertThat(berthd.dockerOk("ps", "-a", "--filter", "volume=vf-named", "--format", "{{.Names}}").out().lines())
                .containsExactlyInAnyOrder("vf-src", "vf-copy");
        // as in Docker: rm -v of the last container holding an anonymous volume removes it, even one it got from another
        berthd.dockerOk("rm", "vf-src");
        berthd.dockerOk("rm", "-v", "vf-copy");
        assertThat(berthd.dockerOk("volume", "ls", "-q").out().lines()).contains("vf-named").doesNotContain(anon);
        berthd.dockerOk("volume", "rm", "vf-named");
    }

    @Test
    void bindSourcesAreCreatedForDashVButRefusedForMount() {
        Path missing = berthd.dir().resolve("made-by-v/sub");
        berthd.dockerOk("run", "--rm", "-v", missing + ":/m", "busybox", "touch", "/m/here");
        assertThat(Files.exists(missing.resolve("here"))).isTrue();
        Path absent = berthd.dir().resolve("not-there");
        CommandResult r = berthd.docker("run", "--rm", "--mount", "type=bind,src=" + absent + ",dst=/m", "busybox", "true");
        assertThat(r.exitCode()).isEqualTo(125);
        assertThat(r.stderr()).contains("invalid mount config for type \"bind\": bind source path does not exist: " + absent);
        assertThat(Files.exists(absent)).isFalse();
    }

    @Test
    void badNamesAndSpecsAreClearErrors() {
        for (String bad : List.of("../evil", "a/b", ".hidden", "x")) {
            CommandResult r = berthd.docker("volume", "create", bad);
            assertThat(r.exitCode()).as(bad).isEqualTo(1);
            assertThat(r.stderr()).containsAnyOf("includes invalid characters for a local volume name", "volume name is too short");
        }
        assertThat(berthd.docker("run", "--rm", "-v", "a/b:/x", "busybox", "true").stderr())
                .contains("\"a/b\" includes invalid characters for a local volume name");
        assertThat(berthd.docker("run", "--rm", "--mount", "type=volume,src=v,dst=/", "busybox", "true").stderr())
                .contains("invalid mount config for type \"volume\": invalid specification: destination can't be '/'");
        assertThat(berthd.docker("run", "--rm", "-v", "v:/x:bogus", "busybox", "true").stderr()).contains("invalid mode: bogus");
        assertThat(berthd.docker("run", "--rm", "-v", "v1:/x", "-v", "v2:/x", "busybox", "true").stderr())
                .contains("Duplicate mount point: /x");
        assertThat(berthd.docker("volume", "create", "--opt", "bogus=1", "badopt").stderr()).contains("invalid option key: \"bogus\"");
        assertThat(berthd.dockerOk("volume", "ls", "-q").out().lines()).noneMatch(n -> n.equals("v") || n.equals("v1") || n.equals("badopt"));
        assertThat(Files.exists(berthd.dataRoot().resolve("evil"))).isFalse();
    }

    @Test
    void listFiltersAndPrune() {
        berthd.dockerOk("volume", "create", "--label", "team=a", "pr-a");
        berthd.dockerOk("volume", "create", "--label", "team=b", "pr-b");
        berthd.dockerOk("volume", "create", "pr-used");
        berthd.dockerOk("create", "--name", "pr-holder", "-v", "pr-used:/u", "-v", "/anon-used", "busybox", "true");
        berthd.dockerOk("run", "--name", "pr-gone", "-v", "/anon-free", "busybox", "true");
        String anonFree = berthd.dockerOk("inspect", "-f", "{{range .Mounts}}{{.Name}}{{end}}", "pr-gone").out();
        berthd.dockerOk("rm", "pr-gone");

        assertThat(berthd.dockerOk("volume", "ls", "-q", "--filter", "label=team=a").out()).isEqualTo("pr-a");
        assertThat(berthd.dockerOk("volume", "ls", "-q", "--filter", "name=pr-").out().lines()).containsExactlyInAnyOrder("pr-a", "pr-b", "pr-used");
        assertThat(berthd.dockerOk("volume", "ls", "-q", "--filter", "dangling=false").out().lines()).hasSize(2).contains("pr-used");
        assertThat(berthd.dockerOk("volume", "ls", "-q", "--filter", "dangling=true").out().lines()).contains("pr-a", "pr-b", anonFree);
        assertThat(berthd.dockerOk("volume", "ls", "--filter", "driver=local").out().lines().findFirst().orElseThrow())
                .matches("DRIVER +VOLUME NAME");

        CommandResult p = berthd.dockerOk("volume", "prune", "-f");
        assertThat(p.out()).contains("Deleted Volumes:\n" + anonFree).contains("Total reclaimed space:");
        assertThat(berthd.dockerOk("volume", "ls", "-q").out().lines()).contains("pr-a", "pr-b", "pr-used").doesNotContain(anonFree);
        berthd.dockerOk("volume", "prune", "-a", "-f", "--filter", "label=team=b");
        assertThat(berthd.dockerOk("volume", "ls", "-q").out().lines()).contains("pr-a", "pr-used").doesNotContain("pr-b");
        berthd.dockerOk("volume", "prune", "-a", "-f");
        assertThat(berthd.dockerOk("volume", "ls", "-q").out().lines()).contains("pr-used").doesNotContain("pr-a");
        berthd.dockerOk("rm", "-v", "pr-holder");
        berthd.dockerOk("volume", "rm", "pr-used");
    }

    @Test
    void systemDfCountsVolumesAndReflectsPrune() {
        berthd.dockerOk("volume", "create", "df1");
        berthd.dockerOk("run", "--rm", "-v", "df1:/d", "busybox", "sh", "-c", "head -c 100000 /dev/zero > /d/blob");
        CommandResult df = berthd.dockerOk("system", "df");
        assertThat(df.out().lines().findFirst().orElseThrow()).matches("TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE");
        assertThat(df.out()).containsPattern("Local Volumes +\\d+ +\\d+ +\\S+");
        long images = berthd.dockerOk("images", "-q").out().lines().count();
        assertThat(df.out()).containsPattern("Images +" + images + " ");
        CommandResult dfv = berthd.dockerOk("system", "df", "-v");
        assertThat(dfv.out()).containsPattern("df1 +0 +100kB");
        berthd.dockerOk("volume", "prune", "-a", "-f");
        assertThat(berthd.dockerOk("system", "df", "-v").out()).doesNotContain("df1");
    }

    @Test
    void containersShareOneVolumeAtTheSameTime() {
        berthd.dockerOk("volume", "create", "shared1");
        berthd.dockerOk("run", "-d", "--name", "sh-a", "-v", "shared1:/s", "busybox", "sh", "-c",
                "echo a > /s/a; while [ ! -f /s/b ]; do sleep 0.1; done; cat /s/b; sleep 60");
        berthd.dockerOk("run", "-d", "--name", "sh-b", "-v", "shared1:/s", "busybox", "sh", "-c",
                "echo b > /s/b; while [ ! -f /s/a ]; do sleep 0.1; done; cat /s/a; sleep 60");
        assertThat(berthd.dockerOk("wait", "--help").exitCode()).isZero();
        assertThat(eventually(() -> berthd.dockerOk("logs", "sh-a").out())).isEqualTo("b");
        assertThat(eventually(() -> berthd.dockerOk("logs", "sh-b").out())).isEqualTo("a");
        assertThat(berthd.docker("volume", "rm", "shared1").exitCode()).isEqualTo(1);
        berthd.dockerOk("rm", "-f", "sh-a", "sh-b");
        berthd.dockerOk("volume", "rm", "shared1");
    }

    @Test
    void localDriverOptionsMountTmpfsAndBindStyleVolumes() throws Exception {
        berthd.dockerOk("volume", "create", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "--opt", "o=size=1m", "tv1");
        JsonNode v = json(berthd.dockerOk("volume", "inspect", "tv1").out()).get(0);
        assertThat(v.get("Options").toString()).isEqualTo("{\"device\":\"tmpfs\",\"o\":\"size=1m\",\"type\":\"tmpfs\"}");
        assertThat(berthd.dockerOk("run", "--rm", "-v", "tv1:/d", "busybox", "grep", " /d ", "/proc/mounts").out())
                .startsWith("tmpfs /d tmpfs rw,").contains("size=1024k");

        Path host = Files.createTempDirectory(berthd.dir(), "bindvol");
        Files.writeString(host.resolve("keep"), "precious\n");
        berthd.dockerOk("volume", "create", "--opt", "type=none", "--opt", "device=" + host, "--opt", "o=bind", "bv1");
        assertThat(berthd.dockerOk("run", "--rm", "-v", "bv1:/d", "busybox", "sh", "-c", "cat /d/keep; echo new > /d/new").out())
                .isEqualTo("precious");
        assertThat(Files.readString(host.resolve("new"))).isEqualTo("new\n");
        berthd.dockerOk("volume", "rm", "tv1", "bv1");
        // removing the volume never deletes the directory it bound
        assertThat(Files.readString(host.resolve("keep"))).isEqualTo("precious\n");
    }

    private static String eventually(java.util.function.Supplier<String> s) {
        String last = "";
        for (int i = 0; i < 100; i++) {
            last = s.get();
            if (!last.isEmpty()) {
                return last;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return last;
    }
}
