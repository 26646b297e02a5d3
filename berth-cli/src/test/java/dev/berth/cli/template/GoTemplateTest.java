package dev.berth.cli.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GoTemplateTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** A container as docker inspect returns it (trimmed). */
    private static final JsonNode CONTAINER = json("""
            {"Id": "4f66ad9a0b2e1c7d8e9f00112233445566778899aabbccddeeff001122334455",
             "Name": "/web", "State": {"Status": "running", "Running": true, "Pid": 4242, "ExitCode": 0,
               "StartedAt": "2024-01-02T03:04:05Z"},
             "Names": ["/web", "/alias"], "RestartCount": 0, "Size": 1.5, "Big": 1000000,
             "Config": {"Env": ["PATH=/usr/bin", "A=b c"], "Cmd": ["sh", "-c", "echo <hi> & bye"],
               "Labels": {"b": "2", "a": "1", "com.example.x": "y"}, "Entrypoint": null, "Tty": false},
             "Mounts": [{"Type": "bind", "Source": "/src", "Destination": "/dst"}, {"Type": "volume", "Source": "/v", "Destination": "/data"}],
             "Empty": [], "EmptyMap": {}, "Text": "", "Zero": 0, "Null": null
            }""");

    private static JsonNode json(String s) {
        try {
            return MAPPER.readTree(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String run(String template) throws TemplateException {
        return GoTemplate.parse(template).execute(CONTAINER);
    }

    private static String run(String template, String data) throws TemplateException {
        return GoTemplate.parse(template).execute(json(data));
    }

    @ParameterizedTest
    @CsvSource(delimiterString = "=>", quoteCharacter = '~', textBlock = """
            hello => hello
            {{.Name}} => /web
            {{.State.Status}} => running
            {{.State.Pid}} => 4242
            {{.State.Running}} => true
            {{.Config.Tty}} => false
            {{.Size}} => 1.5
            {{.Big}} => 1000000
            {{.Names}} => [/web /alias]
            {{.Config.Labels}} => map[a:1 b:2 com.example.x:y]
            {{.Nope}} => <no value>
            {{.Nope.Deeper}} => <no value>
            {{.Config.Entrypoint}} => <nil>
            {{.Null}} => <nil>
            {{.Empty}} => []
            {{.EmptyMap}} => map[]
            {{.Mounts}} => ~[map[Destination:/dst Source:/src Type:bind] map[Destination:/data Source:/v Type:volume]]~
            {{range .Names}}{{.}} {{end}} => ~/web /alias ~
            {{json .Config.Env}} => ["PATH=/usr/bin","A=b c"]
            {{json .Config.Cmd}} => ["sh","-c","echo <hi> & bye"]
            {{json .Nope}} => null
            {{json .State.Pid}} => 4242
            {{json .Size}} => 1.5
            {{index .Config.Labels "a"}} => 1
            {{index .Config.Labels "missing"}} => ~~
            {{index .Names 1}} => /alias
            {{index .Mounts 1 | json}} => {"Type":"volume","Source":"/v","Destination":"/data"}
            {{(index .Mounts 0).Source}} => /src
            {{if eq .State.Status "running"}}up{{end}} => up
            {{if eq .State.Status "exited"}}up{{else}}down{{end}} => down
            {{if eq .State.Status "a" "b" "running"}}multi{{end}} => multi
            {{if ne .State.Pid 0}}pid{{end}} => pid
            {{len .Mounts}} => 2
            {{len .Name}} => 4
            {{len .Config.Labels}} => 3
            {{upper .Name}} => /WEB
            {{lower "AbC"}} => abc
            {{title "hello wide-world"}} => Hello Wide-World
            {{join .Names ","}} => /web,/alias
            {{split "a:b:c" ":"}} => [a b c]
            {{index (split "a:b:c" ":") 2}} => c
            {{truncate .Id 12}} => 4f66ad9a0b2e
            {{truncate "abc" 12}} => abc
            {{pad "x" 2 3}}| => ~  x   |~
            {{pad "" 2 3}}| => ~|~
            {{println "a" 1}} => ~a 1
            ~
            {{print "a" "b" 1 2 "c"}} => ab1 2c
            {{printf "%s-%d-%v-%q" "x" 42 true "q"}} => ~x-42-true-"q"~
            {{printf "%5s|%-5s|%05d|%.2f" "ab" "cd" 42 .Size}} => ~   ab|cd   |00042|1.50~
            {{printf "%v %v" .Names .Config.Labels}} => [/web /alias] map[a:1 b:2 com.example.x:y]
            {{printf "%d"}} => %!d(MISSING)
            {{printf "%d" "x"}} => %!d(string=x)
            {{printf "%s" 1 2}} => ~%!s(int=1)%!(EXTRA int=2)~
            {{printf "%x %X %o %b %c %U" 255 255 8 5 65 65}} => ff FF 10 101 A U+0041
            {{printf "%6.2f|%e|%g" 3.14159 1234.5678 0.000012}} => ~  3.14|1.234568e+03|1.2e-05~
            {{printf "%%"}} => %
            {{printf "%+v|%+d|%+v" 3 3 2.5}} => ~3|+3|2.5~
            {{printf "%-6s|%.2f|%.3v|%08.3f|%x" 0 -3 "abcdef" -3.14159 -255}} => ~%!s(int=0     )|%!f(int=-03)|abc|-003.142|-ff~
            {{printf "%#v %#v %#v" .Name .Names 1.5}} {{printf "%d" 1 nil}} => ~"/web" []interface {}{"/web", "/alias"} 1.5 1%!(EXTRA <nil>)~
            {{printf "%q" "\\x01\\u00ff\\u200b"}} => ~"\\x01ÿ\\u200b"~
            {{printf "%d|%s|%5d" .Names .Names (split "1 2" " ")}} => ~[%!d(string=/web) %!d(string=/alias)]|[/web /alias]|[%!d(string=    1) %!d(string=    2)]~
            {{printf "%q" .Config.Labels}} => ~map["a":"1" "b":"2" "com.example.x":"y"]~
            {{printf "%5.1q|%x|%X" "abc" "hi" -255}} => ~  "a"|6869|-FF~
            {{printf "%v %v" 1.0 100000000.0}} {{1.5e6}} {{0.000001}} => 1 1e+08 1.5e+06 1e-06
            {{js "a'b<>&=\\\\"}} => ~a\\'b\\u003C\\u003E\\u0026\\u003D\\\\~
            {{.Name | printf "%s!"}} => /web!
            {{.Name | printf "%s-%s" "a"}} => a-/web
            {{"quoted\\ttab"}} => ~quoted	tab~
            {{`raw\\n`}} => ~raw\\n~
            {{'a'}} => 97
            {{3}} {{-3}} {{1.5}} {{1e3}} {{0x1F}} {{0o17}} {{017}} {{1_000}} => 3 -3 1.5 1000 31 15 15 1000
            {{true}} {{false}} => true false
            {{and 1 0 2}} {{and 1 2}} {{or 0 "" "x"}} {{or 0 ""}} => ~0 2 x ~
            {{not .Text}} {{not .Name}} => true false
            {{lt 1 2}} {{le 2 2}} {{gt 1 2}} {{ge 3 2}} {{lt "a" "b"}} => true true false true true
            {{eq .Nope "x"}} {{eq 1.5 1.5}} {{lt .State.Pid 5000}} => false true true
            {{printf "%#o|% d|%#x|%#x" "s" 2.5 "hi" 255}} => ~%!o(string=s)|%!d(float64= 2.5)|0x6869|0xff~
            {{with .State}}{{.Status}}{{end}} => running
            {{with .Nope}}yes{{else}}no{{end}} => no
            {{with $x := .State.Pid}}{{$x}}{{end}} => 4242
            {{with .Text}}a{{else with .Name}}{{.}}{{end}} => /web
            {{if .Zero}}a{{else if .Text}}b{{else if .Names}}c{{else}}d{{end}} => c
            {{if .Empty}}a{{else}}b{{end}}{{if .EmptyMap}}a{{else}}b{{end}}{{if .Null}}a{{else}}b{{end}} => bbb
            {{range $i, $v := .Names}}{{$i}}={{$v}};{{end}} => 0=/web;1=/alias;
            {{range $v := .Names}}{{$v}};{{end}} => /web;/alias;
            {{range $k, $v := .Config.Labels}}{{$k}}={{$v}},{{end}} => a=1,b=2,com.example.x=y,
            {{range .Config.Labels}}{{.}}{{end}} => 12y
            {{range .Empty}}x{{else}}empty{{end}} => empty
            {{range .Nope}}x{{else}}none{{end}} => none
            {{range .Null}}x{{else}}nil{{end}} => nil
            {{range 3}}{{.}}{{end}} => 012
            {{range .Names}}{{if eq . "/alias"}}{{break}}{{end}}{{.}}{{end}} => /web
            {{range .Names}}{{if eq . "/web"}}{{continue}}{{end}}{{.}}{{end}} => /alias
            {{range .Mounts}}{{.Type}}:{{.Destination}} {{end}} => ~bind:/dst volume:/data ~
            {{range .Mounts}}{{$.Name}}{{end}} => /web/web
            {{$x := .Name}}{{$x}}{{$x = "y"}}{{$x}} => /weby
            {{$n := 0}}{{range .Names}}{{$n = 1}}{{end}}{{$n}} => 1
            {{$x := "a"}}{{printf "%s-%s" $x $.Name}}{{upper $x}} => a-/webA
            {{$m := .State}}{{$m.Status}} {{len $m}} => running 5
            {{$}} => ~~
            {{$.State.Status}} => running
            a  {{- .Name -}}  b => a/webb
            {{- /* comment */ -}}  x => x
            {{/* c */}}y => y
            {{(.State).Status}} {{(len .Names)}} => running 2
            {{.State.Status | upper | printf "[%s]"}} => [RUNNING]
            {{html "<a&b>"}} {{urlquery "a b&c"}} => &lt;a&amp;b&gt; a+b%26c
            {{slice "hello" 1 3}} {{slice .Names 1}} => el [/alias]
            {{len "héllo"}} => 6
            {{len .Null}} {{len .Config.Entrypoint}} => 0 0
            {{.Name | }} => /web
            {{define "T"}}[{{.}}]{{end}}{{template "T" .Name}}{{template "T" 1}} => [/web][1]
            {{define "T"}}{{$}}{{end}}{{range .Names}}{{template "T" .}}{{end}} => /web/alias
            {{template "T"}}{{define "T"}}{{.}}{{end}} => <no value>
            a{{block "B" .State.Status}}<{{.}}>{{end}}b => a<running>b
            """)
    void matchesGoOutput(String template, String expected) throws TemplateException {
        String out = run(template);
        if (template.equals("{{$}}")) {
            assertThat(out).startsWith("map[Big:1000000 Config:map[");
            return;
        }
        assertThat(out).isEqualTo(expected == null ? "" : expected);
    }

    @Test
    void floatsPrintLikeGo() throws TemplateException {
        assertThat(run("{{.A}} {{.B}} {{.C}} {{.D}} {{.E}}", "{\"A\":0.1,\"B\":1234567.5,\"C\":0.00001,\"D\":-2.5,\"E\":1e300}"))
                .isEqualTo("0.1 1.2345675e+06 1e-05 -2.5 1e+300");
    }

    @Test
    void jsonEscapesLikeGoWithoutHtmlEscaping() throws TemplateException {
        assertThat(run("{{json .}}", "{\"s\":\"a\\\"b\\\\c\\n<>&\\u0001\\u2028\",\"n\":1.0,\"f\":1e-7,\"t\":true}"))
                .isEqualTo("{\"s\":\"a\\\"b\\\\c\\n<>&\\u0001\\u2028\",\"n\":1,\"f\":1e-7,\"t\":true}");
    }

    @Test
    void parseOnceExecuteMany() throws TemplateException {
        GoTemplate t = GoTemplate.parse("{{.n}}-{{range .l}}{{.}}{{end}}");
        assertThat(t.execute(json("{\"n\":1,\"l\":[1,2]}"))).isEqualTo("1-12");
        assertThat(t.execute(json("{\"n\":2,\"l\":[]}"))).isEqualTo("2-");
    }

    @Test
    void variablesAreScopedToTheirControlStructure() throws TemplateException {
        assertThat(run("{{if true}}{{$x := 1}}{{$x}}{{end}}{{$x := 2}}{{$x}}", "{}")).isEqualTo("12");
        assertThatThrownBy(() -> GoTemplate.parse("{{if true}}{{$x := 1}}{{end}}{{$x}}"))
                .hasMessage("template parsing error: template: :1: undefined variable \"$x\"");
    }

    @Test
    void whitespaceTrimmingAcrossLines() throws TemplateException {
        String t = """
                {{range .Names -}}
                  {{.}}
                {{end -}}
                done""";
        assertThat(run(t)).isEqualTo("/web\n/alias\ndone");
    }

    @Test
    void trimMarkerNeedsSpaceOtherwiseItIsANegativeNumber() throws TemplateException {
        assertThat(run("a {{-3}} b", "{}")).isEqualTo("a -3 b");
        assertThat(run("a {{- 3 -}} b", "{}")).isEqualTo("a3b");
    }

    @ParameterizedTest
    @CsvSource(delimiterString = "=>", quoteCharacter = '~', textBlock = """
            {{foo .Name}} => template parsing error: template: :1: function "foo" not defined
            {{.Name => template parsing error: template: :1: unclosed action
            {{if .Name}}x => template parsing error: template: :1: unexpected EOF
            {{end}} => template parsing error: template: :1: unexpected {{end}}
            {{else}} => template parsing error: template: :1: unexpected {{else}}
            {{$x}} => template parsing error: template: :1: undefined variable "$x"
            {{"abc}} => template parsing error: template: :1: unterminated quoted string
            {{if}}{{end}} => template parsing error: template: :1: missing value for if
            {{}} => template parsing error: template: :1: missing value for command
            {{.A | "x"}} => template parsing error: template: :1: non executable command in pipeline stage 2
            {{break}} => template parsing error: template: :1: {{break}} outside {{range}}
            {{3x}} => template parsing error: template: :1: bad number syntax: "3x"
            {{(.A}} => template parsing error: template: :1: unclosed left paren
            {{.A)}} => template parsing error: template: :1: unexpected right paren
            {{/* x }} => template parsing error: template: :1: unclosed comment
            {{"a".B}} => template parsing error: template: :1: unexpected . after term "\\"a\\""
            {{with $a, $b := .}}{{end}} => template parsing error: template: :1: too many declarations in with
            {{range $a, $b, $c := .}}{{end}} => template parsing error: template: :1: too many declarations in range
            {{range .}}{{else if .}}{{end}} => template parsing error: template: :1: unexpected <if> in input
            {{if .}}{{else with .}}{{end}} => template parsing error: template: :1: unexpected <with> in input
            {{'ab'}} => template parsing error: template: :1: malformed character constant: 'ab'
            {{08}} => template parsing error: template: :1: integer overflow: "08"
            {{$.}} => template parsing error: template: :1: unexpected <.> in operand
            {{template x}} => template parsing error: template: :1: unexpected "x" in template clause
            {{if 1}}{{define "a"}}{{end}}{{end}} => template parsing error: template: :1: unexpected <define> in command
            {{block "b"}}{{end}} => template parsing error: template: :1: missing value for block clause
            ~x
            {{bad}}~ => template parsing error: template: :2: function "bad" not defined
            """)
    void parseErrorsReadLikeDockers(String template, String message) {
        assertThatThrownBy(() -> GoTemplate.parse(template)).isInstanceOf(TemplateException.class).hasMessage(message);
    }

    @ParameterizedTest
    @CsvSource(delimiterString = "=>", quoteCharacter = '~', textBlock = """
            {{.Name.Foo}} => template: :1:7: executing "" at <.Name.Foo>: can't evaluate field Foo in type interface {}
            {{.Null.Foo}} => template: :1:7: executing "" at <.Null.Foo>: nil pointer evaluating interface {}.Foo
            {{index .Names 5}} => template: :1:2: executing "" at <index .Names 5>: error calling index: index out of range: 5
            {{len .State.Pid}} => template: :1:2: executing "" at <len .State.Pid>: error calling len: len of type int
            {{upper .State.Pid}} => template: :1:14: executing "" at <.State.Pid>: wrong type for value; expected string; got int
            {{upper .Nope}} => template: :1:8: executing "" at <.Nope>: invalid value; expected string
            {{len 1 2}} => template: :1:2: executing "" at <len>: wrong number of args for len: want 1 got 2
            {{eq .Name 1}} => template: :1:2: executing "" at <eq .Name 1>: error calling eq: incompatible types for comparison
            {{eq 3 2.5}} => template: :1:2: executing "" at <eq 3 2.5>: error calling eq: incompatible types for comparison
            {{.Name 1}} => template: :1:2: executing "" at <.Name>: Name is not a method but has arguments
            {{range .Name}}{{end}} => template: :1:8: executing "" at <.Name>: range can't iterate over /web
            {{nil}} => template: :1:2: executing "" at <nil>: nil is not a command
            {{pad .Name -1 2}} => template: :1:2: executing "" at <pad .Name -1 2>: error calling pad: strings: negative Repeat count
            {{join (printf "%s" .State.Status) "/"}} => template: :1:26: executing "" at <.State.Status>: wrong type for value; expected []string; got string
            {{upper 1}} => template: :1:8: executing "" at <1>: expected string; found 1
            {{truncate .Name "x"}} => template: :1:17: executing "" at <"x">: expected integer; found "x"
            {{truncate .Name 1.5}} => template: :1:17: executing "" at <1.5>: expected integer; found 1.5
            {{join .Name ","}} => template: :1:7: executing "" at <.Name>: wrong type for value; expected []string; got string
            {{range $i, $v := 3}}{{end}} => template: :1:18: executing "" at <3>: can't use 3 to iterate over more than one variable
            {{template "x"}} => template: :1:11: executing "" at <{{template "x"}}>: template "x" not defined
            """)
    void executionErrorsReadLikeGos(String template, String message) {
        assertThatThrownBy(() -> run(template)).isInstanceOf(TemplateException.class).hasMessage(message);
    }

    @Test
    void missingKeyErrorFailsLikeDockerInspect() throws TemplateException {
        GoTemplate t = GoTemplate.parse("{{.State.Status}} {{.Nope}}").missingKeyError();
        assertThatThrownBy(() -> t.execute(CONTAINER))
                .hasMessage("template: :1:20: executing \"\" at <.Nope>: map has no entry for key \"Nope\"");
        assertThat(GoTemplate.parse("{{index .Config.Labels \"zz\"}}|{{.State.Pid}}").missingKeyError().execute(CONTAINER))
                .isEqualTo("|4242");
        assertThatThrownBy(() -> GoTemplate.parse("{{if .Nope}}y{{end}}").missingKeyError().execute(CONTAINER))
                .hasMessage("template: :1:5: executing \"\" at <.Nope>: map has no entry for key \"Nope\"");
    }

    @Test
    void nullFieldsPrintLikeDockerInspectsTypedValues() throws TemplateException {
        // docker 28 inspect -f on a fresh busybox container printed: [] map[] [] <nil> <nil>
        JsonNode c = json("{\"Config\":{\"Entrypoint\":null,\"Volumes\":null},\"HostConfig\":{\"Links\":null,"
                + "\"PidsLimit\":null},\"State\":{\"Health\":null}}");
        GoTemplate t = GoTemplate.parse("{{.Config.Entrypoint}} {{.Config.Volumes}} {{.HostConfig.Links}} "
                + "{{.HostConfig.PidsLimit}} {{.State.Health}}").missingKeyError().nullFields(DockerNulls::render);
        assertThat(t.execute(c)).isEqualTo("[] map[] [] <nil> <nil>");
        assertThat(GoTemplate.parse("{{json .Config.Entrypoint}} {{len .Config.Volumes}}{{range .HostConfig.Links}}x{{else}} none{{end}}")
                .nullFields(DockerNulls::render).execute(c)).isEqualTo("null 0 none");
        assertThat(GoTemplate.parse("{{.Config.Entrypoint}}").execute(c)).isEqualTo("<nil>");
        assertThat(GoTemplate.parse("{{$x := .Config.Entrypoint}}{{$x | printf \"%v|%d\" .Config.Volumes}}|{{print .HostConfig.PidsLimit}}")
                .nullFields(DockerNulls::render).execute(c)).isEqualTo("map[]|[]|<nil>");
        assertThatThrownBy(() -> GoTemplate.parse("{{lower .Config.Entrypoint}}").nullFields(DockerNulls::render).execute(c))
                .hasMessageEndingWith("wrong type for value; expected string; got interface {}");
    }

    @Test
    void printfTypeVerb() throws TemplateException {
        assertThat(run("{{printf \"%T %T %T %T %T\" .State.Pid .Size .Name .Names .Config.Labels}}"))
                .isEqualTo("int float64 string []interface {} map[string]interface {}");
    }

    @Test
    void extraFunctionsCanBeAdded() throws TemplateException {
        TemplateFunctions f = TemplateFunctions.docker().with("shout", 1, 1,
                a -> com.fasterxml.jackson.databind.node.TextNode.valueOf(a.getFirst().asText() + "!"));
        assertThat(GoTemplate.parse("{{shout .Name}}", f).execute(CONTAINER)).isEqualTo("/web!");
        assertThatThrownBy(() -> GoTemplate.parse("{{shout .Name}}")).hasMessageContaining("function \"shout\" not defined");
    }

    @Test
    void methodsTakeArgumentsLikeDockersContextMethods() throws TemplateException {
        TemplateFunctions f = TemplateFunctions.docker().withMethod("Label", 1, 1, (receiver, args) -> {
            JsonNode v = receiver.path("Config").path("Labels").path(args.getFirst().asText());
            return v.isMissingNode() ? com.fasterxml.jackson.databind.node.TextNode.valueOf("") : v;
        });
        assertThat(GoTemplate.parse("{{.Label \"a\"}}|{{.Label \"zz\"}}|{{\"b\" | .Label}}|{{$k := \"a\"}}{{.Label $k}}", f)
                .execute(CONTAINER)).isEqualTo("1||2|1");
        assertThatThrownBy(() -> GoTemplate.parse("{{.Label}}", f).execute(CONTAINER))
                .hasMessage("template: :1:2: executing \"\" at <.Label>: wrong number of args for Label: want 1 got 0");
    }

    @Test
    void headerFunctionsReturnTheirFirstArgument() throws TemplateException {
        GoTemplate t = GoTemplate.parse("{{upper .ID}}|{{truncate .ID 3}}|{{json .Names}}|{{pad .ID 1 1}}");
        StringBuilder sb = new StringBuilder();
        t.execute(json("{\"ID\":\"CONTAINER ID\",\"Names\":\"NAMES\"}"), sb, TemplateFunctions.header());
        assertThat(sb).hasToString("CONTAINER ID|CONTAINER ID|NAMES|CONTAINER ID");
    }
}
