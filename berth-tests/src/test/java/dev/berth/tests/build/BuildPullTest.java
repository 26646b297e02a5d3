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

    @Test
    void aRequestedPlatformDecidesWhichBaseImageCounts(@TempDir Path ctx) throws IOException {
        berthd.dockerOk("pull", ref); // here now, for linux/amd64 (the registry has nothing else)
        try {
            platformBuilds(ctx);
        } finally {
            berthd.docker("rmi", "-f", ref, "armscratch:1"); // the other test pulls it afresh
        }
    }

    private static void platformBuilds(Path ctx) throws IOException {
        write(ctx, "Dockerfile", "FROM " + ref + "\nLABEL p=host\n");
        CommandResult host = ClassicBuildTest.dockerBuild(berthd, ctx, "--platform", "linux/amd64");
        assertThat(host.exitCode()).as(host.toString()).isZero();
        assertThat(host.stdout()).as("the local image is the platform's").doesNotContain("Pulling from");

        write(ctx, "Dockerfile", "FROM --platform=linux/arm64 " + ref + "\nLABEL p=arm\n");
        CommandResult arm = ClassicBuildTest.dockerBuild(berthd, ctx);
        assertThat(arm.exitCode()).as(arm.toString()).isNotZero();
        assertThat(arm.stderr()).contains("does not match the specified platform (linux/arm64)");
        write(ctx, "Dockerfile", "FROM " + ref + "\nLABEL p=arm\n");
        CommandResult armFlag = ClassicBuildTest.dockerBuild(berthd, ctx, "--platform", "linux/arm64");
        assertThat(armFlag.exitCode()).as(armFlag.toString()).isNotZero();
        assertThat(armFlag.stderr()).contains("does not match the specified platform (linux/arm64)");

        CommandResult bogus = ClassicBuildTest.dockerBuild(berthd, ctx, "--platform", "bogus");
        assertThat(bogus.exitCode()).isNotZero();
        assertThat(bogus.stderr()).contains("\"bogus\": unknown operating system or architecture: invalid argument");
        write(ctx, "Dockerfile", "FROM --platform=bogus " + ref + "\n");
        CommandResult bogusFrom = ClassicBuildTest.dockerBuild(berthd, ctx);
        assertThat(bogusFrom.exitCode()).isNotZero();
        assertThat(bogusFrom.stderr()).contains("failed to parse platform bogus: \"bogus\": unknown operating system or architecture");

        write(ctx, "Dockerfile", "FROM scratch\nARG TARGETARCH\nLABEL t=$TARGETARCH\n");
        CommandResult scratch = ClassicBuildTest.dockerBuild(berthd, ctx, "--platform", "linux/arm64", "-t", "armscratch:1");
        assertThat(scratch.exitCode()).as(scratch.toString()).isZero();
        assertThat(berthd.dockerOk("image", "inspect", "-f", "{{.Os}}/{{.Architecture}} {{.Config.Labels.t}}", "armscratch:1").out())
                .isEqualTo("linux/arm64 arm64");
    }
}
