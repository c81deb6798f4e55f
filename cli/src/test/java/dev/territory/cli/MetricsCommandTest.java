package dev.territory.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.statistics.MetricsJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code territory metrics} on a JSON-lines file made from a fixture reference's per-prompt entropies. */
class MetricsCommandTest {

    @TempDir
    Path tmp;

    static Path repoRoot() {
        String prop = System.getProperty("territory.repo.root");
        if (prop != null && Files.isDirectory(Paths.get(prop, "testdata", "fixtures"))) {
            return Paths.get(prop);
        }
        for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("testdata/fixtures"))) {
                return dir;
            }
        }
        throw new IllegalStateException("repository root not found");
    }

    /** One line per (role, seed, prompt), as the entropies stage writes them. */
    static List<String> jsonLines(JsonNode ref) {
        List<String> lines = new ArrayList<>();
        for (String role : List.of("base", "instruct")) {
            for (JsonNode seed : ref.get(role).get("seeds")) {
                JsonNode prompts = seed.get("per_prompt_entropies");
                for (int p = 0; p < prompts.size(); p++) {
                    ObjectNode line = MetricsJson.MAPPER.createObjectNode();
                    line.put("role", role);
                    line.put("seed", seed.get("seed").asInt());
                    line.put("promptIndex", p);
                    line.set("entropies", prompts.get(p));
                    lines.add(line.toString());
                }
            }
        }
        return lines;
    }

    @Test
    void reproducesTheFixtureAggregateAndVerdict() throws IOException {
        for (String name : List.of("llama3-gqa.float32.json", "mistral-mha.bfloat16.json")) {
            JsonNode ref = MetricsJson.MAPPER.readTree(repoRoot()
                    .resolve("testdata/fixtures/reference")
                    .resolve(name)
                    .toFile());
            Path in = tmp.resolve(name + ".jsonl");
            Files.write(in, jsonLines(ref));
            Path out = tmp.resolve("out").resolve(name);
            int rc = Territory.execute(
                    "metrics",
                    "--entropies",
                    in.toString(),
                    "--num-kv-heads",
                    ref.get("num_kv_heads").asText(),
                    "--out",
                    out.toString());
            assertThat(rc).isZero();
            JsonNode doc = MetricsJson.MAPPER.readTree(out.toFile());
            JsonNode results = doc.get("results");
            double worst = 0;
            for (String role : List.of("base", "instruct")) {
                for (String group : List.of("specialization", "gqa_metrics")) {
                    JsonNode want = ref.get(role).get("aggregate").get(group);
                    JsonNode got = results.get(role).get(group);
                    for (var it = want.fieldNames(); it.hasNext(); ) {
                        String key = it.next();
                        double d =
                                Math.abs(MetricsJson.readDouble(got.get(key)) - MetricsJson.readDouble(want.get(key)));
                        worst = Math.max(worst, d);
                        assertThat(d).as(role + "." + group + "." + key).isLessThanOrEqualTo(1e-9);
                    }
                }
                assertThat(results.get(role).get("seed_results")).hasSize(3);
                assertThat(results.get(role)
                                .get("seed_results")
                                .get(0)
                                .get("gqa_metrics")
                                .has("per_group_variances"))
                        .isTrue();
                assertThat(results.get(role).get("specialization").get("head_correlation_matrix"))
                        .isNotEmpty();
                assertThat(doc.get("statistics")
                                .get("seed_spread")
                                .get(role)
                                .get("specialization_index")
                                .asDouble())
                        .isZero();
            }
            assertThat(results.get("verdict").get("code").asText())
                    .isEqualTo(ref.get("verdict").get("code").asText());
            assertThat(results.get("verdict").get("delta_specialization").asDouble())
                    .isCloseTo(ref.get("verdict").get("delta_specialization").asDouble(), within(1e-9));
            assertThat(doc.get("seed_note").asText()).contains("identical").contains("deterministic");
            System.out.printf("metrics %s: largest difference %.3e%n", name, worst);
        }
    }

    @Test
    void badInputNamesTheFileAndTheLine() throws IOException {
        JsonNode ref = MetricsJson.MAPPER.readTree(repoRoot()
                .resolve("testdata/fixtures/reference/llama3-gqa.float32.json")
                .toFile());
        List<String> lines = jsonLines(ref);
        lines.set(2, "{\"role\": \"base\", \"seed\": 42, \"promptIndex\": 2, \"entropies\": [[0.1, 0.2], [0.3]]}");
        Path in = tmp.resolve("bad.jsonl");
        Files.write(in, lines);
        String err = runExpectingError(in, "2");
        assertThat(err).startsWith("error: ").contains("bad.jsonl line 3").contains("layer 1 has 1 heads");

        lines = jsonLines(ref);
        lines.set(4, "{not json");
        Files.write(in, lines);
        assertThat(runExpectingError(in, "2")).contains("bad.jsonl line 5").contains("not valid JSON");

        lines = jsonLines(ref);
        lines.set(0, lines.get(0).replace("\"base\"", "\"chat\""));
        Files.write(in, lines);
        assertThat(runExpectingError(in, "2")).contains("bad.jsonl line 1").contains("role");

        lines = jsonLines(ref);
        lines.add(lines.get(3));
        Files.write(in, lines);
        assertThat(runExpectingError(in, "2")).contains("duplicate").contains("also on line 4");

        Files.write(in, jsonLines(ref));
        assertThat(runExpectingError(in, "3")).contains("bad.jsonl").contains("not divisible by 3");

        lines = new ArrayList<>(jsonLines(ref).subList(0, 30)); // base only
        Files.write(in, lines);
        assertThat(runExpectingError(in, "2")).contains("no lines with role \"instruct\"");
    }

    private String runExpectingError(Path in, String kv) {
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = Territory.execute(
                    "metrics",
                    "--entropies",
                    in.toString(),
                    "--num-kv-heads",
                    kv,
                    "--out",
                    tmp.resolve("never.json").toString());
        } finally {
            System.setErr(saved);
        }
        assertThat(rc).isEqualTo(2);
        assertThat(Files.exists(tmp.resolve("never.json"))).isFalse();
        return captured.toString(StandardCharsets.UTF_8);
    }
}
