package dev.berth.cli.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.cli.template.TemplateException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TableFormatTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Map<String, String> HEADERS = new LinkedHashMap<>();

    static {
        HEADERS.put("ID", "CONTAINER ID");
        HEADERS.put("Image", "IMAGE");
        HEADERS.put("Status", "STATUS");
        HEADERS.put("Names", "NAMES");
    }

    private static List<JsonNode> items() throws Exception {
        return List.of(
                MAPPER.readTree("{\"ID\":\"4f66ad9a0b2e\",\"Image\":\"busybox\",\"Status\":\"Up 3 seconds\",\"Names\":\"web\"}"),
                MAPPER.readTree("{\"ID\":\"0123456789ab\",\"Image\":\"alpine:latest\",\"Status\":\"Exited (0) 2 minutes ago\",\"Names\":\"db\"}"));
    }

    @Test
    void tableHasHeaderAndAlignedRows() throws Exception {
        TableFormat f = TableFormat.parse("table {{.ID}}\\t{{.Image}}\\t{{.Status}}\\t{{.Names}}", HEADERS);
        assertThat(f.isTable()).isTrue();
        assertThat(f.render(items())).isEqualTo("""
                CONTAINER ID   IMAGE           STATUS                     NAMES
                4f66ad9a0b2e   busybox         Up 3 seconds               web
                0123456789ab   alpine:latest   Exited (0) 2 minutes ago   db
                """);
    }

    @Test
    void tableWithNoItemsPrintsOnlyTheHeader() throws Exception {
        TableFormat f = TableFormat.parse("table {{.ID}}\t{{upper .Image}}", HEADERS);
        assertThat(f.render(List.of())).isEqualTo("CONTAINER ID   IMAGE\n");
    }

    @Test
    void plainFormatPrintsOneLinePerItemWithoutHeader() throws Exception {
        TableFormat f = TableFormat.parse("{{.Names}}: {{.Image}}", HEADERS);
        assertThat(f.isTable()).isFalse();
        assertThat(f.render(items())).isEqualTo("web: busybox\ndb: alpine:latest\n");
    }

    @Test
    void jsonFormatPrintsEachItemAsJson() throws Exception {
        assertThat(TableFormat.parse("json", HEADERS).render(items().subList(0, 1)))
                .isEqualTo("{\"ID\":\"4f66ad9a0b2e\",\"Image\":\"busybox\",\"Status\":\"Up 3 seconds\",\"Names\":\"web\"}\n");
    }

    @Test
    void customMethodsWorkInRowsAndTheHeaderStillRenders() throws Exception {
        var functions = dev.berth.cli.template.TemplateFunctions.docker().withMethod("Short", 0, 0,
                (receiver, args) -> com.fasterxml.jackson.databind.node.TextNode.valueOf(receiver.path("ID").asText().substring(0, 4)));
        TableFormat f = TableFormat.parse("table {{upper .Names}}\t{{.Image}}", HEADERS, functions);
        assertThat(f.render(items())).isEqualTo("""
                NAMES     IMAGE
                WEB       busybox
                DB        alpine:latest
                """);
        assertThat(TableFormat.parse("{{.Short}}", HEADERS, functions).render(items())).isEqualTo("4f66\n0123\n");
    }

    @Test
    void labelColumnsAndLinesWithoutTabsMatchDocker28() throws Exception {
        // docker ps --format 'table {{.Names}}\n{{.Image}}\t{{.Label "x"}}|' printed exactly this.
        var functions = dev.berth.cli.template.TemplateFunctions.docker().withMethod("Label", 1, 1,
                (receiver, args) -> receiver.path("Labels").path(args.getFirst().asText()));
        var row = MAPPER.readTree("{\"Names\":\"a-much-longer-name-here\",\"Image\":\"busybox\",\"Labels\":{\"x\":\"1\"}}");
        assertThat(TableFormat.parse("table {{.Names}}\\n{{.Image}}\\t{{.Label \"x\"}}|", Map.of("Names", "NAMES", "Image", "IMAGE"), functions)
                .render(List.of(row))).isEqualTo("NAMES\nIMAGE     x|\na-much-longer-name-here\nbusybox   1|\n");
        assertThat(TableFormat.parse("table {{.Names}}\t{{.Label \"com.example.my-label_name\"}}|", Map.of("Names", "NAMES"), functions)
                .render(List.of())).isEqualTo("NAMES     my label name|\n");
    }

    @Test
    void errorsAreReportedLikeDockersFormatter() throws Exception {
        assertThatThrownBy(() -> TableFormat.parse("{{.ID | nope}}", HEADERS))
                .isInstanceOf(TemplateException.class)
                .hasMessage("template parsing error: template: :1: function \"nope\" not defined");
        TableFormat f = TableFormat.parse("{{.ID.X}}", HEADERS);
        assertThatThrownBy(() -> f.render(items()))
                .hasMessage("failed to execute template: template: :1:5: executing \"\" at <.ID.X>: can't evaluate field X in type interface {}");
    }
}
