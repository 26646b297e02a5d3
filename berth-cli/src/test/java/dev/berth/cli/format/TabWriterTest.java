package dev.berth.cli.format;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TabWriterTest {

    private static String docker(String text) {
        StringBuilder sb = new StringBuilder();
        TabWriter tw = TabWriter.docker(sb);
        tw.write(text);
        tw.flush();
        return sb.toString();
    }

    private static String plain(String text) {
        StringBuilder sb = new StringBuilder();
        TabWriter tw = new TabWriter(sb, 0, 1);
        tw.write(text);
        tw.flush();
        return sb.toString();
    }

    @Test
    void emptyDockerPsHeaderUsesMinimumWidthTen() {
        assertThat(docker("CONTAINER ID\tIMAGE\tCOMMAND\tCREATED\tSTATUS\tPORTS\tNAMES\n"))
                .isEqualTo("CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n");
    }

    @Test
    void columnsTakeTheWidestCellPlusPaddingAndTheLastCellIsNotPadded() {
        assertThat(docker("ID\tNAME\tX\nabcdefghijkl\tn\tlast\n"))
                .isEqualTo("ID             NAME      X\n" + "abcdefghijkl   n         last\n");
    }

    @Test
    void emptyCellsArePadded() {
        assertThat(plain("a\t\tc\nbb\tx\tc\n")).isEqualTo("a    c\nbb x c\n");
    }

    @Test
    void aLineWithoutTabsEndsTheColumnBlock() {
        assertThat(plain("a\tb\nheader\nlonger\tb\n")).isEqualTo("a b\nheader\nlonger b\n");
    }

    @Test
    void blocksAreFormedPerColumn() {
        // Column 1 exists only in the first two lines; the third line starts a new block for it.
        assertThat(plain("a\tb\tc\naaa\tbbbb\tc\nx\ty\n")).isEqualTo("a   b    c\naaa bbbb c\nx   y\n");
    }

    @Test
    void finalLineWithoutNewlineIsWrittenAsIs() {
        assertThat(plain("ab\tc\nd\te")).isEqualTo("ab c\nd  e");
        assertThat(plain("ab\tc\nd\t")).isEqualTo("ab c\nd");
    }

    @Test
    void widthCountsCharactersNotBytes() {
        assertThat(plain("é\tx\nab\ty\n")).isEqualTo("é  x\nab y\n");
    }
}
