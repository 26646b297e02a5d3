package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.cli.TestCli;
import dev.berth.cli.output.ListOutput;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** ps and images rows and tables as docker 28 prints them. */
class TablesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.ofEpochSecond(1_700_000_000);

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }

    @Test
    void psRowTruncatesLikeDocker() throws Exception {
        JsonNode c = json("""
                {"Id":"4f66ad9a0b2e8f6c9d4b1a2e3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d","Names":["/web","/other/alias"],
                 "Image":"sha256:9c7a54a9a43cca047013b82af109fe963fde787f63f9e016fdc3384500c2823d","Command":"sh -c 'while true; do sleep 1; done'",
                 "Created":1699999880,"Ports":[{"IP":"0.0.0.0","PrivatePort":80,"PublicPort":8080,"Type":"tcp"},{"PrivatePort":443,"Type":"tcp"}],
                 "Labels":{"b":"2","a":"1"},"State":"running","Status":"Up 2 minutes","SizeRw":12,"SizeRootFs":4261550}""");
        var row = PsCommand.row(c, true, NOW);
        assertThat(row.get("ID").asText()).isEqualTo("4f66ad9a0b2e");
        assertThat(row.get("Command").asText()).isEqualTo("\"sh -c 'while true; …\"");
        assertThat(row.get("Image").asText()).isEqualTo("9c7a54a9a43c");
        assertThat(row.get("Names").asText()).isEqualTo("web");
        assertThat(row.get("RunningFor").asText()).isEqualTo("2 minutes ago");
        assertThat(row.get("Ports").asText()).isEqualTo("0.0.0.0:8080->80/tcp, 443/tcp");
        assertThat(row.get("Labels").asText()).isEqualTo("a=1,b=2");
        assertThat(row.get("Size").asText()).isEqualTo("12B (virtual 4.26MB)");
        var full = PsCommand.row(c, false, NOW);
        assertThat(full.get("Command").asText()).isEqualTo("\"sh -c 'while true; do sleep 1; done'\"");
        assertThat(full.get("Names").asText()).isEqualTo("web,other/alias");
    }

    @Test
    void psDefaultTable() throws Exception {
        JsonNode list = json("""
                [{"Id":"4f66ad9a0b2e8f6c","Names":["/web"],"Image":"busybox","Command":"top","Created":1699999997,"Ports":[],
                  "Labels":{},"State":"running","Status":"Up 2 seconds"},
                 {"Id":"aaaaaaaaaaaaaaaa","Names":["/a_long_container_name"],"Image":"busybox:1.36","Command":"sh","Created":1699996400,"Ports":[],
                  "Labels":{},"State":"exited","Status":"Exited (0) About an hour ago"}]""");
        var t = new TestCli();
        var rows = new java.util.ArrayList<com.fasterxml.jackson.databind.node.ObjectNode>();
        list.forEach(c -> rows.add(PsCommand.row(c, true, NOW)));
        ListOutput.print(t.cli, null, PsCommand.TABLE, PsCommand.HEADERS, rows);
        assertThat(t.out()).isEqualTo("""
                CONTAINER ID   IMAGE          COMMAND   CREATED             STATUS                         PORTS     NAMES
                4f66ad9a0b2e   busybox        "top"     3 seconds ago       Up 2 seconds                             web
                aaaaaaaaaaaa   busybox:1.36   "sh"      About an hour ago   Exited (0) About an hour ago             a_long_container_name
                """);
    }

    @Test
    void imagesRowsPerTagAndNoneForDangling() throws Exception {
        JsonNode images = json("""
                [{"Id":"sha256:9c7a54a9a43cca047013b82af109fe963fde787f63f9e016fdc3384500c2823d","RepoTags":["busybox:latest","docker.io/library/busybox:1.36","me/app:v1"],
                  "RepoDigests":["busybox@sha256:abcd"],"Created":1699913600,"Size":4261550,"SharedSize":-1,"Containers":-1},
                 {"Id":"sha256:1111111111111111111111111111111111111111111111111111111111111111","RepoTags":[],"RepoDigests":[],
                  "Created":1690000000,"Size":999,"SharedSize":-1,"Containers":-1}]""");
        var rows = ImagesCommand.rows(images, true, false, NOW);
        var t = new TestCli();
        ListOutput.print(t.cli, null, ImagesCommand.TABLE, ImagesCommand.HEADERS, rows);
        assertThat(t.out()).isEqualTo("""
                REPOSITORY   TAG       IMAGE ID       CREATED        SIZE
                busybox      latest    9c7a54a9a43c   24 hours ago   4.26MB
                busybox      1.36      9c7a54a9a43c   24 hours ago   4.26MB
                me/app       v1        9c7a54a9a43c   24 hours ago   4.26MB
                <none>       <none>    111111111111   3 months ago   999B
                """);
        var withDigests = ImagesCommand.rows(images, false, true, NOW);
        assertThat(withDigests.getFirst().get("Digest").asText()).isEqualTo("sha256:abcd");
        assertThat(withDigests.getFirst().get("ID").asText()).startsWith("sha256:9c7a");
    }

    @Test
    void customFormatsAndJson() throws Exception {
        JsonNode images = json("""
                [{"Id":"sha256:9c7a54a9a43c","RepoTags":["busybox:latest"],"Created":1699913600,"Size":4261550}]""");
        var rows = ImagesCommand.rows(images, true, false, NOW);
        var t = new TestCli();
        ListOutput.print(t.cli, "{{.Repository}}:{{.Tag}} {{.Size}}", ImagesCommand.TABLE, ImagesCommand.HEADERS, rows);
        ListOutput.print(t.cli, "table {{.ID}}\t{{.Repository}}", ImagesCommand.TABLE, ImagesCommand.HEADERS, rows);
        assertThat(t.out()).isEqualTo("busybox:latest 4.26MB\nIMAGE ID       REPOSITORY\n9c7a54a9a43c   busybox\n");
        var j = new TestCli();
        ListOutput.print(j.cli, "json", ImagesCommand.TABLE, ImagesCommand.HEADERS, rows);
        assertThat(JSON.readTree(j.out()).get("Repository").asText()).isEqualTo("busybox");
    }
}
