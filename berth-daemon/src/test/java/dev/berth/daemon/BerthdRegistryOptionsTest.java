package dev.berth.daemon;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Registry settings from daemon.json and flags, with dockerd's conflict rule. */
class BerthdRegistryOptionsTest {
    @Test
    void daemonJsonRegistrySettingsAreRead(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("daemon.json");
        Files.writeString(file, """
                {"registry-mirrors": ["https://mirror.example"], "insecure-registries": ["10.0.0.0/8", "reg:5000"],
                 "max-concurrent-downloads": 6, "registry-certs-dir": "%s"}
                """.formatted(dir.resolve("certs")));
        Berthd b = new Berthd();
        b.configFile = file;
        b.maxUploads = 2;
        DaemonConfig c = b.resolve();
        assertThat(c.registry().mirrors()).containsExactly("https://mirror.example");
        assertThat(c.registry().insecure()).containsExactly("10.0.0.0/8", "reg:5000");
        assertThat(c.registry().maxDownloads()).isEqualTo(6);
        assertThat(c.registry().maxUploads()).isEqualTo(2);
        assertThat(c.registry().certsDir()).isEqualTo(dir.resolve("certs"));
    }

    @Test
    void aSettingGivenTwiceIsRefused(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("daemon.json");
        Files.writeString(file, "{\"registry-mirrors\": [\"https://a.example\"]}");
        Berthd b = new Berthd();
        b.configFile = file;
        b.registryMirrors = List.of("https://b.example");
        assertThatThrownBy(b::resolve).hasMessageContaining("registry-mirrors");
        Berthd zero = new Berthd();
        zero.maxDownloads = 0;
        assertThatThrownBy(zero::resolve).hasMessageContaining("at least 1");
    }
}
