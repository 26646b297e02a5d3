package dev.berth.dockerfile;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DockerfileParserTest {

    private static String dump(String dockerfile) throws DockerfileSyntaxException {
        return DockerfileParser.parse(dockerfile).dump();
    }

    @Test
    void envForms() throws Exception {
        String df = """
                FROM ubuntu
                ENV name value
                ENV name=value
                ENV name=value name2=value2
                ENV name="value value1"
                ENV name=value\\ value2
                ENV name="value'quote space'value2"
                ENV name='value"double quote"value2'
                ENV name="a\\"b"
                ENV name='a\\'b'
                ENV name='a\\'b''
                ENV name="''"
                ENV name=value \\
                    name1=value1 \\
                    name2="value2a \\
                           value2b" \\
                    name3="value3a\\n\\"value3b\\"" \\
                	name4="value4a\\\\nvalue4b" \\
                """;
        assertThat(dump(df)).isEqualTo("""
                (from "ubuntu")
                (env "name" "value" "")
                (env "name" "value" "=")
                (env "name" "value" "=" "name2" "value2" "=")
                (env "name" "\\"value value1\\"" "=")
                (env "name" "value\\\\ value2" "=")
                (env "name" "\\"value'quote space'value2\\"" "=")
                (env "name" "'value\\"double quote\\"value2'" "=")
                (env "name" "\\"a\\\\\\"b\\"" "=")
                (env "name" "'a\\\\'b'" "=")
                (env "name" "'a\\\\'b''" "=")
                (env "name" "\\"''\\"" "=")
                (env "name" "value" "=" "name1" "value1" "=" "name2" "\\"value2a            value2b\\"" "=" "name3" "\\"value3a\\\\n\\\\\\"value3b\\\\\\"\\"" "=" "name4" "\\"value4a\\\\\\\\nvalue4b\\"" "=")
                """);
    }

    @Test
    void flagsBeforeArguments() throws Exception {
        String df = """
                FROM scratch
                COPY foo /tmp/
                COPY --user=me foo /tmp/
                COPY --user=me --doit=true foo /tmp/
                COPY --doit=true -- foo /tmp/
                COPY -- foo /tmp/
                CMD --doit [ "a", "b" ]
                CMD --doit=true -- [ "a", "b" ]
                CMD --doit -- [ ]
                RUN --mount="type=cache,target=/x y" echo
                """;
        assertThat(dump(df)).isEqualTo("""
                (from "scratch")
                (copy "foo" "/tmp/")
                (copy ["--user=me"] "foo" "/tmp/")
                (copy ["--user=me" "--doit=true"] "foo" "/tmp/")
                (copy ["--doit=true"] "foo" "/tmp/")
                (copy "foo" "/tmp/")
                (cmd ["--doit"] "a" "b")
                (cmd ["--doit=true"] "a" "b")
                (cmd ["--doit"])
                (run ["--mount=type=cache,target=/x y"] "echo")
                """);
    }

    @Test
    void continuationsWithIndentationCommentsAndEmptyLines() throws Exception {
        String df = "FROM ubuntu:14.04\n\n"
                + "RUN echo hello\\\n  world\\\n  goodnight  \\\n  moon\\\n  light\\\nning\n"
                + "RUN echo hello  \\\n  world\n"
                + "RUN echo hello  \\  \nworld\n"
                + "RUN echo hi \\\n \\\n world \\\n\\\n good\\\n\\\nnight\n"
                + "RUN echo hello \\\n# this is a comment\n\n# this is a comment with a blank line surrounding it\n\nthis is some more useful stuff\n";
        ParsedDockerfile p = DockerfileParser.parse(df);
        assertThat(p.dump()).isEqualTo("""
                (from "ubuntu:14.04")
                (run "echo hello  world  goodnight    moon  lightning")
                (run "echo hello    world")
                (run "echo hello  world")
                (run "echo hi   world  goodnight")
                (run "echo hello this is some more useful stuff")
                """);
        assertThat(p.warnings()).singleElement().asString().startsWith("Empty continuation line found in: RUN echo hello this is");
        assertThat(p.statements().get(5).startLine()).isEqualTo(20);
        assertThat(p.statements().get(5).endLine()).isEqualTo(25);
    }

    @Test
    void directivesAtTheTopOnly() throws Exception {
        ParsedDockerfile p = DockerfileParser.parse("# syntax=docker/dockerfile:1\n#ESCAPE = `\n# check=skip=all\n\nFROM a\nRUN x `\n  y\n");
        assertThat(p.escape()).isEqualTo('`');
        assertThat(p.directives()).containsEntry("syntax", "docker/dockerfile:1").containsEntry("escape", "`").containsEntry("check", "skip=all");
        assertThat(p.dump()).isEqualTo("(from \"a\")\n(run \"x   y\")\n");

        // after a comment that is not a directive, a directive is only a comment
        ParsedDockerfile late = DockerfileParser.parse("# hello\n# escape=`\nFROM a\nRUN x \\\n y\n");
        assertThat(late.escape()).isEqualTo('\\');
        assertThat(late.directives()).isEmpty();
        // an unknown directive ends the directives too
        assertThat(DockerfileParser.parse("# foo=bar\n# escape=`\nFROM a\n").escape()).isEqualTo('\\');
        assertThat(DockerfileParser.parse("FROM a\n# escape=`\nRUN x \\\ny\n").dump()).isEqualTo("(from \"a\")\n(run \"x y\")\n");
    }

    @Test
    void badDirectivesAreErrorsNamingTheLine() {
        assertThatThrownBy(() -> DockerfileParser.parse("# escape=`\n# escape=\\\nFROM a\n"))
                .isInstanceOf(DockerfileSyntaxException.class)
                .hasMessage("dockerfile parse error on line 2: only one escape parser directive can be used");
        assertThatThrownBy(() -> DockerfileParser.parse("# escape=x\nFROM a\n"))
                .hasMessage("dockerfile parse error on line 1: invalid escape token 'x' does not match ` or \\");
    }

    @Test
    void syntaxErrorsNameTheLine() {
        assertThatThrownBy(() -> DockerfileParser.parse("FROM a\n\nENV PATH\n"))
                .isInstanceOf(DockerfileSyntaxException.class)
                .hasMessage("dockerfile parse error on line 3: ENV must have two arguments")
                .satisfies(e -> assertThat(((DockerfileSyntaxException) e).startLine()).isEqualTo(3));
        assertThatThrownBy(() -> DockerfileParser.parse("FROM a\nCMD [ \"echo\", [ \"nested json\" ] ]\n"))
                .hasMessage("dockerfile parse error on line 2: when using JSON array syntax, arrays must be comprised of strings only");
        assertThatThrownBy(() -> DockerfileParser.parse("FROM a\nLABEL a=b \\\n  c\n"))
                .hasMessage("dockerfile parse error on line 2: Syntax error - can't find = in \"c\". Must be of the form: name=value");
        assertThatThrownBy(() -> DockerfileParser.parse("FROM a\nRUN <<EOF\necho hi\n"))
                .hasMessage("dockerfile parse error on line 2: unterminated heredoc")
                .satisfies(e -> assertThat(((DockerfileSyntaxException) e).endLine()).isEqualTo(3));
        assertThatThrownBy(() -> DockerfileParser.parse("# just a comment\n\n"))
                .hasMessageContaining("file with no instructions");
        assertThatThrownBy(() -> DockerfileParser.parse(""))
                .hasMessageContaining("file with no instructions");
    }

    @Test
    void jsonFormEdgeCases() throws Exception {
        // the whole text must be the JSON array: trailing text makes it shell form
        assertThat(dump("CMD [\"a\"] trailing\nCMD [\"a\",]\nRUN [\"a\\u00e9\\ud83d\\ude00\"]\nENTRYPOINT []\nCMD [1] x\nCMD [\"a\"]  \n"))
                .isEqualTo("(cmd \"[\\\"a\\\"] trailing\")\n(cmd \"[\\\"a\\\",]\")\n(run \"aé😀\")\n(entrypoint)\n(cmd \"[1] x\")\n(cmd \"a\")\n");
        assertThatThrownBy(() -> dump("CMD [1]\n")).hasMessageContaining("line 1: when using JSON array syntax");
        assertThatThrownBy(() -> dump("COPY [\"a\", null]\n")).hasMessageContaining("arrays must be comprised of strings only");
        ParsedDockerfile p = DockerfileParser.parse("SHELL [\"/bin/bash\", \"-c\"]\nRUN echo\n");
        assertThat(p.statements().get(0).json()).isTrue();
        assertThat(p.statements().get(1).json()).isFalse();
    }

    @Test
    void otherInstructions() throws Exception {
        assertThat(dump("""
                from --platform=linux/amd64 alpine AS build
                ARG
                MAINTAINER  Me <me@example.com>
                STOPSIGNAL SIGKILL
                ONBUILD
                ONBUILD ADD --chown=1:1 . /app
                HEALTHCHECK NONE
                FOO bar baz
                VOLUME
                expose 80/tcp  443
                """)).isEqualTo("""
                (from ["--platform=linux/amd64"] "alpine" "AS" "build")
                (arg)
                (maintainer "Me <me@example.com>")
                (stopsignal "SIGKILL")
                (onbuild)
                (onbuild (add ["--chown=1:1"] "." "/app"))
                (healthcheck "NONE")
                (foo "")
                (volume)
                (expose "80/tcp" "443")
                """);
    }

    @Test
    void heredocs() throws Exception {
        String df = "FROM a\n"
                + "RUN <<EOF\necho hello\n  echo \"$X\"\nEOF\n"
                + "RUN <<-'EOT' bash\n\tset -e\n\t\techo $HOME\n\tEOT\n"
                + "RUN <<FILE1 cat > file1 && <<\"FILE2\" cat > file2\nI am\nfirst\nFILE1\nI am\nsecond\nFILE2\n"
                + "COPY <<EOF /greeting.txt\nhello world\nEOF\n"
                + "RUN 3<<EOF cat <&3\nfd\nEOF\n"
                + "RUN [\"echo\", \"<<EOF\"]\n"
                + "RUN echo '<<EOF' \"<<X\"\n"
                + "ONBUILD RUN <<EOF\nhi\nEOF\n"
                + "CMD echo\n";
        ParsedDockerfile p = DockerfileParser.parse(df);
        List<Statement> s = p.statements();
        assertThat(p.dump()).isEqualTo("""
                (from "a")
                (run "<<EOF")
                (run "<<-'EOT' bash")
                (run "<<FILE1 cat > file1 && <<\\"FILE2\\" cat > file2")
                (copy "<<EOF" "/greeting.txt")
                (run "3<<EOF cat <&3")
                (run "echo" "<<EOF")
                (run "echo '<<EOF' \\"<<X\\"")
                (onbuild (run "<<EOF"))
                (cmd "echo")
                """);
        assertThat(s.get(1).heredocs()).containsExactly(new Heredoc("EOF", "echo hello\n  echo \"$X\"\n", true, false, 0));
        assertThat(s.get(1).startLine()).isEqualTo(2);
        assertThat(s.get(1).endLine()).isEqualTo(5);
        Heredoc eot = s.get(2).heredocs().getFirst();
        assertThat(eot).isEqualTo(new Heredoc("EOT", "\tset -e\n\t\techo $HOME\n", false, true, 0));
        assertThat(eot.effectiveContent()).isEqualTo("set -e\necho $HOME\n");
        assertThat(s.get(3).heredocs()).containsExactly(
                new Heredoc("FILE1", "I am\nfirst\n", true, false, 0),
                new Heredoc("FILE2", "I am\nsecond\n", false, false, 0));
        assertThat(s.get(4).heredocs()).containsExactly(new Heredoc("EOF", "hello world\n", true, false, 0));
        assertThat(s.get(5).heredocs().getFirst().fileDescriptor()).isEqualTo(3);
        assertThat(s.get(6).heredocs()).isEmpty();
        assertThat(s.get(7).heredocs()).isEmpty();
        assertThat(s.get(8).heredocs()).containsExactly(new Heredoc("EOF", "hi\n", true, false, 0));
        assertThat(s.get(9).startLine()).isEqualTo(s.get(8).endLine() + 1);
    }

    @Test
    void crlfBomAndLeadingWhitespace() throws Exception {
        assertThat(dump("\uFEFFFROM a\r\n   RUN x \\\r\n  y\r\n\t# comment\r\n  CMD z\r\n")).isEqualTo("(from \"a\")\n(run \"x   y\")\n(cmd \"z\")\n");
    }

    @Test
    void heredocBodiesKeepTheirLineEndingsAndNamesMayBeVariables() throws Exception {
        ParsedDockerfile p = DockerfileParser.parse("FROM a\r\nRUN <<EOF\r\nhi\r\nEOF\r\nRUN <<$END\nx\n$END\n");
        assertThat(p.statements().get(1).heredocs().getFirst().content()).isEqualTo("hi\r\n");
        assertThat(p.statements().get(2).heredocs().getFirst().name()).isEqualTo("$END");
    }

    @Test
    void linesLongerThanDockersBufferAreRefused() throws Exception {
        String ok = "FROM a\nRUN " + "x".repeat(65536 - 5) + "\n";
        assertThat(DockerfileParser.parse(ok).statements()).hasSize(2);
        assertThatThrownBy(() -> DockerfileParser.parse("FROM a\nRUN " + "x".repeat(65536) + "\nRUN y\n"))
                .hasMessage("dockerfile parse error on line 2: dockerfile line greater than max allowed size of 65535");
    }

    @Test
    void invalidUtf8IsDumpedByteForByteAsGoDoes() throws Exception {
        byte[] df = {'F', 'R', 'O', 'M', ' ', 'a', (byte) 0xff, '\n', 'R', 'U', 'N', ' ', (byte) 0xc3, (byte) 0xa9, (byte) 0xe2, (byte) 0x82, '\n',
            'C', 'M', 'D', ' ', '[', '"', (byte) 0xc0, '"', ']', '\n'};
        assertThat(DockerfileParser.parse(df).dump()).isEqualTo("(from \"a\\xff\")\n(run \"é\\xe2\\x82\")\n(cmd \"\uFFFD\")\n");
        // overlong forms and encoded surrogates are invalid too
        assertThat(GoText.quote(GoText.decodeUtf8(new byte[] {(byte) 0xc0, (byte) 0xaf, (byte) 0xed, (byte) 0xa0, (byte) 0x80, (byte) 0xf0, (byte) 0x9f, (byte) 0x98, (byte) 0x80})))
                .isEqualTo("\"\\xc0\\xaf\\xed\\xa0\\x80😀\"");
    }

    @Test
    void flagsAreScannedByteByByteAsDockerDoes() throws Exception {
        // "é" is two bytes, each its own rune in Docker's flag scan; "à" ends in 0xA0, a space to Go
        assertThat(dump("COPY --chown=é --x=àb c d\nRUN --x=y é\n")).isEqualTo("(copy [\"--chown=Ã©\" \"--x=Ã\"] \"b\" \"c\" \"d\")\n(run [\"--x=y\"] \"é\")\n");
        assertThat(GoText.fromByteChars(GoText.byteChars("aé😀\uDCFF"))).isEqualTo("aé😀\uDCFF");
    }

    @Test
    void quoteUsesGoEscapes() {
        assertThat(GoText.quote("a\u0000\u0007\u007f\u0085\u00a0é\u200b\uD83D\uDE00")).isEqualTo("\"a\\x00\\a\\x7f\\u0085\\u00a0é\\u200b😀\"");
    }
}
