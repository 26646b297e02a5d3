package dev.berth.cli.output;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class GoJsonIndentTest {
    @Test
    void indentsLikeGoKeepingEscapesAndEmptyContainers() {
        String raw = "[{\"Id\":\"a\",\"Args\":[],\"Labels\":{},\"Env\":[\"A=1\",\"B=\\\"x, y\\\"\"],\"Html\":\"\\u003cb\\u003e\",\"N\":1.50,\"Nested\":{\"K\":null}}]";
        assertThat(GoJsonIndent.indent(raw, "    ")).isEqualTo("""
                [
                    {
                        "Id": "a",
                        "Args": [],
                        "Labels": {},
                        "Env": [
                            "A=1",
                            "B=\\"x, y\\""
                        ],
                        "Html": "\\u003cb\\u003e",
                        "N": 1.50,
                        "Nested": {
                            "K": null
                        }
                    }
                ]""");
        assertThat(GoJsonIndent.indent("[]", "    ")).isEqualTo("[]");
    }
}
