package dev.berth.tests.volumes;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.List;
import java.util.Map;

/** Test images for volumes: busybox with content owned by 1000:1000 (and an xattr) under a VOLUME. */
final class VolumeImages {
    private VolumeImages() {}

    /**
     * Imports busybox plus {@code /data/owned.txt} (uid/gid 1000, mode 0640, xattr user.berth=kept)
     * inside {@code /data} (uid/gid 1000, mode 0750), with {@code VOLUME /data}, as {@code ref}.
     */
    static void importWithData(BerthdFixture berthd, String ref) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory(Path.of("/tmp"), "volimg-");
            CommandResult x = BerthdFixture.run(List.of("tar", "-C", dir.toString(), "-xf", "-"), berthd.busyboxTar(), Map.of());
            x.ok();
            Path data = Files.createDirectories(dir.resolve("data"));
            Path f = data.resolve("owned.txt");
            Files.writeString(f, "from the image\n");
            Files.getFileAttributeView(f, UserDefinedFileAttributeView.class)
                    .write("berth", ByteBuffer.wrap("kept".getBytes(StandardCharsets.UTF_8)));
            BerthdFixture.run(List.of("chown", "-R", "1000:1000", data.toString()), null, Map.of()).ok();
            BerthdFixture.run(List.of("chmod", "0750", data.toString()), null, Map.of()).ok();
            BerthdFixture.run(List.of("chmod", "0640", f.toString()), null, Map.of()).ok();
            CommandResult tar = BerthdFixture.run(List.of("tar", "-C", dir.toString(), "--xattrs", "--xattrs-include=user.*",
                    "--numeric-owner", "-cf", "-", "."), null, Map.of());
            tar.ok();
            berthd.dockerWithInput(tar.stdout().getBytes(StandardCharsets.ISO_8859_1), "import", "-c", "VOLUME /data",
                    "-c", "CMD [\"sh\"]", "-", ref).ok();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (dir != null) {
                BerthdFixture.run(List.of("rm", "-rf", dir.toString()), null, Map.of());
            }
        }
    }

    /** Imports busybox with {@code /data} a symlink to the absolute {@code /etc}, and {@code VOLUME /data}, as {@code ref}. */
    static void importWithEscapingLink(BerthdFixture berthd, String ref) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory(Path.of("/tmp"), "volimg-");
            BerthdFixture.run(List.of("tar", "-C", dir.toString(), "-xf", "-"), berthd.busyboxTar(), Map.of()).ok();
            Files.createSymbolicLink(dir.resolve("data"), Path.of("/etc"));
            CommandResult tar = BerthdFixture.run(List.of("tar", "-C", dir.toString(), "--numeric-owner", "-cf", "-", "."), null, Map.of());
            tar.ok();
            berthd.dockerWithInput(tar.stdout().getBytes(StandardCharsets.ISO_8859_1), "import", "-c", "VOLUME /data",
                    "-c", "CMD [\"sh\"]", "-", ref).ok();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (dir != null) {
                BerthdFixture.run(List.of("rm", "-rf", dir.toString()), null, Map.of());
            }
        }
    }

    static String xattr(Path p, String name) throws IOException {
        UserDefinedFileAttributeView v = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
        ByteBuffer b = ByteBuffer.allocate(v.size(name));
        v.read(name, b);
        return new String(b.array(), StandardCharsets.UTF_8);
    }
}
