package dev.berth.tests.living;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.tests.BerthdFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/** Health checks from {@code --health-*} flags and from the image, through the real docker CLI. */
class HealthTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @BeforeAll
    static void image() {
        berthd.importBusybox("busybox");
    }

    private static JsonNode health(String c) throws Exception {
        return MAPPER.readTree(berthd.dockerOk("inspect", "-f", "{{json .State.Health}}", c).out());
    }

    /** Polls inspect until {@code test} holds (a probe every 200 ms: no timing is asserted, only the outcome). */
    private static JsonNode awaitHealth(String c, Predicate<JsonNode> test) throws Exception {
        JsonNode h = null;
        for (int i = 0; i < 150; i++) {
            h = health(c);
            if (test.test(h)) {
                return h;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("health never got there: " + h);
    }

    @Test
    void healthyThenUnhealthyWhenItsFileGoes() throws Exception {
        String since = String.format("%.9f", System.currentTimeMillis() / 1000.0 - 1);
        String c = berthd.dockerOk("run", "-d", "--name", "hc1", "--health-cmd", "test -e /tmp/ok && echo fine",
                "--health-interval", "200ms", "--health-retries", "2", "busybox", "sh", "-c", "touch /tmp/ok; sleep 300").out();
        JsonNode h = awaitHealth(c, n -> n.path("Status").asText().equals("healthy"));
        assertThat(h.path("FailingStreak").asInt()).isZero();
        assertThat(h.path("Log").get(h.path("Log").size() - 1).path("Output").asText()).isEqualTo("fine\n");
        assertThat(berthd.dockerOk("ps", "--filter", "name=hc1", "--format", "{{.Status}}").out()).endsWith("(healthy)");

        berthd.dockerOk("exec", c, "rm", "/tmp/ok");
        h = awaitHealth(c, n -> n.path("Status").asText().equals("unhealthy"));
        assertThat(h.path("FailingStreak").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(h.path("Log").size()).isBetween(1, 5);
        assertThat(h.path("Log").get(h.path("Log").size() - 1).path("ExitCode").asInt()).isEqualTo(1);
        awaitHealth(c, n -> n.path("Log").size() == 5);
        assertThat(berthd.dockerOk("ps", "--filter", "name=hc1", "--format", "{{.Status}}").out()).endsWith("(unhealthy)");

        String until = String.format("%.9f", System.currentTimeMillis() / 1000.0);
        assertThat(berthd.dockerOk("events", "--since", since, "--until", until, "--filter", "container=hc1",
                "--filter", "event=health_status", "--format", "{{.Action}}").out().lines().toList())
                .containsExactly("health_status: healthy", "health_status: unhealthy");
        berthd.dockerOk("rm", "-f", c);
    }

    @Test
    void monitoringResumesForContainersReadoptedAfterABerthdRestart() throws Exception {
        String c = berthd.dockerOk("run", "-d", "--health-cmd", "true", "--health-interval", "200ms", "busybox", "sleep", "300").out();
        awaitHealth(c, n -> n.path("Status").asText().equals("healthy"));
        // an exec that finished before the restart can be inspected until then
        String exec = MAPPER.readTree(
                berthd.api("POST", "/containers/" + c + "/exec", "{\"Cmd\":[\"sh\",\"-c\",\"exit 4\"]}").body()).path("Id").asText();
        assertThat(berthd.api("POST", "/exec/" + exec + "/start", "{\"Detach\":true}").status()).isEqualTo(200);
        for (int i = 0; i < 100 && !berthd.api("GET", "/exec/" + exec + "/json", null).body().contains("\"ExitCode\":4"); i++) {
            Thread.sleep(100);
        }
        assertThat(berthd.api("GET", "/exec/" + exec + "/json", null).body()).contains("\"ExitCode\":4");
        berthd.restart();
        // health lives in memory: it starts over, and probes run again for the re-adopted container
        awaitHealth(c, n -> n.path("Status").asText().equals("healthy") && n.path("Log").size() >= 2);
        // as Docker, execs are forgotten across a daemon restart
        var gone = berthd.api("GET", "/exec/" + exec + "/json", null);
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.body()).contains("No such exec instance: " + exec);
        berthd.dockerOk("rm", "-f", c);
    }

    @Test
    void imageHealthcheckTimeoutsStartPeriodAndNoHealthcheck() throws Exception {
        String base = berthd.dockerOk("create", "busybox", "true").out();
        // an image whose config carries a health check (docker commit takes a Config body)
        assertThat(berthd.api("POST", "/commit?container=" + base + "&repo=hcimage&tag=1",
                "{\"Healthcheck\":{\"Test\":[\"CMD-SHELL\",\"exit 1\"],\"Interval\":200000000,\"Retries\":2}}").status())
                .isEqualTo(201);
        assertThat(berthd.dockerOk("inspect", "-f", "{{json .Config.Healthcheck.Test}}", "hcimage:1").out())
                .isEqualTo("[\"CMD-SHELL\",\"exit 1\"]");
        String fromImage = berthd.dockerOk("run", "-d", "hcimage:1", "sleep", "300").out();
        awaitHealth(fromImage, n -> n.path("Status").asText().equals("unhealthy"));

        String none = berthd.dockerOk("run", "-d", "--no-healthcheck", "hcimage:1", "sleep", "300").out();
        assertThat(berthd.dockerOk("inspect", "-f", "{{json .State.Health}}", none).out()).isEqualTo("null");
        assertThat(berthd.dockerOk("ps", "--filter", "id=" + none, "--format", "{{.Status}}").out()).doesNotContain("(");

        // the container's own timing overrides the image's; the test is the image's
        String slow = berthd.dockerOk("run", "-d", "--health-cmd", "sleep 10", "--health-timeout", "300ms",
                "--health-interval", "200ms", "--health-retries", "1", "busybox", "sleep", "300").out();
        JsonNode h = awaitHealth(slow, n -> n.path("Status").asText().equals("unhealthy"));
        assertThat(h.path("Log").get(0).path("Output").asText()).startsWith("Health check exceeded timeout");
        assertThat(h.path("Log").get(0).path("ExitCode").asInt()).isEqualTo(-1);

        // failures inside the start period do not count
        String starting = berthd.dockerOk("run", "-d", "--health-cmd", "exit 1", "--health-interval", "200ms",
                "--health-start-period", "10m", "--health-start-interval", "200ms", "--health-retries", "1", "busybox", "sleep", "300").out();
        h = awaitHealth(starting, n -> n.path("Log").size() >= 3);
        assertThat(h.path("Status").asText()).isEqualTo("starting");
        assertThat(h.path("FailingStreak").asInt()).isZero();
        assertThat(berthd.dockerOk("ps", "--filter", "id=" + starting, "--format", "{{.Status}}").out()).endsWith("(health: starting)");
        berthd.dockerOk("rm", "-f", fromImage, none, slow, starting, base);
        berthd.dockerOk("rmi", "hcimage:1");
    }
}
