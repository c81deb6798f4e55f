package dev.territory.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.territory.statistics.MetricsJson;
import dev.territory.statistics.NotebookMetrics;
import dev.territory.statistics.Uncertainty;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The uncertainty statistics end to end through {@code territory analyze} (real engine on the fixture models): the statistics
 * block of results.json validates against the schema, its intervals contain the point estimates, an instruct
 * model equal to its base gives p = 1 and delta intervals at 0, and the run's protocol is recorded.
 */
class AnalyzeStatisticsTest {

    @TempDir
    Path tmp;

    static Path models() {
        return MetricsCommandTest.repoRoot().resolve("testdata/fixtures/models");
    }

    static JsonNode validResults(Path out) throws Exception {
        JsonNode doc = MetricsJson.MAPPER.readTree(out.resolve("results.json").toFile());
        try (InputStream in = AnalyzeStatisticsTest.class.getResourceAsStream("/schema/results.schema.json")) {
            assertThat(JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                            .getSchema(in)
                            .validate(doc))
                    .as("schema errors")
                    .isEmpty();
        }
        return doc;
    }

    static void assertContains(JsonNode interval, double point, String what) {
        double low = MetricsJson.readDouble(interval.get(0));
        double high = MetricsJson.readDouble(interval.get(1));
        assertThat(point).as("%s %s in [%s, %s]", what, point, low, high).isBetween(low, high);
    }

    @Test
    void gqaFixturePairGetsAStatisticsBlockWhoseIntervalsContainTheEstimates() throws Exception {
        Path out = tmp.resolve("gqa");
        int rc = Territory.execute(
                "analyze",
                "--base",
                models().resolve("llama3-gqa-base").toString(),
                "--instruct",
                models().resolve("llama3-gqa-instruct").toString(),
                "--out",
                out.toString(),
                "--run-id",
                "stats-gqa");
        assertThat(rc).isZero();
        JsonNode doc = validResults(out);
        JsonNode st = doc.get("statistics");
        assertThat(st.at("/bootstrap/resamples").asInt()).isEqualTo(2000);
        assertThat(st.at("/bootstrap/seed").asLong()).isEqualTo(42);
        assertThat(st.at("/bootstrap/level").asDouble()).isEqualTo(0.95);
        assertThat(st.at("/permutation/permutations").asInt()).isEqualTo(1024);
        for (String m : NotebookMetrics.SPECIALIZATION_KEYS) {
            double b = MetricsJson.readDouble(doc.at("/results/base/specialization/" + m));
            double i = MetricsJson.readDouble(doc.at("/results/instruct/specialization/" + m));
            // BCa follows the bootstrap's bias: where almost every resample lies on one side of the estimate
            // (|z0| > 1.96; the instruct specialization index here) the interval may leave the estimate out
            if (Math.abs(st.at("/bootstrap/bca/base/z0/" + m).asDouble()) < 1.96) {
                assertContains(st.at("/bootstrap/base/" + m), b, "base " + m);
            }
            if (Math.abs(st.at("/bootstrap/bca/instruct/z0/" + m).asDouble()) < 1.96) {
                assertContains(st.at("/bootstrap/instruct/" + m), i, "instruct " + m);
            }
            assertContains(st.at("/bootstrap/delta/" + m), i - b, "delta " + m);
            assertThat(MetricsJson.readDouble(st.at("/permutation/p_values/" + m)))
                    .isBetween(1.0 / 1024, 1.0);
        }
        for (String m : NotebookMetrics.GROUP_KEYS) {
            double b = MetricsJson.readDouble(doc.at("/results/base/gqa_metrics/" + m));
            if (Math.abs(st.at("/bootstrap/bca/base/z0/" + m).asDouble()) < 1.96) {
                assertContains(st.at("/bootstrap/base/" + m), b, "base " + m);
            }
        }
        assertContains(
                st.at("/bootstrap/base/within_layer_redundancy"),
                st.at("/head_redundancy/base/overall").asDouble(),
                "base redundancy");
        assertThat(st.at("/seed_spread/base/specialization_index").asDouble()).isZero();
        assertThat(st.at("/verdict_uncertainty/code").asText())
                .isEqualTo(doc.at("/results/verdict/code").asText());
        assertThat(st.at("/verdict_uncertainty/summary").asText())
                .contains("0 of 2 independent criteria exclude 0 at 95%");
        assertThat(doc.at("/results/verdict/line").asText())
                .isEqualTo("A_CONFIRMED (not significant: 0 of 2 independent criteria exclude 0 at 95%)");
        assertThat(st.at("/protocol_comparison/protocols").toString())
                .isEqualTo("[\"e11-v3\",\"masked\",\"attendable\"]");
        assertThat(st.at("/head_redundancy/length_partialled/base/overall").isNumber())
                .isTrue();
        assertThat(doc.at("/runtime/device_name").asText()).startsWith("CPU: ");
        assertThat(st.at("/head_redundancy/base/per_layer"))
                .hasSize(doc.at("/config/num_layers").asInt());
        assertThat(st.at("/head_redundancy/cross_layer_correlation/instruct").asDouble())
                .isEqualTo(doc.at("/results/instruct/specialization/mean_head_correlation")
                        .asDouble());
        System.out.println(
                "analyze llama3-gqa: " + st.at("/verdict_uncertainty/summary").asText());
        st.at("/verdict_uncertainty/criteria")
                .fields()
                .forEachRemaining(e -> System.out.println("  " + e.getKey() + ": " + e.getValue()));

        String html = Files.readString(out.resolve("report.html"));
        assertThat(html).contains("id=\"verdict-uncertainty\"").contains("id=\"redundancy\"");
    }

    @Test
    void identicalModelsGivePOneAndDeltaIntervalsAroundZero() throws Exception {
        Path out = tmp.resolve("same");
        String base = models().resolve("llama3-gqa-base").toString();
        int rc = Territory.execute(
                "analyze",
                "--base",
                base,
                "--instruct",
                base,
                "--seeds",
                "42",
                "--out",
                out.toString(),
                "--run-id",
                "stats-same",
                "--bootstrap",
                "500",
                "--stat-seed",
                "7");
        assertThat(rc).isZero();
        JsonNode doc = validResults(out);
        JsonNode st = doc.get("statistics");
        assertThat(st.at("/bootstrap/resamples").asInt()).isEqualTo(500);
        assertThat(st.at("/bootstrap/seed").asLong()).isEqualTo(7);
        for (String m : Uncertainty.METRICS) {
            assertThat(MetricsJson.readDouble(st.at("/permutation/p_values/" + m)))
                    .as("p " + m)
                    .isEqualTo(1.0);
            assertThat(MetricsJson.readDouble(st.at("/bootstrap/delta/" + m + "/0")))
                    .as("low " + m)
                    .isEqualTo(0.0);
            assertThat(MetricsJson.readDouble(st.at("/bootstrap/delta/" + m + "/1")))
                    .as("high " + m)
                    .isEqualTo(0.0);
        }
        assertThat(st.at("/verdict_uncertainty/significant_criteria").asInt()).isZero();
        assertThat(doc.at("/results/verdict/code").asText()).isEqualTo("C_REFUTED");
    }

    @Test
    void protocolIsAcceptedAndRecordedAndBootstrapZeroSkips() throws Exception {
        Path out = tmp.resolve("masked");
        int rc = Territory.execute(
                "analyze",
                "--base",
                models().resolve("mistral-mha-base").toString(),
                "--instruct",
                models().resolve("mistral-mha-instruct").toString(),
                "--seeds",
                "42",
                "--protocol",
                "masked",
                "--bootstrap",
                "0",
                "--out",
                out.toString(),
                "--run-id",
                "stats-masked");
        assertThat(rc).isZero();
        JsonNode doc = validResults(out);
        assertThat(doc.at("/methodology/protocol").asText()).isEqualTo("masked");
        assertThat(doc.at("/provenance/protocol").asText()).isEqualTo("masked");
        assertThat(doc.at("/statistics/bootstrap").isMissingNode()).isTrue();
        assertThat(doc.at("/statistics/uncertainty").asText()).contains("--bootstrap 0");
        // The fixture prompts are padded to max_length, so masked (real rows only) is not e11-v3.
        JsonNode ref = MetricsJson.MAPPER.readTree(MetricsCommandTest.repoRoot()
                .resolve("testdata/fixtures/reference/mistral-mha.float32.json")
                .toFile());
        double masked =
                doc.at("/results/base/specialization/mean_head_variance").asDouble();
        double e11 = ref.at("/base/aggregate/specialization/mean_head_variance").asDouble();
        assertThat(Math.abs(masked - e11))
                .as("masked vs e11-v3 mean_head_variance")
                .isGreaterThan(1e-6);
        assertThat(Files.readString(out.resolve("report.html"))).contains("--bootstrap 0");
    }
}
