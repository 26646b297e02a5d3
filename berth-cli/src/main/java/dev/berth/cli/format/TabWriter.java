package dev.berth.cli.format;

import java.util.ArrayList;
import java.util.List;

/**
 * Go's text/tabwriter with a space pad character and no flags: cells end with '\t', lines with '\n';
 * each column is as wide as its widest cell plus padding (at least minwidth) within a block of
 * consecutive lines that have that column; the last cell of a line is never padded.
 * Write text with {@link #write}, then {@link #flush} to get the aligned output.
 */
public final class TabWriter {
    private final int minWidth;
    private final int padding;
    private final StringBuilder out;
    /** Buffered lines; each is a list of cells, the last being the unterminated one. */
    private final List<List<String>> lines = new ArrayList<>();
    private StringBuilder cell = new StringBuilder();
    private List<String> line = new ArrayList<>();

    /** A writer appending to {@code out}; tabwidth only matters for tab padding, which this writer never uses. */
    public TabWriter(StringBuilder out, int minWidth, int padding) {
        this.out = out;
        this.minWidth = minWidth;
        this.padding = padding;
    }

    /** The settings docker's formatter uses for tables: minwidth 10, tabwidth 1, padding 3. */
    public static TabWriter docker(StringBuilder out) {
        return new TabWriter(out, 10, 3);
    }

    /** The settings of docker commands that print with tabwriter.NewWriter(out, 20, 1, 3, ' ', 0). */
    public static TabWriter wide(StringBuilder out) {
        return new TabWriter(out, 20, 3);
    }

    /** Buffers text. */
    public TabWriter write(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\t') {
                line.add(cell.toString());
                cell = new StringBuilder();
            } else if (c == '\n') {
                line.add(cell.toString());
                cell = new StringBuilder();
                lines.add(line);
                int cells = line.size();
                line = new ArrayList<>();
                // A line without tabs cannot affect later columns, so Go flushes here: it ends all blocks.
                if (cells == 1) {
                    format();
                }
            } else {
                cell.append(c);
            }
        }
        return this;
    }

    /** Formats and appends everything buffered, including a final line without a newline. */
    public void flush() {
        // Go terminates the open cell at flush only if it has text.
        if (!cell.isEmpty()) {
            line.add(cell.toString());
            cell = new StringBuilder();
        }
        boolean partial = !line.isEmpty();
        if (partial) {
            lines.add(line);
            line = new ArrayList<>();
        }
        formatLines(partial);
    }

    private void format() {
        formatLines(false);
    }

    private void formatLines(boolean lastWithoutNewline) {
        if (lines.isEmpty()) {
            return;
        }
        List<Integer> widths = new ArrayList<>();
        formatBlock(widths, 0, lines.size(), lastWithoutNewline);
        lines.clear();
    }

    /** Go's recursive column-block algorithm: lines [line0, line1) with widths known for columns left of widths.size(). */
    private void formatBlock(List<Integer> widths, int line0, int line1, boolean lastWithoutNewline) {
        int column = widths.size();
        int printed = line0;
        for (int i = line0; i < line1; i++) {
            if (column >= lines.get(i).size() - 1) {
                continue;
            }
            writeLines(widths, printed, i, lastWithoutNewline);
            int blockStart = i;
            int width = minWidth;
            for (; i < line1; i++) {
                List<String> l = lines.get(i);
                if (column >= l.size() - 1) {
                    break;
                }
                int w = runeCount(l.get(column)) + padding;
                if (w > width) {
                    width = w;
                }
            }
            widths.add(width);
            formatBlock(widths, blockStart, i, lastWithoutNewline);
            widths.removeLast();
            printed = i;
            i--;
        }
        writeLines(widths, printed, line1, lastWithoutNewline);
    }

    private void writeLines(List<Integer> widths, int from, int to, boolean lastWithoutNewline) {
        for (int i = from; i < to; i++) {
            List<String> l = lines.get(i);
            for (int j = 0; j < l.size(); j++) {
                String c = l.get(j);
                out.append(c);
                if (j < widths.size()) {
                    out.repeat(' ', widths.get(j) - runeCount(c));
                }
            }
            if (!(lastWithoutNewline && i == lines.size() - 1)) {
                out.append('\n');
            }
        }
    }

    private static int runeCount(String s) {
        return s.codePointCount(0, s.length());
    }
}
