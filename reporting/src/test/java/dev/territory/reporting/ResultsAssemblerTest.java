package dev.territory.reporting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.territory.statistics.MetricsJson;
import dev.territory.statistics.NotebookMetrics;
import dev.territory.statistics.Uncertainty;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ResultsAssemblerTest {

    static JsonSchema schema() throws Exception {
        try (InputStream in = ResultsAssembler.class.getResourceAsStream("/schema/results.schema.json")) {
            assertThat(in).as("schema on the classpath").isNotNull();
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                    .getSchema(in);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3-gqa", "mistral-mha"})
    void resultsMatchReferenceAndValidateAgainstSchema(String pair) throws Exception {
        Fixtures.FixtureRun run = Fixtures.load(pair);
        RunReport report = ResultsAssembler.assemble(
                run.description(), run.base(), run.instruct(), ComparisonReference.E11_MISTRAL, run.entropies());
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
        assertIssueNineStatistics(doc);
        assertThat(doc.at("/results/verdict/code").asText())
                .isEqualTo(run.reference().at("/verdict/code").asText());
        assertThat(doc.at("/results/verdict/delta_specialization").asDouble())
                .isCloseTo(run.reference().at("/verdict/delta_specialization").asDouble(), within(1e-12));

        // Labels come from head counts.
        String expectedKind = pair.equals("llama3-gqa") ? "GQA" : "MHA";
        assertThat(doc.get("architecture").asText()).isEqualTo(expectedKind);
        assertThat(doc.at("/config/gqa_ratio").asText()).isEqualTo(pair.equals("llama3-gqa") ? "4:1" : "1:1");
        assertThat(doc.at("/mha_reference/architecture").asText()).isEqualTo("MHA");
        assertThat(doc.at("/mha_reference/architecture_from_config").asText()).isEqualTo("GQA");
        assertThat(report.warnings())
                .anyMatch(w -> w.contains("32 query heads and 8 KV heads") && w.contains("\"MHA\" arm is in fact GQA"));
        assertThat(report.warnings()).anyMatch(w -> w.contains("seeds gave identical metrics"));
        if (pair.equals("mistral-mha")) {
            assertThat(report.warnings()).anyMatch(w -> w.contains("within-group variance is 0 by construction"));
            assertThat(report.warnings()).anyMatch(w -> w.contains("1/1/3"));
        }
    }

    @Test
    void comparisonAgainstBuiltInE11FollowsCell7() throws Exception {
        Fixtures.FixtureRun run = Fixtures.load("llama3-gqa");
        RunReport report = ResultsAssembler.assemble(
                run.description(), run.base(), run.instruct(), ComparisonReference.E11_MISTRAL, run.entropies());
        MhaComparison c = report.comparison();
        // Reference: dSI +0.0314, dCorr -0.0314; fixture: dSI < 0, dCorr > 0 -> both directions differ.
        assertThat(report.verdict().deltaSpecialization()).isNegative();
        assertThat(c.sameDirectionSpecialization()).isFalse();
        assertThat(c.sameDirectionCorrelation()).isFalse();
        assertThat(c.architectureInvariant()).isFalse();
        // Reference is GQA by config, so is the run: no claim about MHA vs GQA either way.
        assertThat(c.label()).isEqualTo("not applicable: both GQA");
        assertThat(c.interpretation())
                .startsWith("Not applicable: both GQA")
                .contains("says nothing about MHA versus GQA")
                .doesNotContain("ARCHITECTURE-");
        assertThat(report.results()
                        .at("/results/mha_comparison/architecture_label")
                        .asText())
                .isEqualTo("not applicable: both GQA");
        JsonNode cmp = report.results().at("/results/mha_comparison");
        assertThat(cmp.get("mha_verdict").asText()).isEqualTo("C_REFUTED");
        assertThat(cmp.get("gqa_verdict").asText()).isEqualTo("A_CONFIRMED");
        assertThat(cmp.get("mha_delta_specialization").asDouble()).isEqualTo(0.0314);
    }

    @Test
    void dtypeOfEachSideIsStatedAndAFloat32RunIsWarnedAboutTheDeltas() throws Exception {
        Fixtures.FixtureRun run = Fixtures.load("llama3-gqa"); // a float32 run
        RunReport report = ResultsAssembler.assemble(
                run.description(), run.base(), run.instruct(), ComparisonReference.E11_MISTRAL, run.entropies());
        JsonNode doc = report.results();
        assertThat(doc.at("/methodology/dtype").asText())
                .isEqualTo("torch.float32"); // str(torch.float32), as the notebook
        assertThat(doc.at("/methodology/dtype_name").asText()).isEqualTo("float32");
        assertThat(doc.at("/methodology/quantization").asText()).isEqualTo("NONE (Full Precision float32)");
        assertThat(doc.at("/runtime/dtype").asText()).isEqualTo("torch.float32");
        assertThat(doc.at("/mha_reference/dtype").asText()).isEqualTo("bfloat16");
        assertThat(doc.at("/results/mha_comparison/mha_dtype").asText()).isEqualTo("bfloat16");
        assertThat(doc.at("/results/mha_comparison/gqa_dtype").asText()).isEqualTo("float32");
        assertThat(report.comparison().sameDtype()).isFalse();
        assertThat(report.comparison().interpretation()).contains("different dtypes (bfloat16 and float32)");
        assertThat(report.warnings())
                .anyMatch(w -> w.startsWith("The forward pass ran in float32; the notebook ran in bfloat16")
                        && w.contains("specialization delta by up to 0.015"));
        assertThat(Methodology.quantizationOf("bfloat16"))
                .isEqualTo("NONE (Full Precision bfloat16)"); // the notebook's words

        // a bfloat16 run: no dtype warning, same dtype as the built-in reference; read back as a reference, it keeps
        // its dtype
        Methodology m = run.description().methodology();
        Methodology bf16 = Methodology.of(
                m.seeds(), m.maxLength(), "bfloat16", dev.territory.contracts.PromptSpec.standard10v3(), m.protocol());
        assertThat(bf16.promptMd5()).isEqualTo(m.promptMd5());
        RunDescription d = run.description();
        RunReport same = ResultsAssembler.assemble(
                new RunDescription(
                        d.runId(),
                        d.startedAt(),
                        d.pair(),
                        d.base(),
                        d.instruct(),
                        bf16,
                        d.engineVersion(),
                        d.libraryVersions(),
                        d.runtime()),
                run.base(),
                run.instruct(),
                ComparisonReference.E11_MISTRAL,
                run.entropies());
        assertThat(same.warnings()).noneMatch(w -> w.contains("the notebook ran in bfloat16"));
        assertThat(same.comparison().sameDtype()).isTrue();
        assertThat(same.comparison().interpretation()).doesNotContain("different dtypes");
        assertThat(References.fromResults(same.results(), "mem").dtype()).isEqualTo("bfloat16");
    }

    @Test
    void comparisonAgainstACompletedRunDirectory(@TempDir Path tmp) throws Exception {
        Fixtures.FixtureRun mistral = Fixtures.load("mistral-mha");
        RunReport first = ResultsAssembler.assemble(
                mistral.description(),
                mistral.base(),
                mistral.instruct(),
                ComparisonReference.E11_MISTRAL,
                mistral.entropies());
        Path dir = tmp.resolve("mistral-run");
        RunWriter.write(first, dir);

        ComparisonReference ref = References.resolve(dir.toString());
        assertThat(ref.model()).isEqualTo("mistral-mha-base");
        assertThat(ref.architectureFromConfig()).isEqualTo("MHA");
        assertThat(ref.mislabelled()).isFalse();
        assertThat(ref.verdict()).isEqualTo(first.verdict().code());
        assertThat(ref.deltaSpecialization()).isCloseTo(first.verdict().deltaSpecialization(), within(1e-15));

        Fixtures.FixtureRun llama = Fixtures.load("llama3-gqa");
        RunReport second =
                ResultsAssembler.assemble(llama.description(), llama.base(), llama.instruct(), ref, llama.entropies());
        MhaComparison c = second.comparison();
        assertThat(c.referenceArchitecture()).isEqualTo("MHA");
        assertThat(c.runArchitecture()).isEqualTo("GQA");
        boolean si =
                (first.verdict().deltaSpecialization() > 0) == (second.verdict().deltaSpecialization() > 0);
        boolean corr =
                (first.verdict().deltaCorrelation() > 0) == (second.verdict().deltaCorrelation() > 0);
        assertThat(c.sameDirectionSpecialization()).isEqualTo(si);
        assertThat(c.sameDirectionCorrelation()).isEqualTo(corr);
        assertThat(second.warnings()).noneMatch(w -> w.contains("Mistral-7B's own config.json"));
        assertThat(second.results().at("/mha_reference/source").asText()).endsWith("results.json");

        // A results.json file works as well as its directory.
        assertThat(References.resolve(dir.resolve("results.json").toString()).verdict())
                .isEqualTo(ref.verdict());
    }

    @Test
    void unusableReferencesNameThePath(@TempDir Path tmp) throws Exception {
        assertThatThrownBy(() -> References.resolve(tmp.resolve("nope").toString()))
                .hasMessageContaining("nope")
                .hasMessageContaining("no such run directory");
        Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, "{\"results\": {}}");
        assertThatThrownBy(() -> References.resolve(bad.toString()))
                .hasMessageContaining("bad.json")
                .hasMessageContaining("not a results document");
        assertThat(References.resolve("e11-mistral")).isSameAs(ComparisonReference.E11_MISTRAL);
    }

    /**
     * The statistics layout, and every interval contains its point estimate (the seeds agree, so seed 42's is the
     * aggregate), except BCa intervals whose bootstrap distribution lies almost wholly on one side of the
     * estimate (|z0| > 1.96), where BCa follows the bias and the percentile interval misses the estimate too.
     */
    static void assertIssueNineStatistics(JsonNode doc) {
        JsonNode st = doc.get("statistics");
        assertThat(st.at("/bootstrap/resamples").asInt()).isEqualTo(2000);
        assertThat(st.at("/bootstrap/seed").asLong()).isEqualTo(42);
        assertThat(st.at("/bootstrap/level").asDouble()).isEqualTo(0.95);
        assertThat(st.at("/permutation/permutations").asInt()).isEqualTo(1024); // 2^10 prompts: exact
        assertThat(st.at("/permutation/seed").asLong()).isEqualTo(42);
        assertThat(st.at("/seed_spread/base/specialization_index").asDouble()).isZero();
        int checked = 0;
        for (String m : NotebookMetrics.SPECIALIZATION_KEYS) {
            for (String role : new String[] {"base", "instruct"}) {
                double point = MetricsJson.readDouble(doc.at("/results/" + role + "/specialization/" + m));
                boolean extreme = Math.abs(MetricsJson.readDouble(st.at("/bootstrap/bca/" + role + "/z0/" + m))) > 1.96;
                if (!extreme) {
                    assertContains(st.at("/bootstrap/" + role + "/" + m), point, role + " " + m);
                }
                checked++;
            }
            double delta = MetricsJson.readDouble(doc.at("/results/instruct/specialization/" + m))
                    - MetricsJson.readDouble(doc.at("/results/base/specialization/" + m));
            assertContains(st.at("/bootstrap/delta/" + m), delta, "delta " + m);
            double p = MetricsJson.readDouble(st.at("/permutation/p_values/" + m));
            assertThat(p).as("p " + m).isBetween(1.0 / 1024, 1.0);
        }
        assertThat(checked).isEqualTo(16);
        JsonNode verdict = st.get("verdict_uncertainty");
        assertThat(verdict.get("code").asText())
                .isEqualTo(doc.at("/results/verdict/code").asText());
        assertThat(verdict.get("summary").asText())
                .contains(verdict.get("significant_criteria").asInt() + " of 2 independent criteria exclude 0 at 95%");
        assertThat(doc.at("/results/verdict/evidence").asText()).isEqualTo("not significant");
        assertThat(doc.at("/results/verdict/independent_criteria").asInt()).isEqualTo(2);
        assertThat(st.at("/bootstrap/method").asText()).startsWith("BCa");
        assertThat(st.at("/scope").asText()).contains("this model pair and seed");
        assertThat(st.at("/permutation/p_values_holm/criteria/variance_decreased")
                        .asDouble())
                .isGreaterThanOrEqualTo(
                        st.at("/permutation/p_values/mean_head_variance").asDouble());
        assertThat(st.at("/head_redundancy/length_partialled/name").asText())
                .isEqualTo("within_layer_redundancy_length_partialled");
        assertThat(st.at("/head_redundancy/length_partialled/base/per_layer"))
                .hasSize(doc.at("/config/num_layers").asInt());
        assertThat(verdict.at("/criteria/specialization_decreased/holds").asBoolean())
                .isEqualTo(doc.at("/results/verdict/specialization_decreased").asBoolean());
        JsonNode red = st.get("head_redundancy");
        int layers = doc.at("/config/num_layers").asInt();
        assertThat(red.at("/base/per_layer")).hasSize(layers);
        assertThat(red.at("/instruct/per_layer")).hasSize(layers);
        assertThat(red.at("/delta/overall").asDouble())
                .isCloseTo(
                        red.at("/instruct/overall").asDouble()
                                - red.at("/base/overall").asDouble(),
                        within(1e-15));
        assertThat(red.at("/cross_layer_correlation/base").asDouble())
                .isEqualTo(doc.at("/results/base/specialization/mean_head_correlation")
                        .asDouble());
        assertContains(
                st.at("/bootstrap/base/within_layer_redundancy"),
                red.at("/base/overall").asDouble(),
                "redundancy");
    }

    static void assertContains(JsonNode interval, double point, String what) {
        assertThat(interval).as(what).hasSize(2);
        double low = MetricsJson.readDouble(interval.get(0));
        double high = MetricsJson.readDouble(interval.get(1));
        assertThat(point).as(what + " in [" + low + ", " + high + "]").isBetween(low, high);
    }

    @Test
    void identicalModelsGivePOneAndDeltaIntervalsAtZero() throws Exception {
        Fixtures.FixtureRun run = Fixtures.load("llama3-gqa");
        List<EntropyRecord> same = new ArrayList<>();
        for (EntropyRecord r : run.entropies()) {
            if (r.role().equals("base")) {
                same.add(r);
                same.add(new EntropyRecord(
                        "instruct", r.seed(), r.promptIndex(), r.inputIds(), r.attentionMask(), r.entropies()));
            }
        }
        RunReport report = ResultsAssembler.assemble(
                run.description(),
                run.base(),
                run.base(),
                ComparisonReference.E11_MISTRAL,
                same,
                new Uncertainty.Options(500, 10_000, 42, 0.95));
        JsonNode doc = MetricsJson.MAPPER.readTree(Json.MAPPER.writeValueAsString(report.results()));
        assertThat(schema().validate(doc)).isEmpty();
        for (String m : Uncertainty.METRICS) {
            assertThat(MetricsJson.readDouble(doc.at("/statistics/permutation/p_values/" + m)))
                    .as(m)
                    .isEqualTo(1.0);
            assertThat(MetricsJson.readDouble(doc.at("/statistics/bootstrap/delta/" + m + "/0")))
                    .as(m)
                    .isEqualTo(0.0);
            assertThat(MetricsJson.readDouble(doc.at("/statistics/bootstrap/delta/" + m + "/1")))
                    .as(m)
                    .isEqualTo(0.0);
        }
        assertThat(doc.at("/statistics/verdict_uncertainty/significant_criteria")
                        .asInt())
                .isZero();
        assertThat(report.uncertainty().verdictSummary()).contains("0 of 2 independent criteria exclude 0 at 95%");
    }

    @Test
    void withoutPerPromptEntropiesOrWithBootstrapZeroTheBlockSaysWhy() throws Exception {
        Fixtures.FixtureRun run = Fixtures.load("llama3-gqa");
        RunReport none = ResultsAssembler.assemble(
                run.description(), run.base(), run.instruct(), ComparisonReference.E11_MISTRAL, List.of());
        RunReport skipped = ResultsAssembler.assemble(
                run.description(),
                run.base(),
                run.instruct(),
                ComparisonReference.E11_MISTRAL,
                run.entropies(),
                (Uncertainty.Options) null);
        for (RunReport r : List.of(none, skipped)) {
            JsonNode doc = MetricsJson.MAPPER.readTree(Json.MAPPER.writeValueAsString(r.results()));
            assertThat(schema().validate(doc)).isEmpty();
            assertThat(doc.at("/statistics/bootstrap").isMissingNode()).isTrue();
            assertThat(r.uncertainty()).isNull();
        }
        assertThat(none.results().at("/statistics/uncertainty").asText()).contains("no per-prompt entropies");
        assertThat(skipped.results().at("/statistics/uncertainty").asText()).contains("--bootstrap 0");
    }

    @Test
    void schemaRejectsABrokenStatisticsBlock() throws Exception {
        Fixtures.FixtureRun run = Fixtures.load("llama3-gqa");
        RunReport report = ResultsAssembler.assemble(
                run.description(),
                run.base(),
                run.instruct(),
                ComparisonReference.E11_MISTRAL,
                run.entropies(),
                new Uncertainty.Options(50, 100, 1, 0.9));
        ObjectNode doc = (ObjectNode) MetricsJson.MAPPER.readTree(Json.MAPPER.writeValueAsString(report.results()));
        assertThat(schema().validate(doc)).isEmpty();

        ObjectNode threeBounds = doc.deepCopy();
        ((ArrayNode) threeBounds.at("/statistics/bootstrap/delta/specialization_index")).add(0.5);
        assertThat(schema().validate(threeBounds))
                .as("an interval with 3 bounds")
                .isNotEmpty();

        ObjectNode noPermutation = doc.deepCopy();
        ((ObjectNode) noPermutation.get("statistics")).remove("permutation");
        assertThat(schema().validate(noPermutation))
                .as("bootstrap without permutation")
                .isNotEmpty();

        ObjectNode badP = doc.deepCopy();
        ((ObjectNode) badP.at("/statistics/permutation/p_values")).put("mean_head_variance", 1.5);
        assertThat(schema().validate(badP)).as("p above 1").isNotEmpty();
    }
}
