package dev.berth.tests.distribution;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.PullResponseItem;
import com.github.dockerjava.api.model.PushResponseItem;
import dev.berth.registry.RegistryServer;
import dev.berth.tests.BerthdFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** docker-java (Testcontainers' client) pulls, pushes and logs in through berthd. */
class DockerJavaDistributionTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @Test
    void pullPushAndAuthThroughDockerJava() throws Exception {
        Path root = Files.createTempDirectory("berth-dj-registry");
        try (RegistryServer registry = RegistryServer.start(root, "127.0.0.1", 0);
             DockerClient client = berthd.dockerJava();
             AuthProxy proxy = new AuthProxy(AuthProxy.Mode.TOKEN, "carol", "pw", "127.0.0.1:" + registry.port())) {
            String host = "127.0.0.1:" + registry.port();
            TestImage img = TestImage.of("amd64", List.of(berthd.busyboxTar()));
            img.push(host, "dj/app", "1");

            List<PullResponseItem> items = new CopyOnWriteArrayList<>();
            client.pullImageCmd(host + "/dj/app").withTag("1").exec(new ResultCallback.Adapter<PullResponseItem>() {
                @Override
                public void onNext(PullResponseItem item) {
                    items.add(item);
                }
            }).awaitCompletion(60, TimeUnit.SECONDS);
            assertThat(items).anyMatch(i -> "Pull complete".equals(i.getStatus()));
            assertThat(items.getLast().isPullSuccessIndicated()).isTrue();
            assertThat(client.inspectImageCmd(host + "/dj/app:1").exec().getId()).isEqualTo(img.config.digest());

            assertThatThrownBy(() -> client.pullImageCmd(host + "/dj/nothing").withTag("1").start().awaitCompletion())
                    .isInstanceOf(NotFoundException.class);

            AuthConfig auth = new AuthConfig().withUsername("carol").withPassword("pw").withRegistryAddress(proxy.host());
            assertThat(client.authCmd().withAuthConfig(auth).exec().getStatus()).isEqualTo("Login Succeeded");
            client.tagImageCmd(host + "/dj/app:1", proxy.host() + "/dj/pushed", "2").exec();
            List<PushResponseItem> pushed = new CopyOnWriteArrayList<>();
            client.pushImageCmd(proxy.host() + "/dj/pushed").withTag("2").withAuthConfig(auth)
                    .exec(new ResultCallback.Adapter<PushResponseItem>() {
                        @Override
                        public void onNext(PushResponseItem item) {
                            pushed.add(item);
                        }
                    }).awaitCompletion(60, TimeUnit.SECONDS);
            assertThat(pushed).noneMatch(i -> i.getErrorDetail() != null);
            assertThat(pushed).anyMatch(i -> i.getAux() != null && i.getAux().getDigest() != null);
            client.removeImageCmd(host + "/dj/app:1").exec();
            client.removeImageCmd(proxy.host() + "/dj/pushed:2").exec();
        } finally {
            dev.berth.oci.LayerArchive.removeTree(root);
        }
    }
}
