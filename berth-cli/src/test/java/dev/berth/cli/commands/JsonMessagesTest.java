package dev.berth.cli.commands;

import dev.berth.cli.ExitException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The jsonmessage stream drawn as docker draws it, on a terminal and off one. */
class JsonMessagesTest {
    private static final String PULL = """
            {"status":"Pulling from library/busybox","id":"latest"}
            {"status":"Pulling fs layer","progressDetail":{},"id":"aaa"}
            {"status":"Pulling fs layer","progressDetail":{},"id":"bbb"}
            {"status":"Downloading","progressDetail":{"current":50,"total":100},"progress":"[==>  ]  50B/100B","id":"aaa"}
            {"status":"Pull complete","progressDetail":{},"id":"aaa"}
            {"status":"Pull complete","progressDetail":{},"id":"bbb"}
            {"status":"Digest: sha256:abc"}
            {"status":"Status: Downloaded newer image for busybox:latest"}
            """;

    private static String render(String stream, boolean terminal, List<String> aux) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        JsonMessages.display(new ByteArrayInputStream(stream.getBytes(StandardCharsets.UTF_8)), out, terminal,
                a -> aux.add(a.toString()));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void offATerminalOnlyStatusLinesArePrinted() throws Exception {
        assertThat(render(PULL, false, new ArrayList<>())).isEqualTo("""
                latest: Pulling from library/busybox
                aaa: Pulling fs layer
                bbb: Pulling fs layer
                aaa: Pull complete
                bbb: Pull complete
                Digest: sha256:abc
                Status: Downloaded newer image for busybox:latest
                """);
    }

    @Test
    void onATerminalEachLayerLineIsRedrawnInPlace() throws Exception {
        String out = render(PULL, true, new ArrayList<>());
        // aaa and bbb hold one line each below the header; aaa's progress goes two lines up, then back down.
        assertThat(out).startsWith("latest: Pulling from library/busybox\n\n\u001b[1A\u001b[2K\raaa: Pulling fs layer \r\u001b[1B");
        assertThat(out).contains("\u001b[2A\u001b[2K\raaa: Downloading " + JsonMessages.bar(
                dev.berth.cli.client.Json.parse("{\"current\":50,\"total\":100}"), 200) + "\r\u001b[2B");
        assertThat(out).contains("\u001b[1A\u001b[2K\rbbb: Pull complete \r\u001b[1B");
        assertThat(out).endsWith("Digest: sha256:abc\nStatus: Downloaded newer image for busybox:latest\n");
    }

    @Test
    void theBarIsDockersAndOnlyOnWideTerminals() throws Exception {
        var half = dev.berth.cli.client.Json.parse("{\"current\":500000,\"total\":1000000}");
        assertThat(JsonMessages.bar(half, 200)).isEqualTo("[" + "=".repeat(25) + ">" + " ".repeat(25) + "]    500kB/1MB");
        assertThat(JsonMessages.bar(half, 80)).isEqualTo("   500kB/1MB");
        assertThat(JsonMessages.bar(dev.berth.cli.client.Json.parse("{}"), 200)).isEmpty();
    }

    @Test
    void auxGoesToTheCallbackAndErrorsEndTheCommand() throws Exception {
        List<String> aux = new ArrayList<>();
        render("{\"progressDetail\":{},\"aux\":{\"Tag\":\"1\",\"Digest\":\"sha256:x\",\"Size\":5}}\n", false, aux);
        assertThat(aux).containsExactly("{\"Tag\":\"1\",\"Digest\":\"sha256:x\",\"Size\":5}");
        assertThatThrownBy(() -> render("{\"errorDetail\":{\"message\":\"boom\"},\"error\":\"boom\"}\n", false, aux))
                .isInstanceOf(ExitException.class).hasMessage("boom");
    }
}
