package org.qvm.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.qvm.config.Label;

/** The ways qvm-ls prints rows. Each returns the lines to print. */
final class ListingFormat {
    static final String EMPTY = "-";

    private ListingFormat() {
    }

    static String cell(Object value) {
        if (value == null) {
            return EMPTY;
        }
        if (value instanceof Boolean flag) {
            return flag ? "yes" : "no";
        }
        return value.toString();
    }

    /** Qubes' --raw-data: no heading, cells joined by '|', '-' for nothing. */
    static List<String> rawData(List<VmRow> rows, List<VmField> fields) {
        List<String> lines = new ArrayList<>();
        for (VmRow row : rows) {
            lines.add(String.join("|", fields.stream().map(field -> cell(field.valueOf(row))).toList()));
        }
        return lines;
    }

    /** A heading and aligned columns; with colour, the name and label are shown in the label's colour. */
    static List<String> table(List<VmRow> rows, List<VmField> fields, boolean colour) {
        List<List<String>> cells = new ArrayList<>();
        List<String[]> colours = new ArrayList<>();
        for (VmRow row : rows) {
            cells.add(fields.stream().map(field -> cell(field.valueOf(row))).toList());
            colours.add(colouredColumns(fields, row.vm().definition().label()));
        }
        return TextTable.render(fields.stream().map(VmField::heading).toList(), cells, colour ? colours : null);
    }

    private static String[] colouredColumns(List<VmField> fields, Label label) {
        String[] codes = new String[fields.size()];
        for (int i = 0; i < fields.size(); i++) {
            if (fields.get(i) == VmField.NAME || fields.get(i) == VmField.LABEL) {
                codes[i] = label.ansiCode();
            }
        }
        return codes;
    }

    /** A JSON array with one object per VM, keyed by field name; "nothing" is null. */
    static List<String> json(List<VmRow> rows, List<VmField> fields) {
        List<Map<String, Object>> objects = new ArrayList<>();
        for (VmRow row : rows) {
            Map<String, Object> object = new LinkedHashMap<>();
            for (VmField field : fields) {
                Object value = field.valueOf(row);
                boolean plain = value == null || value instanceof Number || value instanceof Boolean;
                object.put(field.id(), plain ? value : value.toString());
            }
            objects.add(object);
        }
        try {
            return List.of(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(objects));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
