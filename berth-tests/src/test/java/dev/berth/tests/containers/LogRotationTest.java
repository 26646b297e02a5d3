package dev.berth.tests.containers;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** A chatty container cannot fill the disk: its log is rotated at max-size and at most max-file files are kept. */
class LogRotationTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture("--log-opt", "max-size=256k", "--log-opt", "max-file=3");

    @BeforeAll
    static void image() {
        berthd.importBusybox("busybox");
    }

    @Test
    void logDirectoryStaysBounded() throws Exception {
        CommandResult r = berthd.docker("run", "-d", "busybox", "sh", "-c",
                "i=0; while true; do echo \"line $i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"; i=$((i+1)); done");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        String id = r.out();
        Path dir = berthd.dataRoot().resolve("containers").resolve(id);
        long max = 0;
        for (int i = 0; i < 30; i++) {
            Thread.sleep(200);
            max = Math.max(max, logBytes(dir));
        }
        // three files of 256k, each allowed to overshoot while a rotation is pending
        assertThat(max).isLessThan(3L * 2 * 256 * 1024 + 64 * 1024);
        try (Stream<Path> s = Files.list(dir)) {
            // conmon's reopen briefly shows a container.log.tmp: only the log and its rotations count
            assertThat(s.filter(p -> p.getFileName().toString().matches("container\\.log(\\.\\d+)?")).count()).isBetween(2L, 3L);
        }
        berthd.docker("stop", "-t", "0", id);
        // logs read across the rotated files and stay in order
        CommandResult logs = berthd.docker("logs", id);
        assertThat(logs.stdout().lines().filter(l -> !l.matches("line \\d+ x+")).limit(3).toList()).as("malformed lines").isEmpty();
        long[] nums = logs.stdout().lines().mapToLong(l -> Long.parseLong(l.split(" ")[1])).toArray();
        assertThat(nums.length).isGreaterThan(3000);
        for (int i = 1; i < nums.length; i++) {
            assertThat(nums[i]).isGreaterThan(nums[i - 1]);
        }
        assertThat(berthd.docker("logs", "--tail", "1", id).out()).startsWith("line " + nums[nums.length - 1] + " ");
        berthd.docker("rm", id);
    }

    @Test
    void aSteadyWriterLosesNoLine() throws Exception {
        // about 2.4 MB at up to half a MB a second: many rotations, each with time to keep the file it ends
        CommandResult r = berthd.docker("run", "-d", "--log-opt", "max-size=128k", "--log-opt", "max-file=30", "busybox", "sh", "-c",
                "i=0; while [ $i -lt 30000 ]; do echo \"line $i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"; "
                        + "i=$((i+1)); [ $((i % 300)) = 0 ] && sleep 0.05; done");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        String id = r.out();
        assertThat(berthd.docker("wait", id).out()).isEqualTo("0");
        long[] nums = berthd.docker("logs", id).stdout().lines().mapToLong(l -> Long.parseLong(l.split(" ")[1])).toArray();
        assertThat(nums).hasSize(30000);
        for (int i = 0; i < nums.length; i++) {
            assertThat(nums[i]).as("line %d", i).isEqualTo(i);
        }
        Path dir = berthd.dataRoot().resolve("containers").resolve(id);
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> logs = s.filter(p -> p.getFileName().toString().matches("container\\.log(\\.\\d+)?")).toList();
            assertThat(logs).hasSizeBetween(17, 30);
            for (Path p : logs) {
                assertThat(Files.size(p)).as(p.toString()).isLessThanOrEqualTo(128 * 1024);
            }
        }
        berthd.docker("rm", id);
    }

    private static long logBytes(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("container.log")).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (Exception e) {
                    return 0;
                }
            }).sum();
        }
    }
}
