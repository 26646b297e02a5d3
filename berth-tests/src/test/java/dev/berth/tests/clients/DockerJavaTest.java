package dev.berth.tests.clients;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerResponse;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.Image;
import com.github.dockerjava.api.model.Info;
import dev.berth.tests.BerthdFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** docker-java, the client Testcontainers uses, drives berthd unchanged. */
class DockerJavaTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    private static DockerClient client;

    @BeforeAll
    static void connect() {
        client = berthd.dockerJava();
        berthd.importBusybox("busybox");
    }

    @AfterAll
    static void disconnect() throws IOException {
        client.close();
    }

    @Test
    void pingVersionAndInfo() {
        client.pingCmd().exec();
        assertThat(client.versionCmd().exec().getApiVersion()).isEqualTo("1.50");
        Info info = client.infoCmd().exec();
        assertThat(info.getOsType()).isEqualTo("linux");
        assertThat(info.getImages()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void listsAndInspectsImages() {
        List<Image> images = client.listImagesCmd().exec();
        assertThat(images).anySatisfy(i -> assertThat(i.getRepoTags()).contains("busybox:latest"));
        assertThat(client.inspectImageCmd("busybox").exec().getConfig().getCmd()).containsExactly("sh");
        assertThatThrownBy(() -> client.inspectImageCmd("nosuch").exec()).isInstanceOf(NotFoundException.class);
    }

    @Test
    void runsAContainerAndReadsItsOutputAndExitCode() throws Exception {
        CreateContainerResponse c = client.createContainerCmd("busybox")
                .withCmd("sh", "-c", "echo out; echo err >&2; exit 3").withLabels(java.util.Map.of("via", "docker-java")).exec();
        client.startContainerCmd(c.getId()).exec();
        int code = client.waitContainerCmd(c.getId()).start().awaitStatusCode(30, TimeUnit.SECONDS);
        assertThat(code).isEqualTo(3);

        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        client.logContainerCmd(c.getId()).withStdOut(true).withStdErr(true).exec(new ResultCallback.Adapter<Frame>() {
            @Override
            public void onNext(Frame f) {
                (switch (f.getStreamType()) {
                    case STDERR -> err;
                    default -> out;
                }).append(new String(f.getPayload()));
            }
        }).awaitCompletion(30, TimeUnit.SECONDS);
        assertThat(out.toString()).isEqualTo("out\n");
        assertThat(err.toString()).isEqualTo("err\n");

        InspectContainerResponse inspect = client.inspectContainerCmd(c.getId()).exec();
        assertThat(inspect.getState().getStatus()).isEqualTo("exited");
        assertThat(inspect.getState().getExitCodeLong()).isEqualTo(3L);
        assertThat(inspect.getConfig().getLabels()).containsEntry("via", "docker-java");
        client.removeContainerCmd(c.getId()).exec();
        assertThatThrownBy(() -> client.inspectContainerCmd(c.getId()).exec()).isInstanceOf(NotFoundException.class);
    }

    @Test
    void attachesToARunningContainer() throws Exception {
        CreateContainerResponse c = client.createContainerCmd("busybox").withCmd("sh", "-c", "sleep 1; echo attached")
                .exec();
        StringBuilder out = new StringBuilder();
        var callback = client.attachContainerCmd(c.getId()).withStdOut(true).withStdErr(true).withFollowStream(true)
                .exec(new ResultCallback.Adapter<Frame>() {
                    @Override
                    public void onNext(Frame f) {
                        out.append(new String(f.getPayload()));
                    }
                });
        callback.awaitStarted(10, TimeUnit.SECONDS);
        client.startContainerCmd(c.getId()).exec();
        callback.awaitCompletion(30, TimeUnit.SECONDS);
        assertThat(out.toString()).isEqualTo("attached\n");
        client.removeContainerCmd(c.getId()).withForce(true).exec();
    }
}
