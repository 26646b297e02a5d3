package dev.berth.tests.registry;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The built jar's command line refuses bad setups with exit code 2 and one clear line. */
class RegistryCliTest {
    @TempDir
    Path tmp;

    private String run(String... args) throws Exception {
        return new RegistryProcess(tmp.resolve("log")).run(args);
    }

    @Test
    void badConfigurationsAreRefusedWithAReason() throws Exception {
        Files.writeString(tmp.resolve("typo.yaml"), "storage:\n  filesystem:\n    rootdirectory: r\nhttp:\n  adr: x\n");
        assertThat(run("serve", "--config", tmp.resolve("typo.yaml").toString()))
                .startsWith("2:").contains("unknown setting http.adr");
        assertThat(run("serve", "--root", tmp.resolve("r").toString(), "--listen", "0.0.0.0:0"))
                .startsWith("2:").contains("refusing to listen on 0.0.0.0 over plain HTTP");
        assertThat(run("serve", "--listen", "127.0.0.1:0")).startsWith("2:").contains("--root or --config");
        assertThat(run("gc")).startsWith("2:").contains("--root or --config");
        assertThat(run("gc", "--root", tmp.resolve("nothing").toString())).startsWith("2:")
                .contains("is not a registry root");
        Files.createDirectories(tmp.resolve("empty/blobs"));
        assertThat(run("gc", "--root", tmp.resolve("empty").toString())).startsWith("0:")
                .contains("0 blobs referenced, 0 deleted");
    }
}
