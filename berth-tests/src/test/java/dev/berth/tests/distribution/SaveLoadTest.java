package dev.berth.tests.distribution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.registry.RegistryServer;
import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** docker save / docker load: the archive's layout, round trips with the same image IDs, bad archives refused. */
class SaveLoadTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @Test
    void savedArchiveHasDockersLayoutAndLoadsBackWithTheSameId() throws IOException {
        berthd.importBusybox("saveme:1");
        berthd.dockerOk("tag", "saveme:1", "saveme:2");
        String id = berthd.dockerOk("image", "inspect", "-f", "{{.Id}}", "saveme:1").stdout().trim();
        Path archive = berthd.dir().resolve("saveme.tar");
        berthd.dockerOk("save", "-o", archive.toString(), "saveme");
        Map<String, byte[]> files = entries(archive);
        assertThat(files).containsKeys("manifest.json", "index.json", "oci-layout", "repositories",
                "blobs/sha256/" + id.substring(7));
        JsonNode manifest = new ObjectMapper().readTree(files.get("manifest.json"));
        assertThat(manifest).hasSize(1);
        assertThat(manifest.get(0).get("RepoTags").toString()).contains("saveme:1").contains("saveme:2");
        assertThat(manifest.get(0).get("Config").asText()).isEqualTo("blobs/sha256/" + id.substring(7));
        String layer = manifest.get(0).get("Layers").get(0).asText();
        assertThat(TestImage.sha256(files.get(layer))).isEqualTo("sha256:" + layer.substring(layer.lastIndexOf('/') + 1));
        JsonNode index = new ObjectMapper().readTree(files.get("index.json"));
        assertThat(index.get("manifests")).hasSize(2);

        berthd.dockerOk("rmi", "saveme:1", "saveme:2");
        CommandResult load = berthd.dockerOk("load", "-i", archive.toString());
        assertThat(load.stdout()).contains("Loaded image: saveme:1").contains("Loaded image: saveme:2");
        assertThat(berthd.dockerOk("image", "inspect", "-f", "{{.Id}}", "saveme:2").stdout().trim()).isEqualTo(id);
        assertThat(berthd.dockerOk("run", "--rm", "saveme:1", "echo", "loaded").stdout()).isEqualTo("loaded\n");

        // berth save to stdout, berth load from stdin
        CommandResult saved = berthd.berthOk("save", "saveme:1");
        berthd.dockerOk("rmi", "saveme:1", "saveme:2");
        CommandResult again = berthd.berthWithInput(saved.stdout().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), "load");
        assertThat(again.exitCode()).isZero();
        assertThat(again.stdout()).isEqualTo("Loaded image: saveme:1\n");
        assertThat(berthd.dockerOk("image", "inspect", "-f", "{{.Id}}", "saveme:1").stdout().trim()).isEqualTo(id);
        berthd.dockerOk("rmi", "saveme:1");
    }

    @Test
    void pulledImageSavesUncompressedAndLoadsBack() throws Exception {
        Path root = Files.createTempDirectory("berth-save-registry");
        try (RegistryServer registry = RegistryServer.start(root, "127.0.0.1", 0)) {
            String host = "127.0.0.1:" + registry.port();
            TestImage img = TestImage.of("amd64", List.of(berthd.busyboxTar(), TestImage.fileTar("x.txt", "x\n")));
            img.push(host, "s/l", "v1");
            String ref = host + "/s/l:v1";
            berthd.dockerOk("pull", ref);
            Path archive = berthd.dir().resolve("pulled.tar");
            berthd.dockerOk("save", "-o", archive.toString(), ref);
            Map<String, byte[]> files = entries(archive);
            for (String diffId : img.diffIds) {
                assertThat(files).containsKey("blobs/sha256/" + diffId.substring(7));
            }
            berthd.dockerOk("rmi", ref);
            assertThat(berthd.dockerOk("load", "-i", archive.toString()).stdout()).contains("Loaded image: " + ref);
            assertThat(berthd.dockerOk("run", "--rm", ref, "cat", "/x.txt").stdout()).isEqualTo("x\n");
            // A loaded image pushes with its uncompressed layers and pulls back the same.
            berthd.dockerOk("tag", ref, host + "/s/loaded:v1");
            assertThat(berthd.dockerOk("push", host + "/s/loaded:v1").stdout()).contains("v1: digest: sha256:");
            berthd.dockerOk("rmi", ref, host + "/s/loaded:v1");
            berthd.dockerOk("pull", host + "/s/loaded:v1");
            assertThat(berthd.dockerOk("image", "inspect", "-f", "{{.Id}}", host + "/s/loaded:v1").stdout().trim())
                    .isEqualTo(img.config.digest());
            berthd.dockerOk("rmi", host + "/s/loaded:v1");
        } finally {
            dev.berth.oci.LayerArchive.removeTree(root);
        }
    }

    @Test
    void anArchiveWhoseLayerDoesNotMatchItsConfigIsRefusedAndStoresNothing() throws IOException {
        berthd.importBusybox("tamper:1");
        Path archive = berthd.dir().resolve("tamper.tar");
        berthd.dockerOk("save", "-o", archive.toString(), "tamper:1");
        berthd.dockerOk("rmi", "tamper:1");
        Map<String, byte[]> files = entries(archive);
        JsonNode manifest = new ObjectMapper().readTree(files.get("manifest.json"));
        // Swap the layer for another valid tar: the config's DiffID no longer matches.
        String layer = manifest.get(0).get("Layers").get(0).asText();
        byte[] other = TestImage.fileTar("evil.txt", "evil\n");
        files.remove(layer);
        String otherPath = "blobs/sha256/" + TestImage.sha256(other).substring(7);
        files.put(otherPath, other);
        files.put("manifest.json", new String(files.get("manifest.json")).replace(layer, otherPath).getBytes());
        Path bad = berthd.dir().resolve("tampered.tar");
        write(bad, files);
        CommandResult r = berthd.docker("load", "-i", bad.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr()).contains("does not match the image config");
        assertThat(berthd.dockerOk("images", "-q", "tamper").stdout()).isEmpty();
        CommandResult notTar = berthd.dockerWithInput("not an archive at all".getBytes(), "load");
        assertThat(notTar.exitCode()).isEqualTo(1);
    }

    @Test
    void platformSelectsWhatIsSavedAndLoaded() throws Exception {
        Path root = Files.createTempDirectory("berth-platform-registry");
        try (RegistryServer registry = RegistryServer.start(root, "127.0.0.1", 0)) {
            String host = "127.0.0.1:" + registry.port();
            TestImage amd = TestImage.of("amd64", List.of(TestImage.fileTar("amd.txt", "amd\n")));
            TestImage arm = TestImage.of("arm64", List.of(TestImage.fileTar("arm.txt", "arm\n")));
            amd.push(host, "p/multi", "amd");
            arm.push(host, "p/multi", "arm");
            String amdRef = host + "/p/multi:amd";
            String armRef = host + "/p/multi:arm";
            berthd.dockerOk("pull", "--platform", "linux/amd64", amdRef);
            berthd.dockerOk("pull", "--platform", "linux/arm64", armRef);

            CommandResult wrong = berthd.docker("save", "--platform", "linux/arm64", "-o",
                    berthd.dir().resolve("wrong.tar").toString(), amdRef);
            assertThat(wrong.exitCode()).isEqualTo(1);
            assertThat(wrong.stderr()).contains("image with reference " + amdRef
                    + " was found but does not match the specified platform: wanted linux/arm64, actual: linux/amd64");
            Path armOnly = berthd.dir().resolve("arm-only.tar");
            berthd.berthOk("save", "--platform", "linux/arm64", "-o", armOnly.toString(), armRef);
            assertThat(new ObjectMapper().readTree(entries(armOnly).get("manifest.json")).get(0).get("RepoTags").get(0).asText())
                    .isEqualTo(armRef);

            Path both = berthd.dir().resolve("both.tar");
            berthd.dockerOk("save", "-o", both.toString(), amdRef, armRef);
            berthd.dockerOk("rmi", amdRef, armRef);

            CommandResult armLoad = berthd.dockerOk("load", "--platform", "linux/arm64", "-i", both.toString());
            assertThat(armLoad.stdout()).contains("Loaded image: " + armRef).doesNotContain(amdRef);
            assertThat(berthd.dockerOk("image", "inspect", "-f", "{{.Id}} {{.Architecture}}", armRef).stdout().trim())
                    .isEqualTo(arm.config.digest() + " arm64");
            assertThat(berthd.docker("image", "inspect", amdRef).exitCode()).isEqualTo(1);
            // The other platform's blobs came in with the archive and went again.
            assertThat(berthd.dataRoot().resolve("content/blobs/sha256/" + amd.diffIds.getFirst().substring(7))).doesNotExist();
            assertThat(berthd.dataRoot().resolve("content/blobs/sha256/" + amd.config.digest().substring(7))).doesNotExist();

            CommandResult amdLoad = berthd.berthOk("load", "--platform", "linux/amd64", "-i", both.toString());
            assertThat(amdLoad.stdout()).isEqualTo("Loaded image: " + amdRef + "\n");
            assertThat(berthd.dockerOk("image", "inspect", "-f", "{{.Id}}", amdRef).stdout().trim()).isEqualTo(amd.config.digest());

            CommandResult none = berthd.docker("load", "--platform", "linux/s390x", "-i", both.toString());
            assertThat(none.exitCode()).isEqualTo(1);
            assertThat(none.stderr()).contains("no image in the archive matches the specified platform: wanted linux/s390x");
            berthd.dockerOk("rmi", amdRef, armRef);
        } finally {
            dev.berth.oci.LayerArchive.removeTree(root);
        }
    }

    static Map<String, byte[]> entries(Path tar) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(tar); TarArchiveInputStream t = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            while ((e = t.getNextEntry()) != null) {
                if (e.isFile()) {
                    out.put(e.getName(), t.readAllBytes());
                }
            }
        }
        return out;
    }

    static void write(Path tar, Map<String, byte[]> files) throws IOException {
        try (var out = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(Files.newOutputStream(tar))) {
            for (var f : files.entrySet()) {
                TarArchiveEntry e = new TarArchiveEntry(f.getKey());
                e.setSize(f.getValue().length);
                out.putArchiveEntry(e);
                out.write(f.getValue());
                out.closeArchiveEntry();
            }
        }
    }
}
