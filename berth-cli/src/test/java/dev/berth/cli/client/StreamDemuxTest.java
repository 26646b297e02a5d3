package dev.berth.cli.client;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StreamDemuxTest {
    private static byte[] concat(byte[]... parts) {
        var b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void headerIsStreamByteThreeZerosAndBigEndianLength() {
        byte[] f = StreamDemux.frame(2, new byte[300]);
        assertThat(Arrays.copyOf(f, 8)).containsExactly(2, 0, 0, 0, 0, 0, 1, 44);
    }

    @Test
    void splitsStdoutAndStderr() throws IOException {
        byte[] large = new byte[100_000];
        Arrays.fill(large, (byte) 'x');
        var in = new ByteArrayInputStream(concat(StreamDemux.frame(1, utf8("out1\n")), StreamDemux.frame(2, utf8("err\n")),
                StreamDemux.frame(1, large), StreamDemux.frame(0, utf8("in-as-out"))));
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        StreamDemux.copy(in, out, err);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("err\n");
        assertThat(out.size()).isEqualTo(5 + 100_000 + 9);
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("out1\nxxx").endsWith("in-as-out");
    }

    @Test
    void systemErrorStreamEndsWithTheDaemonsMessage() {
        var in = new ByteArrayInputStream(concat(StreamDemux.frame(1, utf8("a")), StreamDemux.frame(3, utf8("boom"))));
        assertThatThrownBy(() -> StreamDemux.copy(in, new ByteArrayOutputStream(), new ByteArrayOutputStream()))
                .hasMessageContaining("boom");
    }

    @Test
    void truncatedFramesAreErrors() {
        byte[] f = StreamDemux.frame(1, utf8("hello"));
        assertThatThrownBy(() -> StreamDemux.copy(new ByteArrayInputStream(Arrays.copyOf(f, 10)), new ByteArrayOutputStream(),
                new ByteArrayOutputStream())).hasMessageContaining("truncated");
        assertThatThrownBy(() -> StreamDemux.copy(new ByteArrayInputStream(Arrays.copyOf(f, 5)), new ByteArrayOutputStream(),
                new ByteArrayOutputStream())).hasMessageContaining("truncated");
    }
}
