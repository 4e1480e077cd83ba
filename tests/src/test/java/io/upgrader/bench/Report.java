package io.upgrader.bench;

import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The figures of a run: a table on stdout and the same as JSON in target/bench/results.json. */
final class Report {

    /**
     * One figure. {@code value} null means not measured ({@code note} says why); {@code met} null means the
     * figure has no target.
     */
    record Row(String section, String figure, Double value, String unit, String baselineName, Double baselineValue,
               String baselineUnit, Double ratio, String target, Boolean met, String note) {
    }

    private final List<Row> rows = new ArrayList<>();
    private final Map<String, Object> header = new LinkedHashMap<>();
    private final Map<String, Object> phases = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();

    void header(String key, Object value) {
        header.put(key, value);
    }

    void phase(String name, Object details) {
        phases.put(name, details);
    }

    void note(String text) {
        notes.add(text);
        System.out.println("bench: note: " + text);
    }

    Row add(Row row) {
        rows.add(row);
        return row;
    }

    /** A figure with no baseline and no target. */
    void info(String section, String figure, Double value, String unit, String note) {
        add(new Row(section, figure, value, unit, null, null, null, null, null, null, note));
    }

    /** A figure set against a baseline: ratio = value / baseline; {@code atLeast}/{@code atMost} is the target. */
    Row compare(String section, String figure, Double value, String unit, String baselineName, Double baselineValue,
                String baselineUnit, Double atLeast, Double atMost, String note) {
        Double ratio = value == null || baselineValue == null || baselineValue == 0 || value.isNaN()
                || baselineValue.isNaN() ? null : value / baselineValue;
        String target = null;
        Boolean met = null;
        if (atLeast != null) {
            target = "ratio >= " + trim(atLeast);
            met = ratio != null && ratio >= atLeast;
        } else if (atMost != null) {
            target = "ratio <= " + trim(atMost);
            met = ratio != null && ratio <= atMost;
        }
        return add(new Row(section, figure, value, unit, baselineName, baselineValue, baselineUnit, ratio, target, met,
                note));
    }

    /** A figure with an absolute target. */
    Row absolute(String section, String figure, Double value, String unit, String target, Boolean met, String note) {
        return add(new Row(section, figure, value, unit, null, null, null, null, target,
                value == null ? Boolean.FALSE : met, note));
    }

    void print() {
        StringBuilder out = new StringBuilder();
        out.append('\n').append("=== workflow-upgrader benchmark ===").append('\n');
        for (Map.Entry<String, Object> entry : header.entrySet()) {
            out.append(entry.getKey()).append(": ").append(entry.getValue()).append('\n');
        }
        String[] titles = {"figure", "value", "baseline", "ratio", "target", "met?"};
        List<String[]> cells = new ArrayList<>();
        List<String> sections = new ArrayList<>();
        for (Row row : rows) {
            sections.add(row.section());
            cells.add(new String[] {row.figure(), valueText(row), baselineText(row),
                    row.ratio() == null ? "-" : number(row.ratio()) + "x", row.target() == null ? "-" : row.target(),
                    row.met() == null ? "-" : row.met() ? "yes" : "NO"});
        }
        int[] widths = new int[titles.length];
        for (int i = 0; i < titles.length; i++) {
            widths[i] = titles[i].length();
        }
        for (String[] line : cells) {
            for (int i = 0; i < line.length; i++) {
                widths[i] = Math.max(widths[i], line[i].length());
            }
        }
        StringBuilder rule = new StringBuilder("+");
        for (int width : widths) {
            rule.append("-".repeat(width + 2)).append('+');
        }
        out.append(rule).append('\n').append(line(titles, widths)).append('\n').append(rule).append('\n');
        String section = null;
        for (int i = 0; i < cells.size(); i++) {
            if (!sections.get(i).equals(section)) {
                section = sections.get(i);
                String title = "[" + section + "]";
                int total = rule.length() - 4;
                out.append("| ").append(title).append(" ".repeat(Math.max(0, total - title.length()))).append(" |")
                        .append('\n');
            }
            out.append(line(cells.get(i), widths)).append('\n');
        }
        out.append(rule).append('\n');
        if (!notes.isEmpty()) {
            out.append("notes:").append('\n');
            notes.forEach(n -> out.append("  - ").append(n).append('\n'));
        }
        System.out.print(out);
        System.out.flush();
    }

    void writeJson(Path file) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("header", header);
        List<Map<String, Object>> list = new ArrayList<>();
        for (Row row : rows) {
            list.add(json(row));
        }
        root.put("figures", list);
        root.put("phases", phases);
        root.put("notes", notes);
        Files.createDirectories(file.getParent());
        JsonMapper json = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
        Files.writeString(file, json.writeValueAsString(root));
    }

    /** One figure as the JSON results hold it. */
    static Map<String, Object> json(Row row) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("section", row.section());
        m.put("figure", row.figure());
        m.put("value", Stats.round(row.value() == null ? Double.NaN : row.value()));
        m.put("unit", row.unit());
        m.put("baseline", row.baselineName());
        m.put("baselineValue", Stats.round(row.baselineValue() == null ? Double.NaN : row.baselineValue()));
        m.put("baselineUnit", row.baselineUnit());
        m.put("ratio", Stats.round(row.ratio() == null ? Double.NaN : row.ratio()));
        m.put("target", row.target());
        m.put("met", row.met());
        m.put("note", row.note());
        return m;
    }

    private static String line(String[] cells, int[] widths) {
        StringBuilder b = new StringBuilder("|");
        for (int i = 0; i < cells.length; i++) {
            boolean right = i == 1 || i == 3;
            String cell = cells[i];
            String pad = " ".repeat(widths[i] - cell.length());
            b.append(' ').append(right ? pad + cell : cell + pad).append(" |");
        }
        return b.toString();
    }

    private static String valueText(Row row) {
        if (row.value() == null || row.value().isNaN()) {
            return row.note() == null ? "not measured" : row.note();
        }
        String text = number(row.value()) + (row.unit() == null ? "" : " " + row.unit());
        return row.note() == null ? text : text + " (" + row.note() + ")";
    }

    private static String baselineText(Row row) {
        if (row.baselineName() == null) {
            return "-";
        }
        if (row.baselineValue() == null || row.baselineValue().isNaN()) {
            return row.baselineName() + ": not measured";
        }
        return row.baselineName() + ": " + number(row.baselineValue())
                + (row.baselineUnit() == null ? "" : " " + row.baselineUnit());
    }

    static String number(double value) {
        double abs = Math.abs(value);
        if (abs >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        if (abs >= 100) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        if (abs >= 10) {
            return String.format(Locale.ROOT, "%.2f", value);
        }
        if (abs >= 0.01 || abs == 0) {
            return String.format(Locale.ROOT, "%.3f", value);
        }
        return String.format(Locale.ROOT, "%.2g", value);
    }

    private static String trim(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }
}
