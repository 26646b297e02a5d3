package dev.berth.tests.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.tests.ApiResult;
import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Detached containers through their life: ps, logs, inspect, stop, kill, pause, rename, top, wait, rm, prune. */
class LifecycleTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @BeforeAll
    static void image() {
        berthd.importBusybox("busybox");
    }


    @Test
    void detachedPsLogsStopRm() throws Exception {
        String id = berthd.dockerOk("run", "-d", "--name", "ticker", "-l", "app=tick", "busybox", "sh", "-c",
                "echo started; echo warn >&2; while true; do sleep 0.1; done").out();
        assertThat(id).matches("[0-9a-f]{64}");
        CommandResult ps = berthd.dockerOk("ps", "--format", "{{.ID}}|{{.Names}}|{{.Image}}|{{.Status}}|{{.Labels}}");
        assertThat(ps.out()).startsWith(id.substring(0, 12) + "|ticker|busybox|Up ").contains("|app=tick");
        Thread.sleep(300);
        CommandResult logs = berthd.dockerOk("logs", "ticker");
        assertThat(logs.stdout()).isEqualTo("started\n");
        assertThat(logs.stderr()).isEqualTo("warn\n");
        assertThat(berthd.dockerOk("logs", "-t", "ticker").stdout()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z started\n");
        berthd.dockerOk("stop", "-t", "1", "ticker");
        CommandResult after = berthd.dockerOk("ps", "-a", "--filter", "name=ticker", "--format", "{{.Status}}");
        assertThat(after.out()).startsWith("Exited (137) ");
        assertThat(berthd.dockerOk("ps", "-q").out()).doesNotContain(id.substring(0, 12));
        berthd.dockerOk("rm", "ticker");
        assertThat(berthd.api("GET", "/containers/" + id + "/json", null).status()).isEqualTo(404);
        Path dir = berthd.dataRoot().resolve("containers").resolve(id);
        assertThat(dir).doesNotExist();
    }

    @Test
    void stopUsesSigtermFirst() {
        String id = berthd.dockerOk("run", "-d", "busybox", "sh", "-c", "trap 'exit 7' TERM; while true; do sleep 0.1; done").out();
        berthd.dockerOk("stop", id);
        assertThat(berthd.dockerOk("inspect", "-f", "{{.State.ExitCode}}", id).out()).isEqualTo("7");
        berthd.dockerOk("rm", id);
    }

    @Test
    void inspectHasDockersShape() throws Exception {
        String id = berthd.dockerOk("create", "--name", "insp", "-e", "A=1", "-l", "k=v", "busybox", "echo", "x").out();
        ApiResult r = berthd.api("GET", "/containers/insp/json", null);
        assertThat(r.status()).isEqualTo(200);
        JsonNode n = MAPPER.readTree(r.body());
        assertThat(n.get("Id").asText()).isEqualTo(id);
        assertThat(n.get("Name").asText()).isEqualTo("/insp");
        assertThat(n.get("Path").asText()).isEqualTo("echo");
        assertThat(n.get("Args").toString()).isEqualTo("[\"x\"]");
        assertThat(n.get("Image").asText()).startsWith("sha256:");
        assertThat(n.get("Driver").asText()).isEqualTo("overlay2");
        assertThat(n.get("Platform").asText()).isEqualTo("linux");
        JsonNode st = n.get("State");
        assertThat(st.get("Status").asText()).isEqualTo("created");
        for (String f : new String[] {"Running", "Paused", "Restarting", "OOMKilled", "Dead", "Pid", "ExitCode", "Error",
                "StartedAt", "FinishedAt"}) {
            assertThat(st.has(f)).as(f).isTrue();
        }
        assertThat(n.get("Config").get("Env").toString()).contains("A=1");
        assertThat(n.get("Config").get("Labels").get("k").asText()).isEqualTo("v");
        assertThat(n.get("Config").get("Image").asText()).isEqualTo("busybox");
        assertThat(n.get("HostConfig").get("NetworkMode").asText()).isEqualTo("bridge");
        assertThat(n.get("HostConfig").get("ShmSize").asLong()).isEqualTo(64L * 1024 * 1024);
        assertThat(n.get("GraphDriver").get("Name").asText()).isEqualTo("overlay2");
        assertThat(n.get("GraphDriver").get("Data").get("UpperDir").asText()).contains(id);
        assertThat(n.get("Mounts").isArray()).isTrue();
        assertThat(n.get("NetworkSettings").has("Networks")).isTrue();
        assertThat(n.get("HostsPath").asText()).endsWith("/hosts");
        assertThat(Files.exists(Path.of(n.get("HostsPath").asText()))).isTrue();
        berthd.dockerOk("start", "-a", "insp");
        JsonNode after = MAPPER.readTree(berthd.api("GET", "/containers/insp/json", null).body()).get("State");
        assertThat(after.get("Status").asText()).isEqualTo("exited");
        assertThat(after.get("StartedAt").asText()).isNotEqualTo("0001-01-01T00:00:00Z");
        assertThat(after.get("FinishedAt").asText()).isNotEqualTo("0001-01-01T00:00:00Z");
        berthd.dockerOk("rm", "insp");
    }

    @Test
    void killDeliversTheSignal() {
        String id = berthd.dockerOk("run", "-d", "busybox", "sh", "-c", "trap 'echo got-usr1; exit 42' USR1; while true; do sleep 0.1; done").out();
        berthd.dockerOk("kill", "-s", "USR1", id);
        assertThat(berthd.dockerOk("wait", id).out()).isEqualTo("42");
        assertThat(berthd.dockerOk("logs", id).out()).isEqualTo("got-usr1");
        assertThat(berthd.docker("kill", id).stderr()).contains("is not running");
        String id2 = berthd.dockerOk("run", "-d", "busybox", "sleep", "100").out();
        berthd.dockerOk("kill", id2);
        assertThat(berthd.dockerOk("wait", id2).out()).isEqualTo("137");
        assertThat(berthd.docker("kill", "-s", "NOPE", id2).exitCode()).isNotZero();
        berthd.dockerOk("rm", id, id2);
    }

    @Test
    void pauseAndUnpauseFreezeTheContainer() throws Exception {
        String id = berthd.dockerOk("run", "-d", "busybox", "sleep", "100").out();
        berthd.dockerOk("pause", id);
        assertThat(berthd.dockerOk("ps", "--filter", "id=" + id, "--format", "{{.Status}}").out()).endsWith("(Paused)");
        assertThat(berthd.dockerOk("inspect", "-f", "{{.State.Status}} {{.State.Paused}}", id).out()).isEqualTo("paused true");
        Path freezer = Path.of("/sys/fs/cgroup/freezer", berthd.cgroupParent(), id, "freezer.state");
        assertThat(Files.readString(freezer).trim()).isEqualTo("FROZEN");
        assertThat(berthd.docker("pause", id).exitCode()).isNotZero();
        berthd.dockerOk("unpause", id);
        assertThat(Files.readString(freezer).trim()).isEqualTo("THAWED");
        assertThat(berthd.dockerOk("inspect", "-f", "{{.State.Status}}", id).out()).isEqualTo("running");
        berthd.dockerOk("pause", id);
        berthd.dockerOk("rm", "-f", id);
    }

    @Test
    void renameAndNameRules() throws Exception {
        String id = berthd.dockerOk("create", "--name", "before", "busybox", "true").out();
        berthd.dockerOk("rename", "before", "after");
        assertThat(berthd.dockerOk("inspect", "-f", "{{.Name}}", id).out()).isEqualTo("/after");
        berthd.dockerOk("create", "--name", "taken", "busybox", "true");
        CommandResult clash = berthd.docker("rename", "after", "taken");
        assertThat(clash.exitCode()).isNotZero();
        CommandResult dup = berthd.docker("create", "--name", "taken", "busybox", "true");
        assertThat(dup.stderr()).contains("Conflict. The container name \"/taken\" is already in use by container \"");
        ApiResult conflict = berthd.api("POST", "/containers/create?name=taken", "{\"Image\":\"busybox\",\"Cmd\":[\"true\"]}");
        assertThat(conflict.status()).isEqualTo(409);
        ApiResult invalid = berthd.api("POST", "/containers/create?name=bad%20name", "{\"Image\":\"busybox\"}");
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.body()).contains("Invalid container name (bad name)");
        berthd.dockerOk("rm", "after", "taken");
    }

    @Test
    void unknownContainerIs404() throws Exception {
        ApiResult r = berthd.api("GET", "/containers/nosuch/json", null);
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.body()).contains("No such container: nosuch");
        assertThat(berthd.api("POST", "/containers/nosuch/start", null).status()).isEqualTo(404);
        assertThat(berthd.api("DELETE", "/containers/nosuch", null).status()).isEqualTo(404);
        assertThat(berthd.docker("rm", "nosuch").stderr()).contains("No such container: nosuch");
    }

    @Test
    void removingARunningContainerNeedsForce() throws Exception {
        String id = berthd.dockerOk("run", "-d", "--name", "busy", "busybox", "sleep", "100").out();
        ApiResult r = berthd.api("DELETE", "/containers/busy", null);
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.body()).contains("container is running: stop the container before removing or force remove");
        assertThat(berthd.api("DELETE", "/containers/busy?force=1", null).status()).isEqualTo(204);
        assertThat(Path.of("/sys/fs/cgroup/memory", berthd.cgroupParent(), id)).doesNotExist();
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(id);
    }

    @Test
    void topListsTheContainersProcesses() {
        String id = berthd.dockerOk("run", "-d", "busybox", "sh", "-c", "sleep 100 & sleep 101").out();
        CommandResult top = berthd.dockerOk("top", id);
        assertThat(top.out()).contains("PID").contains("sleep 100").contains("sleep 101");
        assertThat(berthd.dockerOk("top", id, "-o", "pid,comm").out().lines().skip(1).filter(l -> l.contains("sleep")).count()).isEqualTo(2);
        berthd.dockerOk("rm", "-f", id);
        assertThat(berthd.docker("top", id).exitCode()).isNotZero();
    }

    @Test
    void waitConditions() throws Exception {
        String id = berthd.dockerOk("create", "busybox", "sh", "-c", "sleep 0.5; exit 9").out();
        // not-running on a created container answers at once
        ApiResult now = berthd.api("POST", "/containers/" + id + "/wait", null);
        assertThat(now.status()).isEqualTo(200);
        assertThat(now.body()).contains("\"StatusCode\":0");
        ApiResult[] next = new ApiResult[1];
        Thread waiter = Thread.ofVirtual().start(() -> {
            try {
                next[0] = berthd.api("POST", "/containers/" + id + "/wait?condition=next-exit", null);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(300);
        berthd.dockerOk("start", id);
        waiter.join(20_000);
        assertThat(next[0].body()).contains("\"StatusCode\":9").contains("\"Error\":null");
        assertThat(berthd.api("POST", "/containers/" + id + "/wait?condition=bogus", null).status()).isEqualTo(400);
        berthd.dockerOk("rm", id);
    }

    @Test
    void anExitedContainerLeavesNoRuncStateOrCgroupAndStartsAgain() {
        String id = berthd.dockerOk("run", "-d", "busybox", "sh", "-c", "sleep 100 & echo ran").out();
        assertThat(berthd.dockerOk("wait", id).out()).isEqualTo("0");
        assertThat(berthd.execRoot().resolve("runc").resolve(id)).doesNotExist();
        for (String controller : new String[] {"memory", "pids", "cpu"}) {
            assertThat(Path.of("/sys/fs/cgroup", controller, berthd.cgroupParent(), id)).doesNotExist();
        }
        berthd.dockerOk("start", id);
        assertThat(berthd.dockerOk("wait", id).out()).isEqualTo("0");
        assertThat(berthd.dockerOk("logs", id).stdout()).isEqualTo("ran\nran\n");
        berthd.dockerOk("rm", id);
    }

    @Test
    void restartRunsItAgain() {
        String id = berthd.dockerOk("run", "-d", "busybox", "sh", "-c", "echo run; sleep 100").out();
        berthd.dockerOk("restart", "-t", "0", id);
        assertThat(berthd.dockerOk("inspect", "-f", "{{.State.Running}}", id).out()).isEqualTo("true");
        berthd.dockerOk("rm", "-f", id);
    }

    @Test
    void logsOptions() throws Exception {
        String id = berthd.dockerOk("run", "-d", "busybox", "sh", "-c", "for i in 1 2 3 4 5; do echo line$i; done; printf partial").out();
        berthd.dockerOk("wait", id);
        assertThat(berthd.dockerOk("logs", "--tail", "2", id).stdout()).isEqualTo("line5\npartial");
        assertThat(berthd.dockerOk("logs", id).stdout()).isEqualTo("line1\nline2\nline3\nline4\nline5\npartial");
        assertThat(berthd.dockerOk("logs", "--since", "2000-01-01T00:00:00Z", "--until", "2001-01-01T00:00:00Z", id).stdout()).isEmpty();
        ApiResult none = berthd.api("GET", "/containers/" + id + "/logs", null);
        assertThat(none.status()).isEqualTo(400);
        berthd.dockerOk("rm", id);
    }

    @Test
    void logsFollowEndsWhenTheContainerDoes() {
        String id = berthd.dockerOk("run", "-d", "busybox", "sh", "-c", "echo a; sleep 1; echo b").out();
        CommandResult f = berthd.dockerOk("logs", "-f", id);
        assertThat(f.stdout()).isEqualTo("a\nb\n");
        berthd.dockerOk("rm", id);
    }

    @Test
    void psFiltersAndPrune() throws Exception {
        assertThat(berthd.docker("run", "--name", "pf-exited", "-l", "grp=x", "busybox", "sh", "-c", "exit 2").exitCode()).isEqualTo(2);
        String exited = berthd.dockerOk("inspect", "-f", "{{.Id}}", "pf-exited").out();
        String running = berthd.dockerOk("run", "-d", "--name", "pf-running", "-l", "grp=x", "busybox", "sleep", "100").out();
        berthd.dockerOk("create", "--name", "pf-created", "busybox", "true");
        assertThat(berthd.dockerOk("ps", "-a", "--filter", "status=exited", "--filter", "name=pf-", "--format", "{{.Names}}").out()).isEqualTo("pf-exited");
        assertThat(berthd.dockerOk("ps", "-a", "--filter", "exited=2", "--format", "{{.Names}}").out()).isEqualTo("pf-exited");
        assertThat(berthd.dockerOk("ps", "--filter", "label=grp=x", "--format", "{{.Names}}").out()).isEqualTo("pf-running");
        assertThat(berthd.dockerOk("ps", "-a", "--filter", "name=pf-", "--filter", "ancestor=busybox", "-q").out().lines()).hasSize(3);
        assertThat(berthd.dockerOk("ps", "-a", "-n", "1", "--format", "{{.Names}}").out()).isEqualTo("pf-created");
        assertThat(berthd.dockerOk("ps", "-a", "--filter", "status=created", "--format", "{{.Status}}").out()).contains("Created");
        assertThat(berthd.dockerOk("ps", "-a", "--filter", "since=pf-exited", "--filter", "name=pf-", "--format", "{{.Names}}").out())
                .isEqualTo("pf-created\npf-running");
        assertThat(berthd.dockerOk("ps", "-a", "--filter", "before=pf-created", "--filter", "name=pf-", "--format", "{{.Names}}").out())
                .isEqualTo("pf-running\npf-exited");
        assertThat(berthd.dockerOk("ps", "-s", "--filter", "name=pf-running", "--format", "{{.Size}}").out()).contains("virtual");
        ApiResult bad = berthd.api("GET", "/containers/json?filters=%7B%22bogus%22%3A%5B%22x%22%5D%7D", null);
        assertThat(bad.status()).isEqualTo(400);
        CommandResult prune = berthd.dockerOk("container", "prune", "-f");
        assertThat(prune.out()).contains("Deleted Containers:");
        assertThat(berthd.dockerOk("ps", "-a", "--filter", "name=pf-", "--format", "{{.Names}}").out()).isEqualTo("pf-running");
        berthd.dockerOk("rm", "-f", running);
        assertThat(berthd.api("GET", "/containers/" + exited + "/json", null).status()).isEqualTo(404);
    }

    @Test
    void statsFromTheContainersCgroups() throws Exception {
        String id = berthd.dockerOk("run", "-d", "--name", "busyloop", "-m", "64m", "--pids-limit", "20", "busybox", "sh", "-c",
                "while true; do :; done").out();
        Thread.sleep(500);
        CommandResult st = berthd.dockerOk("stats", "--no-stream", "--format", "{{.Name}}|{{.PIDs}}|{{.MemUsage}}|{{.CPUPerc}}", "busyloop");
        String[] f = st.out().split("\\|");
        assertThat(f[0]).isEqualTo("busyloop");
        assertThat(f[1]).isEqualTo("1");
        assertThat(f[2]).endsWith("/ 64MiB");
        assertThat(Double.parseDouble(f[3].replace("%", ""))).isGreaterThan(10.0);
        ApiResult one = berthd.api("GET", "/containers/" + id + "/stats?stream=0&one-shot=1", null);
        JsonNode n = MAPPER.readTree(one.body());
        assertThat(n.get("pids_stats").get("limit").asLong()).isEqualTo(20);
        assertThat(n.get("memory_stats").get("limit").asLong()).isEqualTo(64L << 20);
        berthd.dockerOk("rm", "-f", id);
    }

    @Test
    void diffShowsWhatTheContainerChanged() {
        String id = berthd.dockerOk("run", "-d", "busybox", "sh", "-c", "mkdir /tmp/new; echo x > /tmp/new/f; rm /bin/vi; echo y >> /etc/passwd").out();
        berthd.dockerOk("wait", id);
        assertThat(berthd.dockerOk("diff", id).out()).isEqualTo("C /bin\nD /bin/vi\nC /etc\nC /etc/passwd\nC /tmp\nA /tmp/new\nA /tmp/new/f");
        String clean = berthd.dockerOk("run", "-d", "busybox", "true").out();
        berthd.dockerOk("wait", clean);
        assertThat(berthd.dockerOk("diff", clean).out()).isEmpty();
        berthd.dockerOk("rm", id, clean);
    }

    @Test
    void exportWritesTheMergedFilesystem() throws Exception {
        String id = berthd.dockerOk("run", "-d", "busybox", "sh", "-c", "echo hi > /tmp/made-here").out();
        berthd.dockerOk("wait", id);
        Path tar = berthd.dir().resolve("export.tar");
        berthd.dockerOk("export", "-o", tar.toString(), id);
        CommandResult list = BerthdFixture.run(java.util.List.of("tar", "-tvf", tar.toString()), null, java.util.Map.of());
        assertThat(list.stdout()).contains(" bin/busybox").contains(" tmp/made-here").contains("bin/sh -> busybox");
        CommandResult content = BerthdFixture.run(java.util.List.of("tar", "-xOf", tar.toString(), "tmp/made-here"), null, java.util.Map.of());
        assertThat(content.stdout()).isEqualTo("hi\n");
        // the stopped container's filesystem was mounted for the export only
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(id);
        berthd.dockerOk("rm", id);
    }

    @Test
    void infoCountsContainers() {
        String id = berthd.dockerOk("run", "-d", "busybox", "sleep", "100").out();
        CommandResult info = berthd.dockerOk("info", "--format", "{{.ContainersRunning}}");
        assertThat(Integer.parseInt(info.out())).isGreaterThanOrEqualTo(1);
        berthd.dockerOk("rm", "-f", id);
    }
}
