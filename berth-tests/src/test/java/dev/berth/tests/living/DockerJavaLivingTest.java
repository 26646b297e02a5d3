package dev.berth.tests.living;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectExecResponse;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.Frame;
import dev.berth.tests.BerthdFixture;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** exec, copy, commit and events through docker-java (the client Testcontainers uses). */
class DockerJavaLivingTest {
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
    void execCopyCommitAndEvents() throws Exception {
        long since = System.currentTimeMillis() / 1000 - 1;
        String id = client.createContainerCmd("busybox").withCmd("sleep", "300").exec().getId();
        client.startContainerCmd(id).exec();

        String exec = client.execCreateCmd(id).withCmd("sh", "-c", "echo from exec; exit 5").withAttachStdout(true)
                .withAttachStderr(true).exec().getId();
        StringBuilder out = new StringBuilder();
        client.execStartCmd(exec).exec(new ResultCallback.Adapter<Frame>() {
            @Override
            public void onNext(Frame f) {
                out.append(new String(f.getPayload(), StandardCharsets.UTF_8));
            }
        }).awaitCompletion(30, TimeUnit.SECONDS);
        assertThat(out.toString()).isEqualTo("from exec\n");
        InspectExecResponse inspect = client.inspectExecCmd(exec).exec();
        assertThat(inspect.getExitCodeLong()).isEqualTo(5L);
        assertThat(inspect.isRunning()).isFalse();

        // copy a tar in, read it back
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(tar)) {
            byte[] data = "copied\n".getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry e = new TarArchiveEntry("hello.txt");
            e.setSize(data.length);
            e.setMode(0640);
            t.putArchiveEntry(e);
            t.write(data);
            t.closeArchiveEntry();
        }
        client.copyArchiveToContainerCmd(id).withRemotePath("/tmp").withTarInputStream(new ByteArrayInputStream(tar.toByteArray())).exec();
        try (InputStream in = client.copyArchiveFromContainerCmd(id, "/tmp/hello.txt").exec();
             TarArchiveInputStream t = new TarArchiveInputStream(in)) {
            TarArchiveEntry e = t.getNextEntry();
            assertThat(e.getName()).isEqualTo("hello.txt");
            assertThat(e.getMode() & 0777).isEqualTo(0640);
            assertThat(new String(t.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("copied\n");
        }

        String image = client.commitCmd(id).withRepository("dj-commit").withTag("1").withMessage("from docker-java").exec();
        assertThat(client.inspectImageCmd("dj-commit:1").exec().getId()).isEqualTo(image);
        client.removeContainerCmd(id).withForce(true).exec();

        List<Event> events = new ArrayList<>();
        client.eventsCmd().withSince(String.valueOf(since)).withUntil(String.valueOf(System.currentTimeMillis() / 1000 + 1))
                .withContainerFilter(id).exec(new ResultCallback.Adapter<Event>() {
                    @Override
                    public void onNext(Event e) {
                        events.add(e);
                    }
                }).awaitCompletion(30, TimeUnit.SECONDS);
        assertThat(events).extracting(e -> e.getAction()).contains("create", "start", "exec_die", "commit", "destroy");
        assertThat(events).allSatisfy(e -> assertThat(e.getActor().getId()).isEqualTo(id));
    }
}
