package dev.territory.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.territory.statistics.MetricsJson;
import dev.territory.statistics.NotebookMetrics;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code territory analyze} end to end on the true-MHA fixture pair: real engine, real files; results.json
 * validates against the schema in the repository and matches the notebook's numbers within 1e-4.
 */
class AnalyzeFixtureTest {

    @TempDir
    Path tmp;

    @Test
    void mistralPairMatchesTheNotebookAndTheSchema() throws Exception {
        Path root = MetricsCommandTest.repoRoot();
        Path models = root.resolve("testdata/fixtures/models");
        Path out = tmp.resolve("run");
        int rc = Territory.execute(
                "analyze",
                "--base",
                models.resolve("mistral-mha-base").toString(),
                "--instruct",
                models.resolve("mistral-mha-instruct").toString(),
                "--out",
                out.toString(),
                "--run-id",
                "fixture-mistral",
                "--dtype",
                "float32");
        assertThat(rc).isZero();
        for (String f : List.of(
                "results.json",
                "figure.png",
                "figure.svg",
                "report.html",
                "entropies.jsonl",
                "entropies.csv",
                "metrics.csv",
                "artifact_log.jsonl",
                "E11_results_fixture-mistral.zip")) {
            assertThat(out.resolve(f)).as(f).isNotEmptyFile();
        }
        JsonNode doc = MetricsJson.MAPPER.readTree(out.resolve("results.json").toFile());
        try (InputStream in = AnalyzeFixtureTest.class.getResourceAsStream("/schema/results.schema.json")) {
            assertThat(JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                            .getSchema(in)
                            .validate(doc))
                    .isEmpty();
        }

        JsonNode ref = MetricsJson.MAPPER.readTree(root.resolve("testdata/fixtures/reference/mistral-mha.float32.json")
                .toFile());
        double worst = 0;
        for (String role : List.of("base", "instruct")) {
            for (String k : NotebookMetrics.SPECIALIZATION_KEYS) {
                worst = Math.max(
                        worst,
                        Math.abs(MetricsJson.readDouble(doc.at("/results/" + role + "/specialization/" + k))
                                - MetricsJson.readDouble(ref.at("/" + role + "/aggregate/specialization/" + k))));
            }
            for (String k : NotebookMetrics.GROUP_KEYS) {
                worst = Math.max(
                        worst,
                        Math.abs(MetricsJson.readDouble(doc.at("/results/" + role + "/gqa_metrics/" + k))
                                - MetricsJson.readDouble(ref.at("/" + role + "/aggregate/gqa_metrics/" + k))));
            }
        }
        System.out.printf("analyze mistral-mha: max |metric - reference| = %.3e%n", worst);
        assertThat(worst).isLessThan(1e-4);
        assertThat(doc.at("/results/verdict/code").asText())
                .isEqualTo(ref.at("/verdict/code").asText());

        // Labels from config.json: 8 query / 8 KV heads is MHA; the built-in reference is GQA by its config.
        assertThat(doc.get("architecture").asText()).isEqualTo("MHA");
        assertThat(doc.at("/provenance/models/base/num_kv_heads").asInt()).isEqualTo(8);
        assertThat(doc.at("/provenance/models/base/weight_files/0/sha256").asText())
                .hasSize(64);
        assertThat(doc.at("/mha_reference/architecture_from_config").asText()).isEqualTo("GQA");
        assertThat(doc.get("warnings").toString()).contains("in fact GQA");
        // The entropies export is what `territory metrics` reads: 2 roles x 3 seeds x 10 prompts.
        assertThat(Files.readAllLines(out.resolve("entropies.jsonl"))).hasSize(60);
    }
}
