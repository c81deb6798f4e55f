package dev.territory.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The rows of docs/reliability.md, recorded by the tests as they observe what happened; written
 * to {@code target/reliability-table-<suite>.md} and compared with the docs by {@link ReliabilityDocsTest}.
 */
final class ReliabilityTable {

    /** One fault or bad input and what the system did. */
    record Row(String kind, String input, String outcome) {
        String markdown() {
            return "| " + cell(kind) + " | " + cell(input) + " | " + cell(outcome) + " |";
        }

        private static String cell(String s) {
            return s.replace("|", "\\|").replace("\n", " ");
        }
    }

    private static final List<Row> ROWS = new ArrayList<>();

    private ReliabilityTable() {}

    static synchronized void record(String kind, String input, String outcome) {
        ROWS.add(new Row(kind, input, outcome));
    }

    static synchronized List<Row> rows() {
        return List.copyOf(ROWS);
    }

    static Path write(Path file) {
        StringBuilder sb = new StringBuilder("| kind | fault or input | what happened |\n| --- | --- | --- |\n");
        rows().forEach(r -> sb.append(r.markdown()).append('\n'));
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, sb.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
