package dev.berth.dockerfile;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ShellLexTest {
    private static final Map<String, String> ENV = Map.of("PWD", "/home", "SHELL", "/bin/bash", "KOREAN", "한국어",
            "NULL", "", "str", "foobarbaz", "SPACED", "a  b", "STAR", "a*b");
    private static final ShellLex LEX = ShellLex.of('\\');

    private static String word(String in) throws ShellLex.ShellSyntaxException {
        return LEX.processWord(in, ENV::get);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            "hello|hello",
            "he'll'o|hello",
            "he\\'llo|he'llo",
            "abc\\\\de|abc\\de",
            "\"hello\"|hello",
            "\"hel'lo\"|hel'lo",
            "'hello\\'|hello\\",
            "'hello\\there'|hello\\there",
            "\"''\"|''",
            "\"a\\\"b\\c\"|a\"b\\c",
            "$.|$.",
            "$|$",
            "he$1x|hex",
            "he$.x|he$.x",
            "he$pwd.|he.",
            "he$PWD|he/home",
            "he\\$PWD|he$PWD",
            "he\\\\$PWD|he\\/home",
            "\"he\\$PWD\"|he$PWD",
            "'he\\$PWD'|he\\$PWD",
            "he\\${}|he${}",
            "he${PWD}x|he/homex",
            "he${PWD:+${PWD}:}xx|he/home:xx",
            "he${XXX:-000}xx|he000xx",
            "he${PWD:-000}xx|he/homexx",
            "he${XXX:-$PWD}xx|he/homexx",
            "he${XXX:-${PWD:-yyy}}xx|he/homexx",
            "he${XXX:-${YYY:-yyy}}xx|heyyyxx",
            "he${XXX:-\"a b\"}|hea b",
            "he${NULL-x}|he",
            "he${NULL:-x}|hex",
            "he${NULL+x}|hex",
            "he${NULL:+x}|he",
            "he${XXX+x}|he",
            "he${XXX-x}|hex",
            "he${PWD?}|he/home",
            "${KOREAN}|한국어",
            "안녕$KOREAN|안녕한국어",
            "\"${SPACED}\"|a  b",
            "${PWD#/h}|ome",
            "${SHELL##*/}|bash",
            "${SHELL%/*}|/bin",
            "${SHELL%%/*}|",
            "${str#f*b}|arbaz",
            "${str##f*b}|az",
            "${str%b*}|foobar",
            "${str%%b*}|foo",
            "${str/ba/fo}|fooforbaz",
            "${str//ba/fo}|fooforfoz",
            "${str/o*a/X}|fXz",
            "${str/zz/X}|foobarbaz",
            "${STAR/\\*/-}|a-b",
            "${str#?}|oobarbaz",
            "${XXX#a}|",
            "${PWD:#/h}|ome",
            "${SHELL:%%/*}|",
            "${str///-}|-f-o-o-b-a-r-b-a-z-",
    })
    void substitution(String in, String out) throws Exception {
        assertThat(word(in)).isEqualTo(out == null ? "" : out);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            "he'llo|unexpected end of statement while looking for matching single-quote",
            "he\\\\'llo|unexpected end of statement while looking for matching single-quote",
            "\"hello\\\"|unexpected end of statement while looking for matching double-quote",
            "he${}|bad substitution",
            "he${:x}|bad substitution",
            "he${PWD|missing '}'",
            "he${PWD:=000}xx|unsupported modifier (:=) in substitution",
            "he${XXX:YYY}|unsupported modifier (:Y) in substitution",
            "he${XXX?}|XXX: is not allowed to be unset",
            "he${NULL:?must be set}|NULL: must be set",
            "he${PWD:=000|missing '}'",
            "he${PWD!x}|unsupported modifier (!) in substitution",
            "${str/a|missing '/' in ${}",
            "${str#\\x}|invalid escape",
    })
    void errors(String in, String message) {
        assertThatThrownBy(() -> word(in)).isInstanceOf(ShellLex.ShellSyntaxException.class).hasMessageContaining(message);
    }

    @Test
    void wordSplittingHappensAfterExpansionButNotInsideQuotes() throws Exception {
        assertThat(LEX.processWords("hello world", ENV::get)).containsExactly("hello", "world");
        assertThat(LEX.processWords("  \"hello world\"  x", ENV::get)).containsExactly("hello world", "x");
        assertThat(LEX.processWords("$SPACED", ENV::get)).containsExactly("a", "b");
        assertThat(LEX.processWords("\"$SPACED\" c", ENV::get)).containsExactly("a  b", "c");
        assertThat(LEX.processWords("a\\ b", ENV::get)).containsExactly("a b");
        assertThat(LEX.processWords("'' x", ENV::get)).containsExactly("x");
        assertThat(LEX.processWords("", ENV::get)).isEmpty();
    }

    @Test
    void backtickEscape() throws Exception {
        ShellLex lex = ShellLex.of('`');
        assertThat(lex.processWord("he`$PWD c:\\dir", ENV::get)).isEqualTo("he$PWD c:\\dir");
        assertThat(lex.processWord("\"a`\"b\"", ENV::get)).isEqualTo("a\"b");
    }

    @Test
    void rawModesAndSkippingUnsetVariables() throws Exception {
        assertThat(LEX.withRawQuotes(true).processWord("'a'\"b\"", ENV::get)).isEqualTo("'a'\"b\"");
        assertThat(LEX.withRawEscapes(true).processWord("a\\$PWD", ENV::get)).isEqualTo("a\\$PWD");
        ShellLex skip = LEX.withSkipUnsetEnv(true);
        assertThat(skip.processWord("$X ${Y} ${Z:-d} ${W/a/b} $PWD", ENV::get)).isEqualTo("$X ${Y} ${Z:-d} ${W/a/b} /home");
        assertThat(LEX.withSkipProcessQuotes(true).processWord("echo \"$PWD\" '$PWD'", ENV::get)).isEqualTo("echo \"/home\" '/home'");
    }

    @Test
    void reportsWhichVariablesWereFound() throws Exception {
        ShellLex.Result r = LEX.process("$PWD ${NOPE:-x} $KOREAN", ENV::get);
        assertThat(r.matched()).containsExactly("PWD", "KOREAN");
        assertThat(r.unmatched()).containsExactly("NOPE");
        assertThat(r.words()).isEqualTo(List.of("/home", "x", "한국어"));
    }
}
