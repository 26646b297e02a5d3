package dev.berth.sys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LibcTest {
    @Test
    void tmpfsMountIsVisibleAndUnmounts(@TempDir Path dir) throws Exception {
        Path target = Files.createDirectory(dir.resolve("m"));
        Libc.mount("tmpfs", target.toString(), "tmpfs", Libc.MS_NOSUID | Libc.MS_NODEV, "size=1m");
        try {
            assertThat(Files.readString(Path.of("/proc/self/mounts"))).contains(target.toString());
            Files.writeString(target.resolve("f"), "x");
        } finally {
            Libc.umount2(target.toString(), 0);
        }
        assertThat(Files.exists(target.resolve("f"))).isFalse();
    }

    @Test
    void anonymousMappingIsUsableAndLeavesTheProcessWhenItsArenaCloses() throws Exception {
        java.lang.foreign.Arena owner = java.lang.foreign.Arena.ofShared();
        java.lang.foreign.MemorySegment m = Libc.mapAnonymous(1 << 20, owner);
        assertThat(m.byteSize()).isEqualTo(1 << 20);
        assertThat(m.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 12345)).as("fresh pages are zero").isZero();
        m.set(java.lang.foreign.ValueLayout.JAVA_LONG, 8, 42L);
        assertThat(m.get(java.lang.foreign.ValueLayout.JAVA_LONG, 8)).isEqualTo(42L);
        long at = m.address();
        assertThat(mapped(at)).isTrue();
        owner.close();
        assertThat(mapped(at)).as("unmapped, not kept by malloc").isFalse();
        assertThatThrownBy(() -> m.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
    }

    /** Whether a mapping of this process covers {@code address} (neighbours may merge, so not by exact range). */
    private static boolean mapped(long address) throws java.io.IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().map(l -> l.substring(0, l.indexOf(' ')).split("-"))
                .anyMatch(r -> Long.parseUnsignedLong(r[0], 16) <= address && address < Long.parseUnsignedLong(r[1], 16));
    }

    @Test
    void batchSchedulingIsTheCallingThreadsAndWhatItStartsAndCanBeUndone() throws Exception {
        int[] seen = new int[5];
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                seen[0] = policy("thread-self");
                Libc.batchScheduling(true);
                seen[1] = policy("thread-self");
                Thread child = Thread.ofPlatform().start(() -> {
                    try {
                        seen[2] = policy("thread-self");
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                child.join();
                Process p = new ProcessBuilder("sh", "-c", "cat /proc/self/stat").start();
                seen[3] = policyOf(new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII));
                p.waitFor();
                Libc.batchScheduling(false);
                seen[4] = policy("thread-self");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        t.join();
        int sched_other = 0;
        int sched_batch = 3;
        assertThat(seen[0]).isEqualTo(sched_other);
        assertThat(seen[1]).isEqualTo(sched_batch);
        assertThat(seen[2]).as("a thread it starts inherits it").isEqualTo(sched_batch);
        assertThat(seen[3]).as("a process it starts inherits it").isEqualTo(sched_batch);
        assertThat(seen[4]).as("back to normal").isEqualTo(sched_other);
        assertThat(policy("thread-self")).as("the test's own thread").isEqualTo(sched_other);
    }

    private static int policy(String proc) throws java.io.IOException {
        return policyOf(Files.readString(Path.of("/proc", proc, "stat")));
    }

    /** Field 41 of a /proc stat line; the name (field 2) may hold spaces, so count from its closing parenthesis. */
    private static int policyOf(String stat) {
        String[] after = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return Integer.parseInt(after[41 - 3]);
    }

    @Test
    void failureCarriesErrno(@TempDir Path dir) {
        assertThatThrownBy(() -> Libc.umount2(dir.resolve("not-mounted").toString(), 0))
                .isInstanceOf(Libc.ErrnoException.class)
                .satisfies(e -> assertThat(((Libc.ErrnoException) e).errno()).isIn(Libc.ENOENT, Libc.EINVAL));
    }

    @Test
    void mknodMakesDevicesAndFifos(@TempDir Path dir) throws Exception {
        Path dev = dir.resolve("null");
        Libc.mknod(dev.toString(), Libc.S_IFCHR | 0666, 1, 3);
        assertThat(Files.getAttribute(dev, "unix:rdev")).isEqualTo(Libc.makedev(1, 3));
        assertThat(((Integer) Files.getAttribute(dev, "unix:mode")) & 0170000).isEqualTo(Libc.S_IFCHR);
        Path fifo = dir.resolve("fifo");
        Libc.mknod(fifo.toString(), Libc.S_IFIFO | 0600, 0, 0);
        assertThat(((Integer) Files.getAttribute(fifo, "unix:mode")) & 0170000).isEqualTo(Libc.S_IFIFO);
        assertThatThrownBy(() -> Libc.mknod(fifo.toString(), Libc.S_IFIFO | 0600, 0, 0))
                .isInstanceOf(Libc.ErrnoException.class).hasMessageContaining("File exists");
    }

    @Test
    void makedevMatchesGlibc() {
        assertThat(Libc.makedev(0, 0)).isZero();
        assertThat(Libc.makedev(8, 1)).isEqualTo(0x801L);
        assertThat(Libc.makedev(259, 65536)).isEqualTo(0x10010300L);
    }

    @Test
    void xattrsRoundTripWithoutFollowingSymlinks(@TempDir Path dir) throws Exception {
        Path d = Files.createDirectory(dir.resolve("d"));
        Libc.lsetxattr(d.toString(), "trusted.overlay.opaque", "y".getBytes());
        assertThat(Libc.lgetxattr(d.toString(), "trusted.overlay.opaque")).containsExactly('y');
        assertThat(Libc.lgetxattr(d.toString(), "user.absent")).isNull();
        Path link = Files.createSymbolicLink(dir.resolve("l"), d);
        assertThat(Libc.lgetxattr(link.toString(), "trusted.overlay.opaque")).isNull();
    }

    @Test
    void chmodChownAndTimesDoNotOpenTheFile(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("fifo");
        Libc.mknod(fifo.toString(), Libc.S_IFIFO | 0600, 0, 0);
        // Opening a FIFO with no writer would block: these calls must not open it.
        Libc.lchown(fifo.toString(), 1234, 5678);
        Libc.chmod(fifo.toString(), 04640);
        Libc.lutimes(fifo.toString(), 1_500_000_000_123_456_789L, 1_000_000_000_000_000_001L);
        assertThat(((Integer) Files.getAttribute(fifo, "unix:mode")) & 07777).isEqualTo(04640);
        assertThat(Files.getAttribute(fifo, "unix:uid")).isEqualTo(1234);
        assertThat(Files.getAttribute(fifo, "unix:gid")).isEqualTo(5678);
        assertThat(((java.nio.file.attribute.FileTime) Files.getAttribute(fifo, "lastModifiedTime")).toInstant())
                .isEqualTo(java.time.Instant.ofEpochSecond(1_000_000_000L, 1));
        Path link = Files.createSymbolicLink(dir.resolve("l"), fifo);
        Libc.lutimes(link.toString(), 0, 2_000_000_000_000_000_000L);
        assertThat(Files.getLastModifiedTime(link, java.nio.file.LinkOption.NOFOLLOW_LINKS).toInstant().getEpochSecond()).isEqualTo(2_000_000_000L);
        assertThat(Files.getLastModifiedTime(fifo).toInstant().getEpochSecond()).isEqualTo(1_000_000_000L);
    }
}
