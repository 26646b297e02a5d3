package dev.berth.tests.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.luben.zstd.ZstdOutputStream;
import dev.berth.tests.ApiResult;
import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** docker import, images, inspect, history, tag, rmi and image prune through the real docker CLI. */
class ImagesCliTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();
    private static final ObjectMapper JSON = new ObjectMapper();
    static byte[] busybox;

    @BeforeAll
    static void readBusybox() {
        busybox = berthd.busyboxTar();
    }

    static CommandResult ok(CommandResult r) {
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r;
    }

    static String importAs(byte[] tar, String ref, String... changes) {
        List<String> args = new java.util.ArrayList<>(List.of("import"));
        for (String c : changes) {
            args.add("-c");
            args.add(c);
        }
        args.add("-");
        if (ref != null) {
            args.add(ref);
        }
        String out = ok(berthd.dockerWithInput(tar, args.toArray(String[]::new))).out();
        assertThat(out).matches("sha256:[0-9a-f]{64}");
        return out;
    }

    static byte[] gzip(byte[] b) throws IOException {
        return pack(b, GZIPOutputStream::new);
    }

    interface Packer {
        OutputStream wrap(OutputStream o) throws IOException;
    }

    static byte[] pack(byte[] b, Packer p) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream o = p.wrap(out)) {
            o.write(b);
        }
        return out.toByteArray();
    }

    static String sha256(byte[] b) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private static String inspect(String ref, String format) {
        return ok(berthd.docker("image", "inspect", "--format", format, ref)).out();
    }

    @Test
    void importAppliesChangesInDockerfileSyntax() {
        String id = importAs(busybox, "changes:v1",
                "CMD [\"sh\", \"-c\", \"echo hi\"]",
                "ENTRYPOINT /bin/echo",
                "ENV A=1 B=\"two words\"",
                "ENV LEGACY value with spaces",
                "WORKDIR /app",
                "WORKDIR sub",
                "LABEL org.example=yes other=\"x y\"",
                "EXPOSE 8080 53/udp",
                "USER nobody",
                "VOLUME [\"/data\", \"/cache\"]",
                "STOPSIGNAL SIGKILL");
        assertThat(inspect("changes:v1", "{{.Id}}")).isEqualTo(id);
        // ENTRYPOINT after CMD resets it, as in a Dockerfile.
        assertThat(inspect("changes:v1", "{{json .Config.Cmd}}")).isEqualTo("null");
        assertThat(inspect("changes:v1", "{{json .Config.Entrypoint}}")).isEqualTo("[\"/bin/sh\",\"-c\",\"/bin/echo\"]");
        assertThat(inspect("changes:v1", "{{json .Config.Env}}")).isEqualTo("[\"A=1\",\"B=two words\",\"LEGACY=value with spaces\"]");
        assertThat(inspect("changes:v1", "{{.Config.WorkingDir}}")).isEqualTo("/app/sub");
        assertThat(inspect("changes:v1", "{{json .Config.Labels}}")).isEqualTo("{\"org.example\":\"yes\",\"other\":\"x y\"}");
        assertThat(inspect("changes:v1", "{{json .Config.ExposedPorts}}")).isEqualTo("{\"53/udp\":{},\"8080/tcp\":{}}");
        assertThat(inspect("changes:v1", "{{.Config.User}}")).isEqualTo("nobody");
        assertThat(inspect("changes:v1", "{{json .Config.Volumes}}")).isEqualTo("{\"/cache\":{},\"/data\":{}}");
        assertThat(inspect("changes:v1", "{{.Config.StopSignal}}")).isEqualTo("SIGKILL");

        CommandResult bad = berthd.dockerWithInput(busybox, "import", "-c", "RUN echo", "-", "bad:change");
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.stderr()).contains("run is not a valid change command");
    }

    @Test
    void importedImageInspectsLikeDockers() throws Exception {
        String id = importAs(busybox, "inspected", "CMD [\"sh\"]");
        JsonNode img = JSON.readTree(ok(berthd.docker("image", "inspect", "inspected")).stdout()).get(0);
        assertThat(img.get("Id").asText()).isEqualTo(id);
        assertThat(img.get("RepoTags").toString()).isEqualTo("[\"inspected:latest\"]");
        assertThat(img.get("RepoDigests").size()).isZero();
        assertThat(img.get("Comment").asText()).isEqualTo("Imported from -");
        assertThat(img.get("Created").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z");
        assertThat(img.get("Os").asText()).isEqualTo("linux");
        assertThat(img.get("Architecture").asText()).isEqualTo(System.getProperty("os.arch").equals("amd64") ? "amd64" : "arm64");
        assertThat(img.at("/Config/Cmd").toString()).isEqualTo("[\"sh\"]");
        assertThat(img.at("/RootFS/Type").asText()).isEqualTo("layers");
        String diffId = sha256(busybox);
        assertThat(img.at("/RootFS/Layers").toString()).isEqualTo("[\"" + diffId + "\"]");
        assertThat(img.at("/GraphDriver/Name").asText()).isEqualTo("overlay2");
        Path upper = Path.of(img.at("/GraphDriver/Data/UpperDir").asText());
        assertThat(upper).isEqualTo(berthd.dataRoot().resolve("layers").resolve(diffId.substring(7)).resolve("diff"));
        assertThat(Files.isSymbolicLink(upper.resolve("bin/sh"))).isTrue();
        assertThat(Files.readSymbolicLink(upper.resolve("bin/sh")).toString()).isEqualTo("busybox");
        assertThat(Files.isExecutable(upper.resolve("bin/busybox"))).isTrue();
        assertThat(img.get("Size").asLong()).isGreaterThan(500_000).isLessThan(busybox.length);
        assertThat(img.at("/Metadata/LastTagTime").asText()).isNotEmpty();
        // By short ID, full ID and sha256: prefix.
        assertThat(inspect(id.substring(7, 19), "{{.Id}}")).isEqualTo(id);
        assertThat(inspect(id.substring(7), "{{.Id}}")).isEqualTo(id);
        assertThat(inspect(id, "{{.Id}}")).isEqualTo(id);
        assertThat(inspect("docker.io/library/inspected:latest", "{{.Id}}")).isEqualTo(id);

        CommandResult missing = berthd.docker("image", "inspect", "nosuch");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.stderr()).contains("No such image: nosuch");
    }

    @Test
    void everyCompressionImportsToTheSameLayer() throws Exception {
        String diffId = sha256(busybox);
        String gz = importAs(gzip(busybox), "packed:gz");
        String xz = importAs(pack(busybox, o -> new XZOutputStream(o, new LZMA2Options(1))), "packed:xz");
        String zst = importAs(pack(busybox, ZstdOutputStream::new), "packed:zst");
        for (String ref : List.of("packed:gz", "packed:xz", "packed:zst")) {
            assertThat(inspect(ref, "{{json .RootFS.Layers}}")).isEqualTo("[\"" + diffId + "\"]");
        }
        assertThat(List.of(gz, xz, zst)).doesNotHaveDuplicates();
    }

    @Test
    void dockerImagesListsTagsIdsAndSizes() {
        String id = importAs(busybox, "listed/app:1.0");
        ok(berthd.docker("tag", "listed/app:1.0", "localhost:5000/listed/app:2.0"));
        String table = ok(berthd.docker("images", "listed/app")).stdout();
        String[] lines = table.strip().split("\n");
        assertThat(lines[0]).matches("REPOSITORY\\s+TAG\\s+IMAGE ID\\s+CREATED\\s+SIZE");
        assertThat(lines).hasSize(2);
        assertThat(lines[1]).matches("listed/app\\s+1\\.0\\s+" + id.substring(7, 19) + "\\s+(Less than a second|\\d+ seconds?) ago\\s+\\d+(\\.\\d+)?MB");
        String fmt = ok(berthd.docker("images", "--no-trunc", "--format", "{{.Repository}}|{{.Tag}}|{{.ID}}", "--filter", "reference=*/listed/*")).out();
        assertThat(fmt).isEqualTo("localhost:5000/listed/app|2.0|" + id);
        assertThat(ok(berthd.docker("images", "-q", "--filter", "reference=listed/app:1.*")).out()).isEqualTo(id.substring(7, 19));
    }

    @Test
    void historyShowsTheImportStep() {
        importAs(busybox, "hist:1");
        String h = ok(berthd.docker("history", "--format", "{{.ID}}|{{.CreatedBy}}|{{.Comment}}|{{.Size}}", "hist:1")).out();
        assertThat(h).matches("[0-9a-f]{12}\\|\\|Imported from -\\|\\d+(\\.\\d+)?MB");
        ok(berthd.dockerWithInput(busybox, "import", "-m", "my message", "-", "hist:2"));
        assertThat(ok(berthd.docker("history", "--format", "{{.Comment}}", "hist:2")).out()).isEqualTo("my message");
        assertThat(inspect("hist:2", "{{.Comment}}")).isEqualTo("my message");
        CommandResult missing = berthd.docker("history", "nohist");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.stderr()).contains("No such image: nohist:latest");
    }

    @Test
    void tagAndRmiUntagThenDelete() {
        String id = importAs(busybox, "rmi/one");
        ok(berthd.docker("tag", "rmi/one", "rmi/two:x"));
        assertThat(inspect("rmi/two:x", "{{.Id}}")).isEqualTo(id);
        assertThat(inspect("rmi/one", "{{json .RepoTags}}")).isEqualTo("[\"rmi/one:latest\",\"rmi/two:x\"]");

        CommandResult byId = berthd.docker("rmi", id.substring(7, 19));
        assertThat(byId.exitCode()).isEqualTo(1);
        assertThat(byId.stderr()).contains("conflict: unable to delete " + id.substring(7, 19)
                + " (must be forced) - image is referenced in multiple repositories");

        assertThat(ok(berthd.docker("rmi", "rmi/one")).out()).isEqualTo("Untagged: rmi/one:latest");
        String last = ok(berthd.docker("rmi", "rmi/two:x")).out();
        assertThat(last).startsWith("Untagged: rmi/two:x\nDeleted: " + id);
        CommandResult gone = berthd.docker("rmi", "rmi/two:x");
        assertThat(gone.exitCode()).isEqualTo(1);
        assertThat(gone.stderr()).contains("Error response from daemon: No such image: rmi/two:x");

        CommandResult badTag = berthd.docker("tag", "inspected-nope", "Bad/Name");
        assertThat(badTag.exitCode()).isNotZero();
    }

    @Test
    void forcedRmiByIdRemovesEveryTag() {
        String id = importAs(busybox, "force/a");
        ok(berthd.docker("tag", id, "force/b:1"));
        String out = ok(berthd.docker("rmi", "-f", id)).out();
        assertThat(out).contains("Untagged: force/a:latest", "Untagged: force/b:1", "Deleted: " + id);
        assertThat(berthd.docker("image", "inspect", id).exitCode()).isEqualTo(1);
    }

    @Test
    void sharedLayersAreStoredOnceAndRemovedWithTheLastImage() throws Exception {
        byte[] tar = berthd.busyboxTar();
        byte[] unique = withExtraFile(tar, "shared-marker");
        String diffHex = sha256(unique).substring(7);
        String a = importAs(unique, "shared:a", "CMD [\"a\"]");
        String b = importAs(unique, "shared:b", "CMD [\"b\"]");
        assertThat(a).isNotEqualTo(b);
        Path layers = berthd.dataRoot().resolve("layers");
        try (var s = Files.list(layers)) {
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.equals(diffHex)).count()).isEqualTo(1);
        }
        assertThat(inspect("shared:a", "{{.GraphDriver.Data.UpperDir}}")).isEqualTo(inspect("shared:b", "{{.GraphDriver.Data.UpperDir}}"));
        String first = ok(berthd.docker("rmi", "shared:a")).out();
        assertThat(first).doesNotContain("sha256:" + diffHex);
        assertThat(layers.resolve(diffHex).resolve("diff/shared-marker")).exists();
        String second = ok(berthd.docker("rmi", "shared:b")).out();
        assertThat(second).contains("Deleted: sha256:" + diffHex);
        assertThat(layers.resolve(diffHex)).doesNotExist();
    }

    /** The tar with one more regular file appended, so its layer is this test's own. */
    static byte[] withExtraFile(byte[] tar, String name) throws IOException {
        var out = new ByteArrayOutputStream();
        try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(new java.io.ByteArrayInputStream(tar));
             var t = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(out)) {
            org.apache.commons.compress.archivers.tar.TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                t.putArchiveEntry(e);
                in.transferTo(t);
                t.closeArchiveEntry();
            }
            byte[] c = name.getBytes(StandardCharsets.UTF_8);
            var extra = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(name);
            extra.setSize(c.length);
            t.putArchiveEntry(extra);
            t.write(c);
            t.closeArchiveEntry();
        }
        return out.toByteArray();
    }

    @Test
    void pruneRemovesDanglingImagesOnly() throws Exception {
        byte[] tar = withExtraFile(busybox, "prune-marker");
        String old = importAs(tar, "prune:x", "LABEL gen=1");
        String current = importAs(tar, "prune:x", "LABEL gen=2");
        assertThat(inspect(old, "{{json .RepoTags}}")).isEqualTo("[]");
        String dangling = ok(berthd.docker("images", "-q", "--no-trunc", "--filter", "dangling=true")).out();
        assertThat(dangling).contains(old).doesNotContain(current);
        assertThat(ok(berthd.docker("images", "--filter", "label=gen=2", "--format", "{{.ID}}", "--no-trunc")).out()).isEqualTo(current);
        assertThat(ok(berthd.docker("images", "--format", "{{.Repository}}:{{.Tag}}", "--filter", "dangling=true")).out())
                .contains("<none>:<none>");
        String out = ok(berthd.docker("image", "prune", "-f")).out();
        assertThat(out).contains("deleted: " + old).contains("Total reclaimed space:");
        assertThat(berthd.docker("image", "inspect", old).exitCode()).isEqualTo(1);
        assertThat(inspect("prune:x", "{{.Id}}")).isEqualTo(current);
        assertThat(ok(berthd.docker("images", "-q", "--filter", "dangling=true")).out()).isEmpty();
    }

    @Test
    void beforeAndSinceFilters() throws Exception {
        String first = importAs(busybox, "order:first");
        Thread.sleep(1100);
        String second = importAs(busybox, "order:second");
        String before = ok(berthd.docker("images", "-q", "--no-trunc", "--filter", "before=order:second", "--filter", "reference=order")).out();
        assertThat(before).isEqualTo(first);
        String since = ok(berthd.docker("images", "-q", "--no-trunc", "--filter", "since=order:first", "--filter", "reference=order")).out();
        assertThat(since).isEqualTo(second);
        CommandResult bad = berthd.docker("images", "--filter", "nonsense=1");
        assertThat(bad.exitCode()).isNotZero();
        assertThat(bad.stderr()).contains("invalid filter 'nonsense'");
    }

    @Test
    void importWithoutAReferenceMakesADanglingImage() {
        String id = importAs(busybox, null);
        assertThat(inspect(id, "{{json .RepoTags}}")).isEqualTo("[]");
        assertThat(ok(berthd.docker("rmi", id)).out()).startsWith("Deleted: " + id);
    }

    @Test
    void infoCountsImages() throws Exception {
        importAs(busybox, "counted");
        ApiResult list = berthd.api("GET", "/images/json", null);
        int n = JSON.readTree(list.body()).size();
        assertThat(ok(berthd.docker("info", "--format", "{{.Images}}")).out()).isEqualTo(Integer.toString(n));
    }

    @Test
    void apiImportAnswersWithAJsonProgressStream() throws Exception {
        String q = "/v1.50/images/create?fromSrc=-&repo=" + URLEncoder.encode("api/imp", StandardCharsets.UTF_8) + "&tag=t1"
                + "&changes=" + URLEncoder.encode("CMD [\"sh\"]", StandardCharsets.UTF_8);
        ApiResult r = berthd.apiRaw("POST", q, "application/x-tar", busybox);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).matches("\\{\"status\":\"sha256:[0-9a-f]{64}\"}\r\n");
        assertThat(inspect("api/imp:t1", "{{json .Config.Cmd}}")).isEqualTo("[\"sh\"]");
        // The reference is checked before the body is read; a small body keeps the client from writing into a closed socket.
        ApiResult badRepo = berthd.apiRaw("POST", "/images/create?fromSrc=-&repo=Bad", "application/x-tar", new byte[1]);
        assertThat(badRepo.status()).isEqualTo(400);
        assertThat(badRepo.body()).contains("invalid reference format: repository name (library/Bad) must be lowercase");
        ApiResult summary = berthd.api("GET", "/images/json?filters=" + URLEncoder.encode("{\"reference\":[\"api/imp\"]}", StandardCharsets.UTF_8), null);
        JsonNode s = JSON.readTree(summary.body()).get(0);
        assertThat(s.get("RepoTags").toString()).isEqualTo("[\"api/imp:t1\"]");
        assertThat(s.get("SharedSize").asInt()).isEqualTo(-1);
        assertThat(s.get("Containers").asInt()).isEqualTo(-1);
        assertThat(s.get("ParentId").asText()).isEmpty();
        assertThat(s.get("Labels").isObject()).isTrue();
        assertThat(s.get("Created").isIntegralNumber()).isTrue();
        ApiResult old = berthd.api("GET", "/v1.43/images/json?filters=" + URLEncoder.encode("{\"reference\":[\"api/imp\"]}", StandardCharsets.UTF_8), null);
        assertThat(JSON.readTree(old.body()).get(0).has("VirtualSize")).isTrue();
        ApiResult hist = berthd.api("GET", "/images/api/imp:t1/history", null);
        assertThat(JSON.readTree(hist.body()).get(0).get("Tags").toString()).isEqualTo("[\"api/imp:t1\"]");
    }

    @Test
    void concurrentImportsOfOneLayerShareIt() throws Exception {
        byte[] tar = withExtraFile(busybox, "concurrent-marker");
        String diffHex = sha256(tar).substring(7);
        var pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            List<java.util.concurrent.Future<String>> ids = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String ref = "concurrent:" + i;
                ids.add(pool.submit(() -> importAs(tar, ref, "LABEL n=" + ref)));
            }
            java.util.Set<String> distinct = new java.util.HashSet<>();
            for (var f : ids) {
                distinct.add(f.get());
            }
            assertThat(distinct).hasSize(3);
        } finally {
            pool.shutdown();
        }
        for (int i = 0; i < 3; i++) {
            assertThat(inspect("concurrent:" + i, "{{.GraphDriver.Data.UpperDir}}"))
                    .isEqualTo(berthd.dataRoot().resolve("layers").resolve(diffHex).resolve("diff").toString());
        }
        try (var s = Files.list(berthd.dataRoot().resolve("layers/tmp"))) {
            assertThat(s.toList()).isEmpty();
        }
    }

    @Test
    void imagesSurviveARestart() throws Exception {
        String id = importAs(busybox, "persisted:1", "CMD [\"sh\"]");
        berthd.restart();
        assertThat(inspect("persisted:1", "{{.Id}} {{json .Config.Cmd}}")).isEqualTo(id + " [\"sh\"]");
    }

    @Test
    void importPlatformAndUnsupportedSources() throws Exception {
        ok(berthd.dockerWithInput(busybox, "import", "--platform", "linux/arm64", "-", "plat:arm"));
        assertThat(inspect("plat:arm", "{{.Os}}/{{.Architecture}}")).isEqualTo("linux/arm64");
        ApiResult windows = berthd.apiRaw("POST", "/images/create?fromSrc=-&platform=windows/amd64", "application/x-tar", new byte[1]);
        assertThat(windows.status()).isEqualTo(400);
        assertThat(windows.body()).contains("operating system is not supported");
        ApiResult url = berthd.apiRaw("POST", "/images/create?fromSrc=" + URLEncoder.encode("http://example.invalid/x.tar", StandardCharsets.UTF_8),
                "application/x-tar", new byte[1]);
        assertThat(url.status()).isEqualTo(400);
        ApiResult digestRepo = berthd.apiRaw("POST", "/images/create?fromSrc=-&repo=" + URLEncoder.encode("a@sha256:" + "0".repeat(64), StandardCharsets.UTF_8),
                "application/x-tar", new byte[1]);
        assertThat(digestRepo.status()).isEqualTo(400);
        assertThat(digestRepo.body()).contains("cannot import digest reference");
    }
}
