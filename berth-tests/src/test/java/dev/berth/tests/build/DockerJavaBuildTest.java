package dev.berth.tests.build;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.exception.DockerClientException;
import dev.berth.tests.BerthdFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

import static dev.berth.tests.build.ClassicBuildTest.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** docker-java's buildImageCmd against berthd's classic builder: its own context tar, build args, the image ID, errors. */
class DockerJavaBuildTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    private static DockerClient client;

    @BeforeAll
    static void connect() {
        client = berthd.dockerJava();
        berthd.importBusybox("busybox:latest");
    }

    @AfterAll
    static void disconnect() throws IOException {
        client.close();
    }

    @Test
    void buildImageCmdBuildsAndTags(@TempDir Path ctx) throws IOException {
        write(ctx, "Dockerfile", "FROM busybox\nARG WHO\nCOPY hello.txt /\nRUN echo \"hi $WHO\" >> /hello.txt\nCMD [\"cat\", \"/hello.txt\"]\n");
        write(ctx, "hello.txt", "from docker-java\n");
        String id = client.buildImageCmd(ctx.toFile()).withTags(Set.of("dj:1")).withBuildArg("WHO", "java")
                .exec(new BuildImageResultCallback()).awaitImageId();
        assertThat(id).isNotBlank();
        assertThat(client.inspectImageCmd("dj:1").exec().getId()).startsWith("sha256:" + id);
        assertThat(berthd.dockerOk("run", "--rm", "dj:1").stdout()).isEqualTo("from docker-java\nhi java\n");

        write(ctx, "Dockerfile", "FROM busybox\nRUN exit 5\n");
        assertThatThrownBy(() -> client.buildImageCmd(ctx.toFile()).exec(new BuildImageResultCallback()).awaitImageId())
                .isInstanceOf(DockerClientException.class)
                .hasMessageContaining("returned a non-zero code: 5");
    }
}
