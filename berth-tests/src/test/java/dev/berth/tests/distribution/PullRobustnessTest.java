package dev.berth.tests.distribution;

import dev.berth.tests.ApiResult;
import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** berthd killed mid-pull leaves nothing half stored and resumes; concurrent pulls share one download. */
class PullRobustnessTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    private static long count(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    private static void awaitFile(Path dir) throws InterruptedException, IOException {
        for (int i = 0; i < 600 && count(dir) == 0; i++) {
            Thread.sleep(50);
        }
        assertThat(count(dir)).as("something in " + dir).isPositive();
    }

    @Test
    void killDashNineMidPullLeavesNoHalfImageAndTheRerunResumes() throws Exception {
        try (LyingRegistry registry = new LyingRegistry()) {
            TestImage img = TestImage.of("amd64", List.of(TestImage.randomTar("first.bin", 100_000, 11),
                    TestImage.randomTar("second.bin", 2_000_000, 12)));
            registry.serve("crash/app", "v1", img);
            String second = img.layers.get(1).digest();
            CountDownLatch release = new CountDownLatch(1);
            registry.stall(second, release);
            String ref = registry.host() + "/crash/app:v1";
            Thread puller = Thread.ofVirtual().start(() -> berthd.docker("pull", ref));
            awaitFile(berthd.dataRoot().resolve("layers/tmp"));
            // The small first layer completes (its verified blob lands in the store); the second is stuck mid-way.
            Path firstBlob = berthd.dataRoot().resolve("content/blobs/sha256/" + img.layers.get(0).digest().substring(7));
            for (int i = 0; i < 600 && !Files.exists(firstBlob); i++) {
                Thread.sleep(50);
            }
            berthd.kill9();
            puller.join();
            release.countDown();
            berthd.restart();
            assertThat(count(berthd.dataRoot().resolve("layers/tmp"))).isZero();
            assertThat(count(berthd.dataRoot().resolve("content/tmp"))).isZero();
            assertThat(berthd.dockerOk("images", "-q").stdout()).isEmpty();
            assertThat(Files.exists(berthd.dataRoot().resolve("content/blobs/sha256/" + second.substring(7)))).isFalse();

            CommandResult rerun = berthd.dockerOk("pull", ref);
            assertThat(rerun.stdout()).contains("Status: Downloaded newer image for " + ref);
            assertThat(registry.blobRequests.get(img.layers.get(0).digest()).get()).isEqualTo(1);
            assertThat(berthd.dockerOk("image", "inspect", "-f", "{{.Id}}", ref).stdout().trim()).isEqualTo(img.config.digest());
            berthd.dockerOk("rmi", ref);
        }
    }

    private static Path blob(String digest) {
        return berthd.dataRoot().resolve("content/blobs/sha256/" + digest.substring(7));
    }

    /** Makes a blob look untouched for a day and more: older than the grace a rerun of its pull gets. */
    private static void age(Path p) throws IOException {
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minus(Duration.ofHours(25))));
    }

    @Test
    void blobsLeftByKilledOrFailedPullsAreCollectedAndStoredImagesKeepTheirs() throws Exception {
        try (LyingRegistry registry = new LyingRegistry()) {
            TestImage kept = TestImage.of("amd64", List.of(berthd.busyboxTar(), TestImage.fileTar("kept.txt", "kept\n")));
            registry.serve("gc/kept", "v1", kept);
            String keptRef = registry.host() + "/gc/kept:v1";
            berthd.dockerOk("pull", keptRef);
            List<Path> keptBlobs = new java.util.ArrayList<>(List.of(blob(kept.config.digest())));
            kept.layers.forEach(l -> keptBlobs.add(blob(l.digest())));

            TestImage abandoned = TestImage.of("amd64", List.of(TestImage.randomTar("a.bin", 100_000, 31),
                    TestImage.randomTar("b.bin", 2_000_000, 32)));
            registry.serve("gc/abandoned", "v1", abandoned);
            CountDownLatch release = new CountDownLatch(1);
            registry.stall(abandoned.layers.get(1).digest(), release);
            Thread puller = Thread.ofVirtual().start(() -> berthd.docker("pull", registry.host() + "/gc/abandoned:v1"));
            Path leftover = blob(abandoned.layers.get(0).digest());
            for (int i = 0; i < 600 && !Files.exists(leftover); i++) {
                Thread.sleep(50);
            }
            assertThat(leftover).exists();
            berthd.kill9();
            puller.join();
            release.countDown();
            // Nobody reran the pull for a day: its blob is a leftover now, like the stored image's are old.
            age(leftover);
            for (Path p : keptBlobs) {
                age(p);
            }
            berthd.restart();
            assertThat(leftover).doesNotExist();
            assertThat(count(berthd.dataRoot().resolve("content/tmp"))).isZero();
            assertThat(count(berthd.dataRoot().resolve("layers/tmp"))).isZero();
            for (Path p : keptBlobs) {
                assertThat(p).exists();
            }
            assertThat(berthd.dockerOk("run", "--rm", keptRef, "cat", "/kept.txt").stdout()).isEqualTo("kept\n");
            assertThat(berthd.dockerOk("save", "-o", berthd.dir().resolve("kept.tar").toString(), keptRef).exitCode()).isZero();

            // A pull that ends with an error collects old leftovers at once.
            byte[] orphan = "left by a pull long ago\n".getBytes();
            Path planted = blob(TestImage.sha256(orphan));
            Files.write(planted, orphan);
            age(planted);
            TestImage broken = TestImage.of("amd64", List.of(TestImage.randomTar("c.bin", 50_000, 33)));
            registry.serve("gc/broken", "v1", broken);
            registry.forget(broken.layers.getFirst().digest());
            CommandResult failed = berthd.docker("pull", registry.host() + "/gc/broken:v1");
            assertThat(failed.exitCode()).isEqualTo(1);
            assertThat(planted).doesNotExist();
            for (Path p : keptBlobs) {
                assertThat(p).exists();
            }
            assertThat(berthd.dockerOk("run", "--rm", keptRef, "cat", "/kept.txt").stdout()).isEqualTo("kept\n");
            berthd.dockerOk("rmi", keptRef);
        }
    }

    @Test
    void concurrentPullsOfTheSameImageDownloadEachLayerOnce() throws Exception {
        try (LyingRegistry registry = new LyingRegistry();
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            TestImage img = TestImage.of("amd64", List.of(TestImage.randomTar("shared.bin", 1_000_000, 21)));
            registry.serve("share/app", "v1", img);
            registry.serve("share/app", "v2", img);
            String layer = img.layers.getFirst().digest();
            CountDownLatch release = new CountDownLatch(1);
            registry.stall(layer, release);
            List<Future<ApiResult>> pulls = List.of(
                    pool.submit(() -> berthd.api("POST", "/images/create?fromImage=" + registry.host() + "/share/app&tag=v1", null)),
                    pool.submit(() -> berthd.api("POST", "/images/create?fromImage=" + registry.host() + "/share/app&tag=v2", null)));
            for (int i = 0; i < 600 && registry.blobRequests.get(layer) == null; i++) {
                Thread.sleep(50);
            }
            Thread.sleep(500); // both pulls are past their manifests and wait on the one download
            release.countDown();
            for (Future<ApiResult> f : pulls) {
                ApiResult r = f.get();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).contains("Status: Downloaded newer image for").contains("Pull complete")
                        .doesNotContain("error");
            }
            assertThat(registry.blobRequests.get(layer).get()).isEqualTo(1);
            berthd.dockerOk("rmi", registry.host() + "/share/app:v1", registry.host() + "/share/app:v2");
        }
    }
}
