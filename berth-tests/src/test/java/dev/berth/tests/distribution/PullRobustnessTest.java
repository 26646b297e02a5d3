package dev.berth.tests.distribution;

import dev.berth.tests.ApiResult;
import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
