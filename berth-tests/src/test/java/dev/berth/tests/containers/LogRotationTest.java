package dev.berth.tests.containers;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
        // three files of at most 256k, a fourth while conmon has finished it and berthd not yet moved it,
        // and conmon's new file (container.log.tmp) for the moment before it renames it over the live one
        assertThat(max).isLessThanOrEqualTo(5L * 256 * 1024);
        try (Stream<Path> s = Files.list(dir)) {
            // only the log and its rotations count
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

    @Test
    void rotationGoesOnForAContainerReadoptedAfterAKill() throws Exception {
        // the container writes half its lines, waits for a file the test creates once berthd is back, then the rest
        Path signal = Files.createTempDirectory("berth-log-signal");
        try {
            String paced = "do echo \"line $i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"; "
                    + "i=$((i+1)); [ $((i % 300)) = 0 ] && sleep 0.05; done";
            String id = berthd.dockerOk("run", "-d", "--log-opt", "max-size=64k", "--log-opt", "max-file=100", "-v", signal + ":/signal",
                    "busybox", "sh", "-c", "i=0; while [ $i -lt 1500 ]; " + paced
                            + "; while [ ! -e /signal/go ]; do sleep 0.05; done; while [ $i -lt 3000 ]; " + paced).out();
            for (int i = 0; i < 200 && berthd.dockerOk("logs", id).out().lines().count() < 1500; i++) {
                Thread.sleep(50);
            }
            berthd.kill9();
            berthd.restart();
            Files.createFile(signal.resolve("go"));
            assertThat(berthd.dockerOk("wait", id).out()).isEqualTo("0");
            long[] nums = berthd.dockerOk("logs", id).stdout().lines().mapToLong(l -> Long.parseLong(l.split(" ")[1])).toArray();
            assertThat(nums).hasSize(3000);
            for (int i = 0; i < nums.length; i++) {
                assertThat(nums[i]).as("line %d", i).isEqualTo(i);
            }
            berthd.dockerOk("rm", id);
        } finally {
            Files.deleteIfExists(signal.resolve("go"));
            Files.deleteIfExists(signal);
        }
    }

    @Test
    void aFollowerSeesEachLineWhileTheContainerRuns() throws Exception {
        String id = berthd.dockerOk("run", "-d", "busybox", "sh", "-c", "echo first; sleep 2; echo second; sleep 60").out();
        ProcessBuilder pb = new ProcessBuilder(BerthdFixture.DOCKER, "logs", "-f", id).redirectErrorStream(true);
        pb.environment().put("DOCKER_HOST", berthd.dockerHost());
        Process follower = pb.start();
        try {
            // berthd sends log entries in blocks: the block must go out when the follower has caught up, not at the exit
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(follower.getInputStream()));
            java.util.concurrent.CompletableFuture<String> lines = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine() + " " + out.readLine();
                } catch (IOException e) {
                    return e.toString();
                }
            });
            // "second" is written while the follower waits for more
            assertThat(lines.get(20, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("first second");
            assertThat(berthd.dockerOk("inspect", "-f", "{{.State.Running}}", id).out()).isEqualTo("true");
        } finally {
            follower.destroyForcibly().waitFor();
            berthd.dockerOk("rm", "-f", id);
        }
    }

    /** Bytes in the log's files, each file once (berthd holds the one conmon writes under a second name). */
    private static long logBytes(Path dir) throws Exception {
        Map<Object, Long> sizes = new HashMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> p.getFileName().toString().startsWith("container.log")).forEach(p -> {
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                    sizes.put(a.fileKey(), a.size());
                } catch (IOException e) {
                    // rotated away between the listing and the look
                }
            });
        }
        return sizes.values().stream().mapToLong(Long::longValue).sum();
    }
}
