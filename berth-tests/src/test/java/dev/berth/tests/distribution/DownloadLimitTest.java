package dev.berth.tests.distribution;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code --max-concurrent-downloads} bounds the layers fetched at once; the others wait, as docker shows. */
class DownloadLimitTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture("--max-concurrent-downloads", "1");

    private static int layerRequests(LyingRegistry registry, TestImage img) {
        return img.layers.stream().map(l -> registry.blobRequests.get(l.digest()))
                .mapToInt(n -> n == null ? 0 : n.get()).sum();
    }

    @Test
    void oneDownloadAtATimeLeavesTheOtherLayersWaiting() throws Exception {
        try (LyingRegistry registry = new LyingRegistry()) {
            TestImage img = TestImage.of("amd64", List.of(TestImage.randomTar("one.bin", 200_000, 41),
                    TestImage.randomTar("two.bin", 200_000, 42), TestImage.randomTar("three.bin", 200_000, 43)));
            registry.serve("limit/app", "v1", img);
            CountDownLatch release = new CountDownLatch(1);
            img.layers.forEach(l -> registry.stall(l.digest(), release));
            String ref = registry.host() + "/limit/app:v1";
            CompletableFuture<CommandResult> pull = CompletableFuture.supplyAsync(() -> berthd.docker("pull", ref));
            for (int i = 0; i < 600 && layerRequests(registry, img) == 0; i++) {
                Thread.sleep(50);
            }
            Thread.sleep(1000); // time for a second download to start, were it allowed to
            int inFlight = layerRequests(registry, img);
            release.countDown();
            assertThat(inFlight).isEqualTo(1);
            CommandResult r = pull.get().ok();
            assertThat(r.stdout()).contains("Waiting").contains("Status: Downloaded newer image for " + ref);
            img.layers.forEach(l -> assertThat(registry.blobRequests.get(l.digest()).get()).isEqualTo(1));
            berthd.dockerOk("rmi", ref);
        }
    }
}
