package dev.sessionctl.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain-text table that fits a terminal width (80 unless {@code COLUMNS} says otherwise): every
 * column shrinks to its content, the last (flexible) column takes what is left and is cut with
 * "..." rather than wrapping. {@code --wide} turns cutting off.
 */
final class Table {

    private final List<String> headers = new ArrayList<>();
    private final List<Integer> maxWidths = new ArrayList<>();
    private final List<String[]> rows = new ArrayList<>();

    Table column(String header, int maxWidth) {
        headers.add(header);
        maxWidths.add(maxWidth);
        return this;
    }

    Table row(Object... values) {
        String[] r = new String[headers.size()];
        for (int i = 0; i < r.length; i++) {
            Object v = i < values.length ? values[i] : null;
            r[i] = v == null ? "" : oneLine(v.toString());
        }
        rows.add(r);
        return this;
    }

    static String oneLine(String s) {
        return s.replaceAll("\\s+", " ").trim();
    }

    static int terminalWidth() {
        String cols = System.getenv("COLUMNS");
        if (cols != null && cols.matches("\\d{2,4}")) {
            return Integer.parseInt(cols);
        }
        return 80;
    }

    void print(PrintWriter out, boolean wide) {
        int n = headers.size();
        int[] w = new int[n];
        for (int i = 0; i < n; i++) {
            w[i] = headers.get(i).length();
            for (String[] r : rows) {
                w[i] = Math.max(w[i], r[i].length());
            }
            if (!wide && i < n - 1) {
                w[i] = Math.min(w[i], Math.max(maxWidths.get(i), headers.get(i).length()));
            }
        }
        if (!wide) {
            int used = 0;
            for (int i = 0; i < n - 1; i++) {
                used += w[i] + 1;
            }
            w[n - 1] = Math.max(headers.get(n - 1).length(), Math.min(w[n - 1], terminalWidth() - used - 1));
        }
        StringBuilder sb = new StringBuilder();
        line(sb, headers.toArray(new String[0]), w, wide);
        for (String[] r : rows) {
            line(sb, r, w, wide);
        }
        out.print(sb);
        out.flush();
    }

    private static void line(StringBuilder sb, String[] cells, int[] w, boolean wide) {
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            String c = wide ? cells[i] : cut(cells[i], w[i]);
            l.append(c);
            if (i < cells.length - 1) {
                l.append(" ".repeat(Math.max(0, w[i] - c.length()))).append(' ');
            }
        }
        sb.append(l.toString().stripTrailing()).append(System.lineSeparator());
    }

    static String cut(String s, int width) {
        if (s.length() <= width) {
            return s;
        }
        return width <= 3 ? s.substring(0, Math.max(0, width)) : s.substring(0, width - 3) + "...";
    }

    static String csv(List<String> cells) {
        List<String> out = new ArrayList<>(cells.size());
        for (String c : cells) {
            String v = c == null ? "" : c;
            if (v.contains(",") || v.contains("\"") || v.contains("\n") || v.contains("\r")) {
                v = "\"" + v.replace("\"", "\"\"") + "\"";
            }
            out.add(v);
        }
        return String.join(",", out);
    }
}
