package dev.berth.dockerfile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** COPY/ADD wildcards (Go's filepath.Match) and .dockerignore rules (the docker CLI's). */
class MatchingTest {

    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            "abc|abc|true", "*|abc|true", "*c|abc|true", "a*|a|true", "a*|abc|true", "a*|ab/c|false",
            "a*/b|abc/b|true", "a*/b|a/c/b|false", "a*b*c*d*e*/f|axbxcxdxe/f|true", "a*b*c*d*e*/f|axbxcxdxexxx/f|true",
            "a*b*c*d*e*/f|axbxcxdxe/xxx/f|false", "a*b*c*d*e*/f|axbxcxdxexxx/fff|false", "a*b?c*x|abxbbxdbxebxczzx|true",
            "a*b?c*x|abxbbxdbxebxczzy|false", "ab[c]|abc|true", "ab[b-d]|abc|true", "ab[e-g]|abc|false", "ab[^c]|abc|false",
            "ab[^b-d]|abc|false", "ab[^e-g]|abc|true", "a\\*b|a*b|true", "a\\*b|ab|false", "a?b|a☺b|true", "a[^a]b|a☺b|true",
            "a???b|a☺b|false", "[a-ζ]*|α|true", "*[a-ζ]|A|false", "a?b|a/b|false", "a*b|a/b|false", "[\\]a]|]|true",
            "[\\-]|-|true", "[x\\-]|x|true", "[x\\-]|-|true", "[x\\-]|z|false", "*x|xxx|true", "arr[[]0].txt|arr[0].txt|true",
            "index.?s|index.js|true", "*.png|dir/a.png|false", "[z-a]x|zx|false", "[z-ab]x|bx|true",
    })
    void goFilepathMatch(String pattern, String name, boolean expected) throws Exception {
        assertThat(GoGlob.match(pattern, name)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {"[]a]", "[-]", "[x-]", "[-x]", "\\", "[a-b-c]", "[", "[^", "[^bc", "a[", "a/b["})
    void badGlobPatterns(String pattern) {
        assertThatThrownBy(() -> GoGlob.match(pattern, "a")).isInstanceOf(GoGlob.BadPatternException.class);
    }

    @Test
    void manyStarsStayFast() throws Exception {
        String name = "a".repeat(2000);
        assertThat(GoGlob.match("*a*a*a*a*a*a*a*a*a*a*b", name)).isFalse();
    }

    private static boolean excluded(String patterns, String path) throws Exception {
        return DockerIgnore.parse(patterns).excludes(path);
    }

    @ParameterizedTest(name = "{0} excludes {1}: {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            "*|foo|true", "*|foo/bar|true", ".*|.foo|true", "*.md|README.md|true", "*.md|docs/README.md|false",
            "**/*.md|docs/a/README.md|true", "**/*.md|README.md|true", "docs|docs/readme.md|true", "docs|docsx|false",
            "docs/|docs/x|true", "/docs|docs/x|true", "./docs|docs|true", "*/temp*|somedir/temporary.txt|true",
            "*/temp*|somedir/temp|true", "*/temp*|a/b/temp|false", "*/*/temp*|a/b/temporary|true", "temp?|tempa|true",
            "temp?|temp|false", "**|anything/at/all|true", "dir/**|dir/file|true", "dir/**|dir|false", "dir/**|dir/a/b|true",
            "**/dir|dir|true", "**/dir|a/dir|true", "**/dir|a/dir/f|true", "**/dir|adir|false", "**dir|adir|true",
            "**/dir/**|a/dir/b|true", "a/**/b|a/b|true", "a/**/b|a/x/y/b|true", "a/**/b|a/x/y/c|false", "foo\\*|foo*|true",
            "foo\\*|foox|false", "[a-c]x|bx|true", "[!a]|!|true", "# comment\\n\\nfoo|foo|true", "#foo|#foo|false",
            "  foo  |foo|true", "a/../b|b|true", "x.(y)|x.(y)|true", "x.(y)|xa(y)|false", "x.(y)*|x.(y)z|true",
            "docs\\n!docs/README.md|docs/README.md|false", "docs\\n!docs/README.md|docs/other|true",
            "*.md\\n!README*.md\\nREADME-secret.md|README-secret.md|true", "*.md\\n!README*.md\\nREADME-secret.md|README.md|false",
            "*.md\\n!README*.md\\nREADME-secret.md|other.md|true", "!keep\\n*|keep|true",
            "**/|file|true", "**|/|true", "**/**|dir/file|true", "**/dir2/*|dir/dir2/file|true", "**/dir2/**|dir/dir2/dir3/file|true",
            "**file|dir/dir/file|true", "**/file*.txt*|dir/dir/file.txt|true", "**/**/*.txt2|dir/dir/file.txt|false",
            "**/**/*.txt|file.txt|true", "a**/*.txt|a/dir/dir/file.txt|true", "a/*.txt|a/dir/file.txt|false", "a/*.txt**|a/file.txt|true",
            "a[b-d]e|ae|false", "a[^b-d]e|aze|true", "abc.def|abcZdef|false", "abc?def|abcdef|false", "**/.foo|bar.foo|false",
            "~a.|)$(}+{bc~|~a.|)$(}+{bc~|true", "dist/*.whl|dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl|true",
            "**\\n!util/docker/web|util/docker/web/foo|false", "**\\n!util/docker/web\\nutil/docker/web/foo|util/docker/web/foo|true",
            "a\\\\|a\\|true", "a*|ab/c|true", "*.go|.|false",
    })
    void dockerignore(String patterns, String path, boolean expected) throws Exception {
        assertThat(excluded(patterns.replace("\\n", "\n"), path)).isEqualTo(expected);
    }

    @Test
    void dockerignoreFileReading() throws Exception {
        assertThat(DockerIgnore.read("\uFEFF# c\n/abs\n ! spaced \n./x/../y/\n\n!\n")).containsExactly("abs", "!spaced", "y", "!");
        assertThatThrownBy(() -> DockerIgnore.parse("!\n")).hasMessage("illegal exclusion pattern: \"!\"");
        assertThatThrownBy(() -> DockerIgnore.parse("[a\n")).hasMessage("syntax error in pattern: [a");
        assertThatThrownBy(() -> DockerIgnore.parse("[]a]\n")).hasMessage("syntax error in pattern: []a]");
        assertThatThrownBy(() -> DockerIgnore.parse("x/[a-b-c]\n")).hasMessage("syntax error in pattern: x/[a-b-c]");
        // An escaped letter in a class is that letter (Go), not a regex class such as \d; found by DockerfileFuzzTest.
        assertThat(excluded("[\\d]ir\n", "dir")).isTrue();
        assertThat(excluded("[\\d]ir\n", "1ir")).isFalse();
        assertThat(excluded("a[\\E]\\E]\n", "aE]")).isFalse();
        assertThat(excluded("a[\\E]\\E]\n", "aEE]")).isTrue();
        assertThat(DockerIgnore.keepBuildFiles(List.of("*"), "sub/Dockerfile.dev")).containsExactly("*", "!.dockerignore", "!sub/Dockerfile.dev");
        assertThat(DockerIgnore.keepBuildFiles(List.of("node_modules"), "Dockerfile")).containsExactly("node_modules");
    }

    @Test
    void contextWalkHonoursDockerignore(@TempDir Path root) throws Exception {
        for (String f : List.of("Dockerfile", ".dockerignore", "app/main.go", "app/main_test.go", "docs/README.md", "docs/guide.md",
                "node_modules/x/index.js", "tmp/a", "b.txt", "ä.txt", "Z.txt")) {
            Path p = root.resolve(f);
            Files.createDirectories(p.getParent());
            Files.writeString(p, f);
        }
        Files.createSymbolicLink(root.resolve("link"), Path.of("/etc"));
        ContextFiles.Tree tree = ContextFiles.of(root);
        DockerIgnore ignore = DockerIgnore.of(DockerIgnore.keepBuildFiles(
                DockerIgnore.read("*\n!app\napp/*_test.go\n!docs/README.md\n"), "Dockerfile"));
        assertThat(ContextFiles.included(tree, ignore)).containsExactly(".dockerignore", "Dockerfile", "app", "app/main.go", "docs/README.md");
        assertThat(ContextFiles.included(tree, DockerIgnore.parse("node_modules\n**/*.md\ntmp/**\n")))
                .containsExactly(".dockerignore", "Dockerfile", "Z.txt", "app", "app/main.go", "app/main_test.go", "b.txt", "docs", "link",
                        "tmp", "ä.txt");
        assertThat(tree.kind("link")).isEqualTo(ContextFiles.Kind.SYMLINK);
    }

    @Test
    void copySources(@TempDir Path root) throws Exception {
        for (String f : List.of("a.png", "b.png", "c.txt", "index.js", "index.ts", "arr[0].txt", "dir/x.png", "dir/sub/y.png", "pngs.png/z")) {
            Path p = root.resolve(f);
            Files.createDirectories(p.getParent());
            Files.writeString(p, f);
        }
        ContextFiles.Tree tree = ContextFiles.of(root);
        assertThat(ContextFiles.sources(tree, "*.png")).containsExactly("a.png", "b.png", "pngs.png");
        assertThat(ContextFiles.sources(tree, "index.?s")).containsExactly("index.js", "index.ts");
        assertThat(ContextFiles.sources(tree, "arr[[]0].txt")).containsExactly("arr[0].txt");
        assertThat(ContextFiles.sources(tree, "*/*.png")).containsExactly("dir/x.png");
        assertThat(ContextFiles.sources(tree, "/dir/")).containsExactly("dir");
        assertThat(ContextFiles.sources(tree, "d[h-j]r")).containsExactly("dir");
        assertThat(ContextFiles.sources(tree, "dir[^x]x.png")).containsExactly("dir/x.png");
        assertThat(ContextFiles.sources(tree, "../../c.txt")).containsExactly("c.txt");
        assertThat(ContextFiles.sources(tree, ".")).containsExactly(".");
        assertThat(ContextFiles.sources(tree, "./")).containsExactly(".");
        assertThatThrownBy(() -> ContextFiles.sources(tree, "*.gif")).hasMessage("no source files were specified");
        assertThatThrownBy(() -> ContextFiles.sources(tree, "missing.txt"))
                .hasMessage("file not found in build context or excluded by .dockerignore: stat missing.txt: file does not exist");
        assertThatThrownBy(() -> ContextFiles.sources(tree, "[x")).hasMessage("syntax error in pattern: [x");
    }
}
