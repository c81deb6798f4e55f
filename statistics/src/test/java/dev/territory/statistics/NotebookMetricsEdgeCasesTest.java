package dev.territory.statistics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Degenerate inputs and a hand-computable case, with values derived by hand (not by the code under test). */
class NotebookMetricsEdgeCasesTest {

    // 3 layers x 2 heads; head profiles h0 = (0.2, 0.5, 0.6), h1 = (0.4, 0.5, 1.0)
    static final double[][] HAND = {{0.2, 0.4}, {0.5, 0.5}, {0.6, 1.0}};

    @Test
    void handComputableSpecialization() {
        SpecializationMetrics m = NotebookMetrics.specialization(HAND);
        // layer variances: var(0.2, 0.4) = 0.01, var(0.5, 0.5) = 0, var(0.6, 1.0) = 0.04
        assertThat(m.layerVariances()).containsExactly(new double[] {0.01, 0.0, 0.04}, within(1e-15));
        assertThat(m.meanHeadVariance()).isCloseTo(0.05 / 3, within(1e-15));
        // x30: h0 = (6, 15, 18) dev (-7, 2, 5); h1 = (12, 15, 30) dev (-7, -4, 11): r = 96 / sqrt(78 * 186)
        double r = 96 / Math.sqrt(78.0 * 186.0);
        assertThat(m.headCorrelationMatrix()[0][1]).isCloseTo(r, within(1e-15));
        assertThat(m.headCorrelationMatrix()[1][0]).isCloseTo(r, within(1e-15));
        assertThat(m.headCorrelationMatrix()[0][0]).isCloseTo(1.0, within(1e-15));
        assertThat(m.meanHeadCorrelation()).isCloseTo(r, within(1e-15));
        assertThat(m.specializationIndex()).isCloseTo(1 - r, within(1e-15));
        // head contributions 1.3/3 and 1.9/3 -> p = 13/32, 19/32
        double p = 13.0 / 32, q = 19.0 / 32;
        double bits = -(p * Math.log(p) + q * Math.log(q)) / Math.log(2);
        assertThat(m.effectiveHeads()).isCloseTo(Math.pow(2, bits), within(1e-14));
        assertThat(m.effectiveRatio()).isCloseTo(Math.pow(2, bits) / 2, within(1e-14));
        // third = 1: early = layer 0, middle = layer 1, late = layer 2
        assertThat(m.earlyVariance()).isCloseTo(0.01, within(1e-15));
        assertThat(m.middleVariance()).isEqualTo(0.0);
        assertThat(m.lateVariance()).isCloseTo(0.04, within(1e-15));
        assertThat(m.numLayers()).isEqualTo(3);
        assertThat(m.numHeads()).isEqualTo(2);
    }

    @Test
    void singleKvGroupHasZeroBetweenVarianceAndInfiniteRatio() {
        GroupMetrics g = NotebookMetrics.groups(HAND, 1);
        assertThat(g.groupSize()).isEqualTo(2);
        assertThat(g.withinGroupVariance()).isCloseTo(0.05 / 3, within(1e-15));
        assertThat(g.betweenGroupVariance()).isEqualTo(0.0);
        assertThat(g.withinBetweenRatio()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(g.perGroupVariances()).hasSize(1);
    }

    @Test
    void oneHeadPerGroupHasZeroWithinVarianceAndRatioZero() {
        GroupMetrics g = NotebookMetrics.groups(HAND, 2);
        assertThat(g.withinGroupVariance()).isEqualTo(0.0);
        assertThat(g.betweenGroupVariance()).isCloseTo(0.05 / 3, within(1e-15));
        assertThat(g.withinBetweenRatio()).isEqualTo(0.0); // 0 / positive, as in the mistral-mha fixture
        assertThat(g.perGroupVariances()).containsExactly(0.0, 0.0);
    }

    @Test
    void equalGroupMeansGiveZeroBetweenVarianceAndInfiniteRatio() {
        // groups (a, b) and (b, a): identical means in every layer
        double[][] e = {{0.3, 0.7, 0.7, 0.3}, {0.1, 0.9, 0.9, 0.1}, {0.45, 0.55, 0.55, 0.45}};
        GroupMetrics g = NotebookMetrics.groups(e, 2);
        assertThat(g.betweenGroupVariance()).isEqualTo(0.0);
        assertThat(g.withinBetweenRatio()).isEqualTo(Double.POSITIVE_INFINITY);
        // per group: mean over layers of var(a, b) = ((0.2)^2 + (0.4)^2 + (0.05)^2) / 3
        double expected = (0.04 + 0.16 + 0.0025) / 3;
        assertThat(g.perGroupVariances()[0]).isCloseTo(expected, within(1e-15));
        assertThat(g.withinGroupVariance()).isCloseTo(expected, within(1e-15));
        RoleMetrics role =
                NotebookMetrics.aggregate(List.of(new SeedMetrics(42, NotebookMetrics.specialization(e), g, e)));
        assertThat(role.warnings()).anyMatch(w -> w.contains("within_between_ratio is inf"));
    }

    @Test
    void constantHeadProfileGivesNanRowLeftOutOfTheMean() {
        // head 1 is exactly 0.5 in every layer: zero variance, NaN row and column (as np.corrcoef)
        double[][] e = {{0.2, 0.5, 0.4}, {0.5, 0.5, 0.5}, {0.6, 0.5, 1.0}};
        SpecializationMetrics m = NotebookMetrics.specialization(e);
        for (int i = 0; i < 3; i++) {
            assertThat(m.headCorrelationMatrix()[1][i]).isNaN();
            assertThat(m.headCorrelationMatrix()[i][1]).isNaN();
        }
        // heads 0 and 2 are HAND's two heads
        double r = 96 / Math.sqrt(78.0 * 186.0);
        assertThat(m.meanHeadCorrelation()).isCloseTo(r, within(1e-15));
        RoleMetrics role = NotebookMetrics.aggregate(List.of(new SeedMetrics(7, m, NotebookMetrics.groups(e, 3), e)));
        assertThat(role.warnings()).anyMatch(w -> w.contains("head(s) [1]") && w.contains("NaN"));
    }

    @Test
    void allHeadsConstantGivesNanCorrelationAndNoCrash() {
        double[][] e = {{0.5, 0.25}, {0.5, 0.25}, {0.5, 0.25}};
        SpecializationMetrics m = NotebookMetrics.specialization(e);
        assertThat(m.meanHeadCorrelation()).isNaN();
        assertThat(m.specializationIndex()).isNaN();
        assertThat(NotebookMetrics.aggregate(List.of(new SeedMetrics(1, m, NotebookMetrics.groups(e, 1), e)))
                        .warnings())
                .anyMatch(w -> w.contains("mean_head_correlation and specialization_index are NaN"));
    }

    @Test
    void fewerThanThreeLayersGiveNanThirdsAndAWarning() {
        double[][] e = {{0.2, 0.4, 0.3}, {0.6, 0.9, 0.8}};
        SpecializationMetrics m = NotebookMetrics.specialization(e);
        assertThat(m.earlyVariance()).isNaN();
        assertThat(m.middleVariance()).isNaN();
        // late takes everything: mean of var(0.2, 0.4, 0.3) and var(0.6, 0.9, 0.8)
        double v0 = (0.01 + 0.01 + 0.0) / 3; // deviations -0.1, 0.1, 0
        double v1 = (Math.pow(0.6 - 23.0 / 30, 2) + Math.pow(0.9 - 23.0 / 30, 2) + Math.pow(0.8 - 23.0 / 30, 2)) / 3;
        assertThat(m.lateVariance()).isCloseTo((v0 + v1) / 2, within(1e-15));
        // two layers: every correlation is +-1
        assertThat(Math.abs(m.headCorrelationMatrix()[0][1])).isCloseTo(1.0, within(1e-15));
        RoleMetrics role = NotebookMetrics.aggregate(List.of(new SeedMetrics(42, m, NotebookMetrics.groups(e, 3), e)));
        assertThat(role.specialization().earlyVariance()).isNaN();
        assertThat(role.warnings()).anyMatch(w -> w.contains("2 layer(s) < 3") && w.contains("NaN"));

        double[][] one = {{0.2, 0.4, 0.3}};
        SpecializationMetrics single = NotebookMetrics.specialization(one);
        assertThat(single.lateVariance()).isCloseTo(v0, within(1e-15));
        assertThat(single.meanHeadCorrelation()).isNaN(); // corrcoef of one observation: all NaN
    }

    @Test
    void onePromptIsItsOwnMean() {
        double[][][] perPrompt = {HAND};
        SeedMetrics s = NotebookMetrics.seed(42, perPrompt, 1);
        assertThat(s.entropies()).isDeepEqualTo(HAND);
        assertThat(s.specialization().meanHeadVariance()).isCloseTo(0.05 / 3, within(1e-15));
    }

    @Test
    void meanOverPromptsAveragesEachCell() {
        double[][][] perPrompt = {{{0.1, 0.2}}, {{0.3, 0.6}}, {{0.2, 0.1}}};
        double[][] mean = NotebookMetrics.meanOverPrompts(perPrompt);
        assertThat(mean[0][0]).isCloseTo(0.2, within(1e-16));
        assertThat(mean[0][1]).isCloseTo(0.3, within(1e-16));
    }

    @Test
    void headsNotDivisibleByKvHeadsIsAnError() {
        double[][] e = new double[3][12];
        assertThatThrownBy(() -> NotebookMetrics.groups(e, 8))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("12")
                .hasMessageContaining("8");
        assertThatThrownBy(() -> NotebookMetrics.groups(e, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void raggedInputIsAnError() {
        double[][][] perPrompt = {{{0.1, 0.2}}, {{0.3}}};
        assertThatThrownBy(() -> NotebookMetrics.meanOverPrompts(perPrompt)).hasMessageContaining("prompt 1");
    }

    @Test
    void verdictCountsCriteria() {
        RoleMetrics base = role(0.8, 0.2, 0.010, 2.0);
        assertThat(NotebookMetrics.verdict(base, role(0.7, 0.3, 0.005, 3.0)).code())
                .isEqualTo("A_CONFIRMED");
        Verdict partial = NotebookMetrics.verdict(base, role(0.7, 0.3, 0.020, 3.0));
        assertThat(partial.code()).isEqualTo("A_CONFIRMED"); // SI down and correlation up are 2 criteria
        Verdict one = NotebookMetrics.verdict(base, role(0.9, 0.1, 0.005, 1.0));
        assertThat(one.code()).isEqualTo("B_PARTIAL");
        assertThat(one.varianceDecreased()).isTrue();
        assertThat(one.deltaGqaRatio()).isCloseTo(-1.0, within(1e-15));
        assertThat(NotebookMetrics.verdict(base, role(0.9, 0.1, 0.02, 1.0)).code())
                .isEqualTo("C_REFUTED");
        // equal models: no criterion (strict inequalities)
        assertThat(NotebookMetrics.verdict(base, base).code()).isEqualTo("C_REFUTED");
    }

    @Test
    void seedSpreadIsMaxMinusMinAndZeroForIdenticalSeeds() {
        SeedMetrics a = NotebookMetrics.seed(42, new double[][][] {HAND}, 1);
        RoleMetrics same = NotebookMetrics.aggregate(
                List.of(a, new SeedMetrics(123, a.specialization(), a.gqaMetrics(), a.entropies())));
        assertThat(same.seedSpread())
                .containsEntry("specialization_index", 0.0)
                .containsEntry("within_between_ratio", 0.0);
        double[][] shifted = {{0.2, 0.4}, {0.5, 0.5}, {0.6, 1.2}};
        SeedMetrics b = NotebookMetrics.seed(123, new double[][][] {shifted}, 1);
        RoleMetrics differ = NotebookMetrics.aggregate(List.of(a, b));
        assertThat(differ.seedSpread().get("mean_head_variance"))
                .isCloseTo(
                        Math.abs(b.specialization().meanHeadVariance()
                                - a.specialization().meanHeadVariance()),
                        within(1e-15));
        assertThat(differ.specialization().meanHeadVariance())
                .isCloseTo(
                        (a.specialization().meanHeadVariance()
                                        + b.specialization().meanHeadVariance())
                                / 2,
                        within(1e-15));
        assertThat(differ.specialization().layerVariances())
                .isSameAs(a.specialization().layerVariances());
        assertThat(differ.gqaMetrics().perGroupVariances()).isNull();
    }

    private static RoleMetrics role(double si, double corr, double var, double ratio) {
        SpecializationMetrics s =
                new SpecializationMetrics(var, corr, si, 1, 1, new double[0], 0, 0, 0, new double[0][0], 3, 2);
        GroupMetrics g = new GroupMetrics(0, 0, ratio, 1, 2, null);
        return new RoleMetrics(s, g, List.of(), java.util.Map.of(), List.of());
    }
}
