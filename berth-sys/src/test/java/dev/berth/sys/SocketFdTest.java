package dev.berth.sys;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static org.assertj.core.api.Assertions.assertThat;

/** A duplicated non-blocking socket: nothing yet, bytes, the end; and it outlives the original descriptor. */
class SocketFdTest {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle SOCKETPAIR = LINKER.downcallHandle(LINKER.defaultLookup().find("socketpair").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle WRITE = LINKER.downcallHandle(LINKER.defaultLookup().find("write").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    @Test
    void readsWhatIsThereWaitsForMoreAndSeesTheEnd() throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(ValueLayout.JAVA_INT, 2);
            int sockStreamNonBlock = 1 | 04000;
            assertThat((int) SOCKETPAIR.invokeExact(1, sockStreamNonBlock, 0, fds)).isZero();
            int ours = fds.getAtIndex(ValueLayout.JAVA_INT, 0);
            int peer = fds.getAtIndex(ValueLayout.JAVA_INT, 1);
            try (SocketFd s = SocketFd.dup(ours)) {
                int ignored = (int) CLOSE.invokeExact(ours); // the original's owner lets go; the duplicate still reads
                MemorySegment buf = a.allocate(64);
                assertThat(s.read(buf)).as("nothing sent yet").isZero();
                assertThat(s.awaitReadable(10)).isFalse();
                long n = (long) WRITE.invokeExact(peer, a.allocateFrom("hello"), 5L);
                assertThat(n).isEqualTo(5);
                assertThat(s.awaitReadable(1000)).isTrue();
                assertThat(s.read(buf)).isEqualTo(5);
                assertThat(buf.getString(0)).startsWith("hello");
                ignored = (int) CLOSE.invokeExact(peer);
                assertThat(s.awaitReadable(1000)).as("the peer's close wakes a waiter").isTrue();
                assertThat(s.read(buf)).as("end of stream").isEqualTo(-1);
            }
        }
    }
}
