package dev.berth.daemon.images;

import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.storage.ContentStore;
import dev.berth.daemon.storage.LayerStore;
import dev.berth.daemon.store.MetadataDb;
import dev.berth.oci.ImageReference;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The image store's rules on a real SQLite database and real layer directories. */
class ImageServiceTest {
    private static final ImageService.Platform PLATFORM = new ImageService.Platform("linux", "amd64", null);

    @TempDir
    Path root;
    private MetadataDb db;
    private ImageService images;
    private final List<String> stopped = new ArrayList<>();
    private final List<String> running = new ArrayList<>();

    @BeforeEach
    void open() throws Exception {
        db = new MetadataDb(root.resolve("berth.db"));
        images = new ImageService(db, new ContentStore(root), new LayerStore(root, db), PLATFORM);
        images.setUsage(() -> new ImageUsage() {
            @Override
            public List<String> containersUsing(String imageId) {
                List<String> all = new ArrayList<>(stopped);
                all.addAll(running);
                return all;
            }

            @Override
            public List<String> runningContainersUsing(String imageId) {
                return running;
            }
        });
    }

    @AfterEach
    void close() throws Exception {
        db.close();
    }

    static byte[] tar(String... files) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            for (String f : files) {
                byte[] b = f.getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry e = new TarArchiveEntry(f);
                e.setSize(b.length);
                t.putArchiveEntry(e);
                t.write(b);
                t.closeArchiveEntry();
            }
        }
        return out.toByteArray();
    }

    private String importAs(String ref, String... files) throws IOException {
        return images.importImage(new ByteArrayInputStream(tar(files)), ref == null ? null : ImageReference.parse(ref).withDefaultTag(),
                "Imported from -", List.of("CMD [\"sh\"]"), PLATFORM);
    }

    @Test
    void resolvesByNameTagAndId() throws Exception {
        String id = importAs("app:1", "a");
        assertThat(images.resolve("app:1").id()).isEqualTo(id);
        assertThat(images.resolve("docker.io/library/app:1").id()).isEqualTo(id);
        assertThat(images.resolve(id).id()).isEqualTo(id);
        assertThat(images.resolve(id.substring(7)).id()).isEqualTo(id);
        assertThat(images.resolve(id.substring(7, 15)).id()).isEqualTo(id);
        assertThat(images.resolve("sha256:" + id.substring(7, 15)).id()).isEqualTo(id);
        ResolvedImage r = images.resolve("app:1");
        assertThat(r.layerDirs()).hasSize(1);
        assertThat(r.layerDirs().getFirst().resolve("a")).hasContent("a");
        assertThat(r.config().config().cmd()).containsExactly("sh");
        assertThat(r.config().history().getFirst().comment()).isEqualTo("Imported from -");
        assertThatThrownBy(() -> images.resolve("app")).isInstanceOf(ApiException.class).hasMessage("No such image: app:latest");
        assertThatThrownBy(() -> images.resolve("App")).satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(400));
        assertThatThrownBy(() -> images.resolve("0".repeat(64))).hasMessage("No such image: sha256:" + "0".repeat(64));
        assertThatThrownBy(() -> images.resolve("sha256:" + "0".repeat(64))).hasMessage("No such image: sha256:" + "0".repeat(64))
                .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(404));
    }

    @Test
    void aRepositoryReferenceInUseNeedsForce() throws Exception {
        String id = importAs("used", "u");
        stopped.add("c0ffee0000000000000000000000000000000000000000000000000000000000");
        assertThatThrownBy(() -> images.delete("used", false, true))
                .hasMessage("conflict: unable to remove repository reference \"used\" (must force) - container c0ffee000000 is using its referenced image "
                        + id.substring(7, 19));
        assertThatThrownBy(() -> images.delete(id, false, true))
                .hasMessage("conflict: unable to delete " + id.substring(7, 19) + " (must be forced) - image is being used by stopped container c0ffee000000");
        running.add("beef000000000000000000000000000000000000000000000000000000000000");
        assertThatThrownBy(() -> images.delete(id, true, true))
                .hasMessage("conflict: unable to delete " + id.substring(7, 19) + " (cannot be forced) - image is being used by running container beef00000000");
        running.clear();
        Path layer = images.resolve(id).layerDirs().getFirst();
        // Forced, as docker: untagged and deleted, but the container keeps the layers it runs on.
        assertThat(images.delete("used", true, true)).containsExactly(
                new ImageService.DeleteItem("used:latest", null), new ImageService.DeleteItem(null, id));
        assertThat(images.count()).isZero();
        assertThat(layer.resolve("u")).exists();
        images.releaseContainer(stopped.getFirst());
        assertThat(layer).doesNotExist();
    }

    @Test
    void layersRetainedByAContainerOutliveTheImage() throws Exception {
        String id = importAs("held", "h");
        Path layer = images.resolve(id).layerDirs().getFirst();
        images.retainForContainer("c1", id);
        assertThat(images.delete("held", false, true)).extracting(ImageService.DeleteItem::deleted).containsExactly(null, id);
        assertThat(layer.resolve("h")).exists();
        images.releaseContainer("c1");
        assertThat(layer).doesNotExist();
    }

    @Test
    void retaggingLeavesTheOldImageDanglingAndPruneRemovesIt() throws Exception {
        String old = importAs("x", "one");
        String current = importAs("x", "two");
        assertThat(images.find(old).dangling()).isTrue();
        assertThat(images.find("x").id()).isEqualTo(current);
        ImageService.PruneResult p = images.prune(true, r -> true);
        assertThat(p.deleted()).first().isEqualTo(new ImageService.DeleteItem(null, old));
        assertThat(p.spaceReclaimed()).isEqualTo(3);
        assertThat(images.count()).isEqualTo(1);
    }

    @Test
    void stateSurvivesARestartAndLeftoversAreCleaned() throws Exception {
        String id = importAs("persist", "p");
        Path layers = root.resolve("layers");
        Path orphan = Files.createDirectories(layers.resolve("a".repeat(64)).resolve("diff"));
        Path leftover = Files.createDirectories(layers.resolve("tmp/some-crashed-import/diff"));
        db.close();
        open();
        assertThat(images.find("persist").id()).isEqualTo(id);
        assertThat(images.resolve("persist").layerDirs().getFirst()).isDirectory();
        assertThat(orphan.getParent()).doesNotExist();
        assertThat(leftover).doesNotExist();
    }

    @Test
    void chainIdsFollowTheSpec() {
        String a = "sha256:" + "a".repeat(64);
        String b = "sha256:" + "b".repeat(64);
        List<String> chain = LayerStore.chainIds(List.of(a, b));
        assertThat(chain.getFirst()).isEqualTo(a);
        assertThat(chain.get(1)).isEqualTo(dev.berth.oci.Digest.sha256((a + " " + b).getBytes(StandardCharsets.UTF_8)).toString());
    }

    @Test
    void rfc3339NanoTrimsZeros() {
        assertThat(ImageService.rfc3339Nano(java.time.Instant.parse("2024-01-02T03:04:05.120Z"))).isEqualTo("2024-01-02T03:04:05.12Z");
        assertThat(ImageService.rfc3339Nano(java.time.Instant.parse("2024-01-02T03:04:05Z"))).isEqualTo("2024-01-02T03:04:05Z");
    }
}
