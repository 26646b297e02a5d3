package dev.berth.daemon.containers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.file.Files;
import java.nio.file.Path;

/** Keeps an in-process berthd up for manual poking with the docker CLI: -Dberth.manual=seconds. */
class ManualDaemonTest {
    @Test
    @EnabledIfSystemProperty(named = "berth.manual", matches = "\\d+")
    void serve() throws Exception {
        try (LocalDaemon d = new LocalDaemon()) {
            Files.writeString(Path.of("/tmp/berth-manual-host"), d.host());
            Thread.sleep(Long.parseLong(System.getProperty("berth.manual")) * 1000);
        }
    }
}
