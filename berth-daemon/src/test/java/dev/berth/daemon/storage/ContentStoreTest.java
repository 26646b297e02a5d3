package dev.berth.daemon.storage;

import dev.berth.oci.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ContentStoreTest {
    @TempDir
    Path root;

    @Test
    void blobsAreStoredByDigest() throws Exception {
        ContentStore cs = new ContentStore(root);
        byte[] b = "hello".getBytes(StandardCharsets.UTF_8);
        Digest d = cs.put(b);
        assertThat(d).isEqualTo(Digest.sha256(b));
        assertThat(root.resolve("content/blobs/sha256").resolve(d.hex())).hasBinaryContent(b);
        assertThat(cs.put(new ByteArrayInputStream(b), d)).isEqualTo(d);
        assertThat(cs.read(d)).isEqualTo(b);
        cs.delete(d);
        assertThat(cs.exists(d)).isFalse();
    }

    @Test
    void aDigestMismatchStoresNothing() throws Exception {
        ContentStore cs = new ContentStore(root);
        Digest wrong = Digest.sha256("other".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> cs.put(new ByteArrayInputStream("hello".getBytes(StandardCharsets.UTF_8)), wrong))
                .hasMessageContaining("content digest mismatch");
        assertThat(cs.exists(wrong)).isFalse();
        assertThat(cs.exists(Digest.sha256("hello".getBytes(StandardCharsets.UTF_8)))).isFalse();
        try (var s = Files.list(root.resolve("content/tmp"))) {
            assertThat(s.toList()).isEmpty();
        }
    }

    @Test
    void halfWrittenBlobsAreRemovedAtStart() throws Exception {
        new ContentStore(root);
        Path partial = Files.writeString(root.resolve("content/tmp/partial"), "half");
        new ContentStore(root);
        assertThat(partial).doesNotExist();
    }
}
