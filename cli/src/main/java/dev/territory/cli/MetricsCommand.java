package dev.territory.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.statistics.MetricsDocument;
import dev.territory.statistics.MetricsDocument.RoleInput;
import dev.territory.statistics.MetricsJson;
import dev.territory.statistics.Uncertainty;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code territory metrics}: the notebook's metrics (cells 3-6) from per-prompt entropies.
 *
 * <p>Input: JSON lines, one per (role, seed, prompt): {@code role} ("base"/"instruct"), {@code seed},
 * {@code promptIndex}, {@code entropies[layer][head]}; other fields are ignored. Output: see
 * {@link MetricsDocument}.
 */
@Command(
        name = "metrics",
        mixinStandardHelpOptions = true,
        description =
                "Computes the notebook's specialization and GQA-group metrics and the verdict from per-prompt entropies.")
final class MetricsCommand implements Callable<Integer> {

    @Option(
            names = "--entropies",
            required = true,
            paramLabel = "FILE.jsonl",
            description =
                    "per-prompt entropies: one JSON object per line with role, seed, promptIndex, entropies[layer][head]")
    Path entropies;

    @Option(
            names = "--num-kv-heads",
            required = true,
            paramLabel = "N",
            description = "KV heads (query heads must divide by it)")
    int numKvHeads;

    @Option(names = "--out", required = true, paramLabel = "FILE.json", description = "where to write the results JSON")
    Path out;

    @Mixin
    StatisticsOptions statistics;

    @Option(names = "--verbose", description = "print stack traces on errors")
    boolean verbose;

    @Override
    public Integer call() throws IOException {
        Uncertainty.Options options = statistics.options();
        Map<String, RoleInput> roles = read(entropies);
        MetricsDocument.Computed computed;
        ObjectNode document;
        try {
            computed = MetricsDocument.compute(roles.get("base"), roles.get("instruct"), numKvHeads);
            document = MetricsDocument.build(computed, roles.get("base"), roles.get("instruct"), numKvHeads, options);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(entropies + ": " + e.getMessage(), e);
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        MetricsJson.MAPPER.writeValue(out.toFile(), document);
        System.out.printf(
                "%s: base SI %.4f, instruct SI %.4f, verdict %s (%d of 3 criteria) -> %s%n",
                entropies.getFileName(),
                computed.base().specialization().specializationIndex(),
                computed.instruct().specialization().specializationIndex(),
                computed.verdict().code(),
                computed.verdict().criteriaMet(),
                out);
        JsonNode summary = document.at("/statistics/verdict_uncertainty/summary");
        if (!summary.isMissingNode()) {
            System.out.println(summary.asText());
        }
        document.get("warnings").forEach(w -> System.err.println("warning: " + w.asText()));
        return 0;
    }

    /** Reads the JSON lines into role -> seed -> [prompt][layer][head], checking everything it can. */
    static Map<String, RoleInput> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such file");
        }
        // role -> seed (first-seen order) -> promptIndex -> entropies; plus the line each came from
        Map<String, LinkedHashMap<Integer, TreeMap<Integer, double[][]>>> data = new LinkedHashMap<>();
        Map<String, Integer> lineOf = new LinkedHashMap<>();
        Map<String, int[]> shapeOf = new LinkedHashMap<>();
        Map<String, Integer> shapeLine = new LinkedHashMap<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String text;
            int lineNo = 0;
            while ((text = reader.readLine()) != null) {
                lineNo++;
                if (text.isBlank()) {
                    continue;
                }
                String where = file + " line " + lineNo;
                JsonNode line;
                try {
                    line = MetricsJson.MAPPER.readTree(text);
                } catch (JsonProcessingException e) {
                    throw new IllegalArgumentException(where + ": not valid JSON (" + e.getOriginalMessage() + ")");
                }
                if (!line.isObject()) {
                    throw new IllegalArgumentException(where + ": expected a JSON object, found " + line.getNodeType());
                }
                String role = line.path("role").asText(null);
                if (!"base".equals(role) && !"instruct".equals(role)) {
                    throw new IllegalArgumentException(
                            where + ": role must be \"base\" or \"instruct\", found " + line.get("role"));
                }
                int seed = integer(line, "seed", where);
                int prompt = integer(line, "promptIndex", where);
                if (prompt < 0) {
                    throw new IllegalArgumentException(where + ": promptIndex must be >= 0, found " + prompt);
                }
                double[][] matrix;
                try {
                    matrix = MetricsJson.readMatrix(line.get("entropies"));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(
                            where + ": entropies must be [layer][head] numbers: " + e.getMessage());
                }
                if (matrix.length == 0 || matrix[0].length == 0) {
                    throw new IllegalArgumentException(where + ": entropies are empty");
                }
                for (int l = 0; l < matrix.length; l++) {
                    if (matrix[l].length != matrix[0].length) {
                        throw new IllegalArgumentException(where + ": entropies layer " + l + " has " + matrix[l].length
                                + " heads, layer 0 has " + matrix[0].length);
                    }
                }
                int[] shape = {matrix.length, matrix[0].length};
                int[] known = shapeOf.putIfAbsent(role, shape);
                if (known != null && (known[0] != shape[0] || known[1] != shape[1])) {
                    throw new IllegalArgumentException(where + ": entropies are " + shape[0] + "x" + shape[1]
                            + " (layers x heads), but line " + shapeLine.get(role) + " (" + role + ") has "
                            + known[0] + "x" + known[1]);
                }
                shapeLine.putIfAbsent(role, lineNo);
                String key = role + "/" + seed + "/" + prompt;
                Integer previous = lineOf.putIfAbsent(key, lineNo);
                if (previous != null) {
                    throw new IllegalArgumentException(where + ": duplicate " + role + " seed " + seed + " promptIndex "
                            + prompt + " (also on line " + previous + ")");
                }
                data.computeIfAbsent(role, r -> new LinkedHashMap<>())
                        .computeIfAbsent(seed, s -> new TreeMap<>())
                        .put(prompt, matrix);
            }
        }
        Map<String, RoleInput> roles = new LinkedHashMap<>();
        for (String role : List.of("base", "instruct")) {
            LinkedHashMap<Integer, TreeMap<Integer, double[][]>> seeds = data.get(role);
            if (seeds == null) {
                throw new IllegalArgumentException(file + ": no lines with role \"" + role + "\"");
            }
            LinkedHashMap<Integer, double[][][]> bySeed = new LinkedHashMap<>();
            Integer firstSeed = null;
            for (Map.Entry<Integer, TreeMap<Integer, double[][]>> s : seeds.entrySet()) {
                if (firstSeed == null) {
                    firstSeed = s.getKey();
                } else if (!s.getValue().keySet().equals(seeds.get(firstSeed).keySet())) {
                    throw new IllegalArgumentException(file + ": " + role + " seed " + s.getKey() + " has promptIndex "
                            + s.getValue().keySet() + ", seed " + firstSeed + " has "
                            + seeds.get(firstSeed).keySet());
                }
                bySeed.put(s.getKey(), new ArrayList<>(s.getValue().values()).toArray(new double[0][][]));
            }
            roles.put(role, new RoleInput(bySeed));
        }
        return roles;
    }

    private static int integer(JsonNode line, String field, String where) {
        JsonNode node = line.get(field);
        if (node == null || !node.canConvertToInt() || !node.isIntegralNumber()) {
            throw new IllegalArgumentException(where + ": " + field + " must be an integer, found " + node);
        }
        return node.intValue();
    }
}
