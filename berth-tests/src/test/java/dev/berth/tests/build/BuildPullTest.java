package dev.berth.tests.build;

import dev.berth.registry.RegistryServer;
import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.berth.tests.build.ClassicBuildTest.write;
import static org.assertj.core.api.Assertions.assertThat;

/** FROM an image that is not here pulls it (from a berth-registry on loopback), as dockerd's builder does. */
class BuildPullTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    static RegistryServer registry;
    static Path registryRoot;
    static String ref;

    @BeforeAll
    static void startRegistry() throws Exception {
        registryRoot = Files.createTempDirectory("berth-build-registry");
        registry = RegistryServer.start(registryRoot, "127.0.0.1", 0);
        berthd.importBusybox("busybox:latest");
        ref = "127.0.0.1:" + registry.port() + "/tools/base:1";
        berthd.dockerOk("tag", "busybox:latest", ref);
        berthd.dockerOk("push", ref);
        berthd.dockerOk("rmi", ref);
    }

    @AfterAll
    static void stopRegistry() throws IOException {
        if (registry != null) {
            registry.close();
        }
        dev.berth.oci.LayerArchive.removeTree(registryRoot);
    }

    @Test
    void missingBaseImageIsPulled(@TempDir Path ctx) throws IOException {
        write(ctx, "Dockerfile", "FROM " + ref + "\nRUN echo on-pulled > /p\n");
        CommandResult r = ClassicBuildTest.dockerBuild(berthd, ctx, "-t", "onpulled:1");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("Pulling from tools/base").contains("Successfully tagged onpulled:1");
        assertThat(berthd.dockerOk("image", "inspect", ref).exitCode()).isZero();
        assertThat(berthd.dockerOk("run", "--rm", "onpulled:1", "cat", "/p").stdout()).isEqualTo("on-pulled\n");

        write(ctx, "Dockerfile", "FROM 127.0.0.1:" + registry.port() + "/tools/absent:1\n");
        CommandResult missing = ClassicBuildTest.dockerBuild(berthd, ctx);
        assertThat(missing.exitCode()).isNotZero();
        assertThat(missing.stderr()).contains("absent");
    }
}
