package org.qvm.cli;

import java.util.ArrayList;
import java.util.List;

/** Aligned columns under a heading, two spaces apart, optionally with coloured cells. */
final class TextTable {
    private static final String RESET = "\033[0m";

    private TextTable() {
    }

    /**
     * @param colours per row, per column, the SGR code to colour that cell with (or null); may be null
     */
    static List<String> render(List<String> headings, List<List<String>> rows, List<String[]> colours) {
        int[] widths = new int[headings.size()];
        for (int i = 0; i < headings.size(); i++) {
            widths[i] = headings.get(i).length();
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        List<String> lines = new ArrayList<>();
        lines.add(line(headings, widths, null));
        for (int r = 0; r < rows.size(); r++) {
            lines.add(line(rows.get(r), widths, colours == null ? null : colours.get(r)));
        }
        return lines;
    }

    private static String line(List<String> cells, int[] widths, String[] colours) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            String cell = cells.get(i);
            boolean coloured = colours != null && colours[i] != null;
            line.append(coloured ? "\033[" + colours[i] + "m" + cell + RESET : cell);
            if (i < cells.size() - 1) {
                line.append(" ".repeat(widths[i] - cell.length() + 2));
            }
        }
        return line.toString();
    }
}
