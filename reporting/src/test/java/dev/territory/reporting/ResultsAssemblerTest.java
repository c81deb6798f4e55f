package dev.territory.reporting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.territory.statistics.MetricsJson;
import dev.territory.statistics.NotebookMetrics;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ResultsAssemblerTest {

    static JsonSchema schema() throws Exception {
        try (InputStream in = ResultsAssembler.class.getResourceAsStream("/schema/results.schema.json")) {
            assertThat(in).as("schema on the classpath").isNotNull();
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3-gqa", "mistral-mha"})
    void resultsMatchReferenceAndValidateAgainstSchema(String pair) throws Exception {
        Fixtures.FixtureRun run = Fixtures.load(pair);
        RunReport report = ResultsAssembler.assemble(run.description(), run.base(), run.instruct(),
                ComparisonReference.E11_MISTRAL, run.entropies());
        // Through text, as a reader of results.json sees it.
        JsonNode doc = MetricsJson.MAPPER.readTree(Json.MAPPER.writeValueAsString(report.results()));

        Set<ValidationMessage> errors = schema().validate(doc);
        assertThat(errors).as("schema errors").isEmpty();

        double worst = 0;
        for (String role : new String[] {"base", "instruct"}) {
            JsonNode want = run.reference().get(role).get("aggregate");
            for (String k : NotebookMetrics.SPECIALIZATION_KEYS) {
                double got = MetricsJson.readDouble(doc.at("/results/" + role + "/specialization/" + k));
                double exp = MetricsJson.readDouble(want.get("specialization").get(k));
                worst = Math.max(worst, Math.abs(got - exp));
            }
            for (String k : NotebookMetrics.GROUP_KEYS) {
                double got = MetricsJson.readDouble(doc.at("/results/" + role + "/gqa_metrics/" + k));
                double exp = MetricsJson.readDouble(want.get("gqa_metrics").get(k));
                worst = Math.max(worst, Math.abs(got - exp));
            }
        }
        assertThat(worst).as("max |results - reference aggregate|").isLessThan(1e-9);
        assertThat(doc.at("/results/verdict/code").asText()).isEqualTo(run.reference().at("/verdict/code").asText());
        assertThat(doc.at("/results/verdict/delta_specialization").asDouble())
                .isCloseTo(run.reference().at("/verdict/delta_specialization").asDouble(), within(1e-12));

        // Labels come from head counts.
        String expectedKind = pair.equals("llama3-gqa") ? "GQA" : "MHA";
        assertThat(doc.get("architecture").asText()).isEqualTo(expectedKind);
        assertThat(doc.at("/config/gqa_ratio").asText()).isEqualTo(pair.equals("llama3-gqa") ? "4:1" : "1:1");
        assertThat(doc.at("/mha_reference/architecture").asText()).isEqualTo("MHA");
        assertThat(doc.at("/mha_reference/architecture_from_config").asText()).isEqualTo("GQA");
        assertThat(report.warnings()).anyMatch(w -> w.contains("32 query heads and 8 KV heads")
                && w.contains("\"MHA\" arm is in fact GQA"));
        assertThat(report.warnings()).anyMatch(w -> w.contains("seeds gave identical metrics"));
        if (pair.equals("mistral-mha")) {
            assertThat(report.warnings()).anyMatch(w -> w.contains("within-group variance is 0 by construction"));
            assertThat(report.warnings()).anyMatch(w -> w.contains("1/1/3"));
        }
    }

    @Test
    void comparisonAgainstBuiltInE11FollowsCell7() throws Exception {
        Fixtures.FixtureRun run = Fixtures.load("llama3-gqa");
        RunReport report = ResultsAssembler.assemble(run.description(), run.base(), run.instruct(),
                ComparisonReference.E11_MISTRAL, run.entropies());
        MhaComparison c = report.comparison();
        // Reference: dSI +0.0314, dCorr -0.0314; fixture: dSI < 0, dCorr > 0 -> both directions differ.
        assertThat(report.verdict().deltaSpecialization()).isNegative();
        assertThat(c.sameDirectionSpecialization()).isFalse();
        assertThat(c.sameDirectionCorrelation()).isFalse();
        assertThat(c.architectureInvariant()).isFalse();
        assertThat(c.interpretation()).startsWith("ARCHITECTURE-DEPENDENT");
        // Reference is GQA by config, so is the run: the sentence says this is not an MHA/GQA contrast.
        assertThat(c.interpretation()).contains("not due to KV sharing");
        JsonNode cmp = report.results().at("/results/mha_comparison");
        assertThat(cmp.get("mha_verdict").asText()).isEqualTo("C_REFUTED");
        assertThat(cmp.get("gqa_verdict").asText()).isEqualTo("A_CONFIRMED");
        assertThat(cmp.get("mha_delta_specialization").asDouble()).isEqualTo(0.0314);
    }

    @Test
    void comparisonAgainstACompletedRunDirectory(@TempDir Path tmp) throws Exception {
        Fixtures.FixtureRun mistral = Fixtures.load("mistral-mha");
        RunReport first = ResultsAssembler.assemble(mistral.description(), mistral.base(), mistral.instruct(),
                ComparisonReference.E11_MISTRAL, mistral.entropies());
        Path dir = tmp.resolve("mistral-run");
        RunWriter.write(first, dir);

        ComparisonReference ref = References.resolve(dir.toString());
        assertThat(ref.model()).isEqualTo("mistral-mha-base");
        assertThat(ref.architectureFromConfig()).isEqualTo("MHA");
        assertThat(ref.mislabelled()).isFalse();
        assertThat(ref.verdict()).isEqualTo(first.verdict().code());
        assertThat(ref.deltaSpecialization()).isCloseTo(first.verdict().deltaSpecialization(), within(1e-15));

        Fixtures.FixtureRun llama = Fixtures.load("llama3-gqa");
        RunReport second = ResultsAssembler.assemble(llama.description(), llama.base(), llama.instruct(), ref, llama.entropies());
        MhaComparison c = second.comparison();
        assertThat(c.referenceArchitecture()).isEqualTo("MHA");
        assertThat(c.runArchitecture()).isEqualTo("GQA");
        boolean si = (first.verdict().deltaSpecialization() > 0) == (second.verdict().deltaSpecialization() > 0);
        boolean corr = (first.verdict().deltaCorrelation() > 0) == (second.verdict().deltaCorrelation() > 0);
        assertThat(c.sameDirectionSpecialization()).isEqualTo(si);
        assertThat(c.sameDirectionCorrelation()).isEqualTo(corr);
        assertThat(second.warnings()).noneMatch(w -> w.contains("Mistral-7B's own config.json"));
        assertThat(second.results().at("/mha_reference/source").asText()).endsWith("results.json");

        // A results.json file works as well as its directory.
        assertThat(References.resolve(dir.resolve("results.json").toString()).verdict()).isEqualTo(ref.verdict());
    }

    @Test
    void unusableReferencesNameThePath(@TempDir Path tmp) throws Exception {
        assertThatThrownBy(() -> References.resolve(tmp.resolve("nope").toString()))
                .hasMessageContaining("nope").hasMessageContaining("no such run directory");
        Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, "{\"results\": {}}");
        assertThatThrownBy(() -> References.resolve(bad.toString()))
                .hasMessageContaining("bad.json").hasMessageContaining("not a results document");
        assertThat(References.resolve("e11-mistral")).isSameAs(ComparisonReference.E11_MISTRAL);
    }
}
