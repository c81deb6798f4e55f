package dev.territory.statistics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Recomputes every reference (the four HF fixtures, and the synthetic ones made by
 * src/test/python/make_synthetic_references.py with numpy/scipy) from its per-prompt entropies:
 * every per-seed metric, layer variances, correlation matrix, per-group variances, the aggregate and
 * the verdict. Tolerance 1e-9; the largest difference is printed.
 */
class ReferenceParityTest {

    static final double TOL = 1e-9;
    private static double worstOverall = 0.0;
    private static String worstWhere = "";

    static Stream<Path> references() {
        return References.all().stream();
    }

    @Test
    void findsAllFourFixtureReferences() {
        assertThat(References.fixtureReferences())
                .extracting(p -> p.getFileName().toString())
                .contains(
                        "llama3-gqa.float32.json",
                        "llama3-gqa.bfloat16.json",
                        "mistral-mha.float32.json",
                        "mistral-mha.bfloat16.json");
    }

    @ParameterizedTest
    @MethodSource("references")
    void reproducesReference(Path file) {
        JsonNode ref = References.read(file);
        int kv = ref.get("num_kv_heads").asInt();
        Diff diff = new Diff(file.getFileName().toString());
        RoleMetrics[] roles = new RoleMetrics[2];
        String[] names = {"base", "instruct"};
        for (int r = 0; r < 2; r++) {
            JsonNode role = ref.get(names[r]);
            List<SeedMetrics> seeds = new ArrayList<>();
            for (JsonNode s : role.get("seeds")) {
                String where = names[r] + ".seed" + s.get("seed").asInt();
                SeedMetrics got = NotebookMetrics.seed(
                        s.get("seed").asInt(), MetricsJson.readCube(s.get("per_prompt_entropies")), kv);
                diff.matrix(where + ".entropies", got.entropies(), MetricsJson.readMatrix(s.get("entropies")));
                SpecializationMetrics want = MetricsJson.readSpecialization(s.get("specialization"));
                diff.specialization(where, got.specialization(), want);
                diff.array(where + ".layer_variances", got.specialization().layerVariances(), want.layerVariances());
                diff.matrix(
                        where + ".head_correlation_matrix",
                        got.specialization().headCorrelationMatrix(),
                        want.headCorrelationMatrix());
                assertThat(got.specialization().numLayers()).isEqualTo(want.numLayers());
                assertThat(got.specialization().numHeads()).isEqualTo(want.numHeads());
                GroupMetrics wantG = MetricsJson.readGroups(s.get("gqa_metrics"));
                diff.groups(where, got.gqaMetrics(), wantG);
                diff.array(
                        where + ".per_group_variances",
                        got.gqaMetrics().perGroupVariances(),
                        wantG.perGroupVariances());
                assertThat(got.gqaMetrics().groupSize()).isEqualTo(wantG.groupSize());
                assertThat(got.gqaMetrics().numKvGroups()).isEqualTo(wantG.numKvGroups());
                seeds.add(got);
            }
            roles[r] = NotebookMetrics.aggregate(seeds);
            JsonNode agg = role.get("aggregate");
            for (String key : NotebookMetrics.SPECIALIZATION_KEYS) {
                diff.value(
                        names[r] + ".aggregate." + key,
                        NotebookMetrics.scalar(roles[r].specialization(), key),
                        MetricsJson.readDouble(agg.get("specialization").get(key)));
            }
            for (String key : NotebookMetrics.GROUP_KEYS) {
                diff.value(
                        names[r] + ".aggregate." + key,
                        NotebookMetrics.scalar(roles[r].gqaMetrics(), key),
                        MetricsJson.readDouble(agg.get("gqa_metrics").get(key)));
            }
        }
        Verdict got = NotebookMetrics.verdict(roles[0], roles[1]);
        Verdict want = MetricsJson.readVerdict(ref.get("verdict"));
        assertThat(got.code()).as("verdict code").isEqualTo(want.code());
        assertThat(got.specializationDecreased()).isEqualTo(want.specializationDecreased());
        assertThat(got.correlationIncreased()).isEqualTo(want.correlationIncreased());
        assertThat(got.varianceDecreased()).isEqualTo(want.varianceDecreased());
        diff.value("verdict.delta_specialization", got.deltaSpecialization(), want.deltaSpecialization());
        diff.value("verdict.delta_correlation", got.deltaCorrelation(), want.deltaCorrelation());
        diff.value("verdict.delta_variance", got.deltaVariance(), want.deltaVariance());
        if (ref.get("verdict").has("delta_gqa_ratio")) {
            diff.value("verdict.delta_gqa_ratio", got.deltaGqaRatio(), want.deltaGqaRatio());
        }
        System.out.printf(
                "%-36s %6d values, largest difference %.3e at %s%n",
                file.getFileName(), diff.count, diff.worst, diff.worstWhere);
        synchronized (ReferenceParityTest.class) {
            if (diff.worst >= worstOverall) {
                worstOverall = diff.worst;
                worstWhere = file.getFileName() + " " + diff.worstWhere;
            }
        }
        assertThat(diff.failures).as("values outside %s", TOL).isEmpty();
    }

    @AfterAll
    static void printWorst() {
        System.out.printf("largest difference against all references: %.3e (%s)%n", worstOverall, worstWhere);
    }

    /** Collects differences; NaN matches NaN, inf matches inf of the same sign. */
    static final class Diff {
        final String file;
        double worst = 0.0;
        String worstWhere = "-";
        int count = 0;
        final List<String> failures = new ArrayList<>();

        Diff(String file) {
            this.file = file;
        }

        void value(String where, double got, double want) {
            count++;
            double d;
            if (Double.isNaN(got) || Double.isNaN(want)) {
                d = Double.isNaN(got) && Double.isNaN(want) ? 0.0 : Double.POSITIVE_INFINITY;
            } else if (Double.isInfinite(got) || Double.isInfinite(want)) {
                d = got == want ? 0.0 : Double.POSITIVE_INFINITY;
            } else {
                d = Math.abs(got - want);
            }
            if (d > worst || worstWhere.equals("-")) {
                worst = Math.max(worst, d);
                if (d == worst) {
                    worstWhere = where;
                }
            }
            if (!(d <= TOL)) {
                failures.add(where + ": got " + got + ", want " + want);
            }
        }

        void array(String where, double[] got, double[] want) {
            assertThat(got).as(where + " length").hasSameSizeAs(want);
            for (int i = 0; i < want.length; i++) {
                value(where + "[" + i + "]", got[i], want[i]);
            }
        }

        void matrix(String where, double[][] got, double[][] want) {
            assertThat(got.length).as(where + " rows").isEqualTo(want.length);
            for (int i = 0; i < want.length; i++) {
                array(where + "[" + i + "]", got[i], want[i]);
            }
        }

        void specialization(String where, SpecializationMetrics got, SpecializationMetrics want) {
            for (String key : NotebookMetrics.SPECIALIZATION_KEYS) {
                value(where + "." + key, NotebookMetrics.scalar(got, key), NotebookMetrics.scalar(want, key));
            }
        }

        void groups(String where, GroupMetrics got, GroupMetrics want) {
            for (String key : NotebookMetrics.GROUP_KEYS) {
                value(where + "." + key, NotebookMetrics.scalar(got, key), NotebookMetrics.scalar(want, key));
            }
        }
    }
}
