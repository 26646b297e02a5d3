package dev.berth.tests.living;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.tests.BerthdFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code docker stats --no-stream} and the stats JSON: what the CLI computes its columns from. */
class StatsTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @BeforeAll
    static void image() {
        berthd.importBusybox("busybox");
    }

    @Test
    void noStreamColumnsAndJsonShape() throws Exception {
        String c = berthd.dockerOk("run", "-d", "--memory", "64m", "--pids-limit", "40", "busybox", "sh", "-c",
                "while true; do :; done & sleep 300").out();
        String row = berthd.dockerOk("stats", "--no-stream", "--format", "{{.MemUsage}}|{{.PIDs}}|{{.CPUPerc}}|{{.BlockIO}}|{{.MemPerc}}", c).out();
        String[] f = row.split("\\|");
        assertThat(f[0]).endsWith(" / 64MiB");
        assertThat(Integer.parseInt(f[1])).isBetween(2, 3); // sh and its busy loop, and sleep once it started
        // a busy loop: the CPU % comes from two samples and the host's CPU time
        assertThat(Double.parseDouble(f[2].replace("%", ""))).isGreaterThan(1.0);
        assertThat(f[3]).matches("\\S+ / \\S+");
        assertThat(f[4]).endsWith("%");
        JsonNode s = new ObjectMapper().readTree(berthd.api("GET", "/containers/" + c + "/stats?stream=false", null).body());
        assertThat(s.path("pids_stats").path("limit").asLong()).isEqualTo(40);
        assertThat(s.path("memory_stats").path("limit").asLong()).isEqualTo(64L << 20);
        assertThat(s.path("cpu_stats").path("system_cpu_usage").asLong()).isPositive();
        assertThat(s.path("precpu_stats").path("cpu_usage").path("total_usage").asLong()).isPositive();
        assertThat(s.path("blkio_stats").path("io_service_bytes_recursive").isArray()).isTrue();
        berthd.dockerOk("rm", "-f", c);
    }

    @Test
    void berthStatsPrintsDockersTable() {
        String c = berthd.dockerOk("run", "-d", "--name", "statsweb", "--memory", "32m", "busybox", "sleep", "300").out().strip();
        String stopped = berthd.dockerOk("create", "--name", "statsidle", "busybox", "true").out().strip();
        String docker = berthd.dockerOk("stats", "--no-stream").out();
        String berth = berthd.berthOk("stats", "--no-stream").out();
        // the same header and the same rows (numbers move between samples; names, IDs, limits and PIDs do not)
        assertThat(berth.lines().findFirst()).isEqualTo(docker.lines().findFirst());
        assertThat(berth.lines().findFirst().orElseThrow()).matches("CONTAINER ID   NAME +CPU % +MEM USAGE / LIMIT +MEM % +NET I/O +BLOCK I/O +PIDS");
        assertThat(berth).contains(c.substring(0, 12) + "   statsweb").contains(" / 32MiB").doesNotContain("statsidle");
        assertThat(berthd.berthOk("stats", "--no-stream", "-a", "--format", "{{.Name}} {{.PIDs}}").out().lines())
                .contains("statsweb 1", "statsidle 0");
        assertThat(berthd.berthOk("stats", "--no-stream", "--no-trunc", "--format", "{{.ID}}", "statsweb").out().strip()).isEqualTo(c);
        var missing = berthd.berth("stats", "--no-stream", "nosuchcontainer");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.stderr()).contains("No such container: nosuchcontainer");
        berthd.dockerOk("rm", "-f", c, stopped);
    }
}
