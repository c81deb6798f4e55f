package dev.territory.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * results.json of a run with its volatile fields taken out, so that two runs of the same request
 * compare byte for byte: {@code run_id}, {@code timestamp}, {@code started_at} (top level) and
 * every occurrence of the run id in strings (file names such as the export zip).
 */
final class Results {
    static final String VOLATILE = "run_id, timestamp, started_at, and the run id inside strings";
    private static final JsonMapper CANONICAL = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private Results() {}

    static String normalized(Pipeline p, String runId) throws IOException {
        return normalized(p.results.resolve(runId).resolve("results.json"), runId);
    }

    /** As {@link #normalized(Pipeline, String)}, of any copy of a run's results.json (submit's --out). */
    static String normalized(Path file, String runId) throws IOException {
        ObjectNode tree = (ObjectNode) CANONICAL.readTree(Files.readString(file));
        tree.remove("run_id");
        tree.remove("timestamp");
        tree.remove("started_at");
        String text = CANONICAL.writeValueAsString(CANONICAL.treeToValue(tree, Object.class));
        return text.replace(runId, "<run>");
    }

    static JsonNode tree(String normalized) throws IOException {
        return CANONICAL.readTree(normalized);
    }
}
