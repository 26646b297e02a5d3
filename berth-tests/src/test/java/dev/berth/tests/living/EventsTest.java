package dev.berth.tests.living;

import dev.berth.tests.BerthdFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code docker events} through the real docker CLI: past events by time range and filters, and the live stream. */
class EventsTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @BeforeAll
    static void image() {
        berthd.importBusybox("busybox");
    }

    private static String now() {
        return berthd.dockerOk("version", "-f", "{{.Server.Version}}").out().isEmpty() ? "" // a round trip, then the time
                : String.format("%.9f", System.currentTimeMillis() / 1000.0);
    }

    private static List<String> events(String since, String until, String... filters) {
        List<String> args = new ArrayList<>(List.of("events", "--since", since, "--until", until, "--format",
                "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}"));
        for (String f : filters) {
            args.add("--filter");
            args.add(f);
        }
        return berthd.dockerOk(args.toArray(String[]::new)).out().lines().toList();
    }

    @Test
    void aContainersLifeInOrderWithDockersAttributes() throws Exception {
        String since = now();
        String id = berthd.dockerOk("run", "-d", "--name", "ev1", "--label", "team=blue", "busybox", "sleep", "300").out();
        assertThat(berthd.docker("exec", "ev1", "sh", "-c", "exit 3").exitCode()).isEqualTo(3);
        berthd.dockerOk("pause", "ev1");
        berthd.dockerOk("unpause", "ev1");
        berthd.dockerOk("rename", "ev1", "ev2");
        berthd.dockerOk("commit", "ev2", "evimg:1");
        berthd.dockerOk("kill", "ev2");
        berthd.dockerOk("rm", "ev2");
        berthd.dockerOk("tag", "busybox", "evtag:x");
        berthd.dockerOk("rmi", "evtag:x");
        Thread.sleep(50);
        String until = now();

        List<String> all = events(since, until);
        assertThat(all).containsSubsequence(
                "container create ev1", "container start ev1",
                "container exec_create: sh -c exit 3 ev1", "container exec_start: sh -c exit 3 ev1", "container exec_die ev1",
                "container pause ev1", "container unpause ev1", "container rename ev2",
                "container pause ev2", "container unpause ev2", "image tag evimg:1", "container commit ev2",
                "container kill ev2", "container die ev2", "container destroy ev2");
        assertThat(all).contains("image tag evtag:x").anyMatch(l -> l.startsWith("image untag sha256:"));

        // Docker's JSON shape
        String json = berthd.dockerOk("events", "--since", since, "--until", until, "--filter", "event=die", "--format", "{{json .}}").out();
        assertThat(json).contains("\"Type\":\"container\"").contains("\"Action\":\"die\"").contains("\"ID\":\"" + id + "\"")
                .contains("\"exitCode\":\"137\"").contains("\"image\":\"busybox\"").contains("\"team\":\"blue\"")
                .contains("\"scope\":\"local\"").contains("\"timeNano\":").contains("\"status\":\"die\"").contains("\"from\":\"busybox\"");
        assertThat(berthd.dockerOk("events", "--since", since, "--until", until, "--filter", "event=exec_die",
                "--format", "{{.Actor.Attributes.exitCode}}").out()).isEqualTo("3");
        assertThat(berthd.dockerOk("events", "--since", since, "--until", until, "--filter", "event=rename",
                "--format", "{{.Actor.Attributes.oldName}}").out()).isEqualTo("ev1");

        // filters
        assertThat(events(since, until, "type=image")).allMatch(l -> l.startsWith("image "));
        assertThat(events(since, until, "event=start", "event=destroy")).containsExactly("container start ev1", "container destroy ev2");
        assertThat(events(since, until, "container=" + id.substring(0, 12), "event=pause")).containsExactly("container pause ev1", "container pause ev2");
        assertThat(events(since, until, "label=team=blue", "event=create")).containsExactly("container create ev1");
        assertThat(events(since, until, "label=team=red")).isEmpty();
        assertThat(events(since, until, "image=busybox", "event=create")).containsExactly("container create ev1");
        assertThat(berthd.docker("events", "--since", since, "--until", until, "--filter", "bogus=1").stderr()).contains("invalid filter 'bogus'");
    }

    @Test
    void networkAndVolumeEventsWithDockersAttributes() throws Exception {
        String since = now();
        berthd.dockerOk("network", "create", "evnet");
        berthd.dockerOk("volume", "create", "evvol");
        String id = berthd.dockerOk("run", "-d", "--name", "evn", "--network", "evnet", "-v", "evvol:/data", "busybox", "sleep", "300").out();
        berthd.dockerOk("network", "connect", "bridge", "evn");
        berthd.dockerOk("network", "disconnect", "bridge", "evn");
        berthd.dockerOk("stop", "-t", "0", "evn");
        berthd.dockerOk("rm", "evn");
        berthd.dockerOk("network", "rm", "evnet");
        berthd.dockerOk("volume", "rm", "evvol");
        Thread.sleep(50);
        String until = now();
        String fmt = "{{.Type}} {{.Action}} {{.Actor.ID}} {{json .Actor.Attributes}}";
        String netId = null;
        List<String> net = berthd.dockerOk("events", "--since", since, "--until", until, "--filter", "type=network", "--format", fmt)
                .out().lines().toList();
        for (String l : net) {
            if (l.startsWith("network create ")) {
                netId = l.split(" ")[2];
            }
        }
        assertThat(netId).isNotNull();
        String bridgeId = berthd.dockerOk("network", "inspect", "-f", "{{.Id}}", "bridge").out();
        assertThat(net).containsSubsequence(
                "network create " + netId + " {\"name\":\"evnet\",\"type\":\"bridge\"}",
                "network connect " + netId + " {\"container\":\"" + id + "\",\"name\":\"evnet\",\"type\":\"bridge\"}",
                "network connect " + bridgeId + " {\"container\":\"" + id + "\",\"name\":\"bridge\",\"type\":\"bridge\"}",
                "network disconnect " + bridgeId + " {\"container\":\"" + id + "\",\"name\":\"bridge\",\"type\":\"bridge\"}",
                "network disconnect " + netId + " {\"container\":\"" + id + "\",\"name\":\"evnet\",\"type\":\"bridge\"}",
                "network destroy " + netId + " {\"name\":\"evnet\",\"type\":\"bridge\"}");
        List<String> vol = berthd.dockerOk("events", "--since", since, "--until", until, "--filter", "type=volume", "--format", fmt)
                .out().lines().toList();
        assertThat(vol).containsExactly(
                "volume create evvol {\"driver\":\"local\"}",
                "volume mount evvol {\"container\":\"" + id + "\",\"destination\":\"/data\",\"driver\":\"local\","
                        + "\"propagation\":\"\",\"read/write\":\"true\"}",
                "volume unmount evvol {\"container\":\"" + id + "\",\"driver\":\"local\"}",
                "volume destroy evvol {\"driver\":\"local\"}");
        // the network and volume filters
        assertThat(berthd.dockerOk("events", "--since", since, "--until", until, "--filter", "network=evnet", "--format", "{{.Action}}")
                .out().lines().toList()).containsExactly("create", "connect", "disconnect", "destroy");
        assertThat(berthd.dockerOk("events", "--since", since, "--until", until, "--filter", "volume=evvol", "--format", "{{.Action}}")
                .out().lines().toList()).containsExactly("create", "mount", "unmount", "destroy");
        // an anonymous volume is created with its container
        berthd.dockerOk("run", "--rm", "-v", "/anon", "busybox", "true");
        assertThat(berthd.dockerOk("events", "--since", until, "--until", now(), "--filter", "type=volume", "--format", "{{.Action}}")
                .out().lines().toList()).containsExactly("create", "mount", "unmount", "destroy");
    }

    @Test
    void liveStreamShowsEventsAsTheyHappen() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(BerthdFixture.DOCKER, "events", "--filter", "type=container", "--filter", "event=start",
                "--format", "{{.Action}} {{.Actor.Attributes.name}}");
        pb.environment().put("DOCKER_HOST", berthd.dockerHost());
        pb.environment().put("DOCKER_CONFIG", berthd.dir().resolve("docker-config").toString());
        Process p = pb.redirectErrorStream(true).start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> {
                try {
                    return r.readLine();
                } catch (java.io.IOException e) {
                    return null;
                }
            });
            // the CLI has to be connected before the event: retry until it sees one
            for (int i = 0; i < 20 && !first.isDone(); i++) {
                berthd.dockerOk("run", "--rm", "--name", "live" + i, "busybox", "true");
                try {
                    first.get(500, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException notYet) {
                    // next round
                }
            }
            assertThat(first.get(5, TimeUnit.SECONDS)).matches("start live\\d+");
        } finally {
            p.destroy();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
