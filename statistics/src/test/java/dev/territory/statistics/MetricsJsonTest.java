package dev.territory.statistics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsJsonTest {

    @Test
    void nonFiniteValuesAreStringsAndReadBack() throws Exception {
        double[][] e = {{0.2, 0.4, 0.3}, {0.6, 0.9, 0.8}}; // 2 layers: NaN thirds
        SeedMetrics s = NotebookMetrics.seed(42, new double[][][] {e}, 1); // one group: ratio inf
        RoleMetrics role = NotebookMetrics.aggregate(List.of(s));
        String text = MetricsJson.MAPPER.writeValueAsString(MetricsJson.toJson(role));
        assertThat(text)
                .contains("\"early_variance\" : \"nan\"")
                .contains("\"within_between_ratio\" : \"inf\"")
                .doesNotContain("NaN")
                .doesNotContain("Infinity");
        assertThat(text).doesNotContain("per_group_variances\" : null");
        RoleMetrics back = MetricsJson.readRole(MetricsJson.MAPPER.readTree(text));
        assertThat(back.specialization().earlyVariance()).isNaN();
        assertThat(back.gqaMetrics().withinBetweenRatio()).isInfinite();
        assertThat(back.seedResults().get(0).gqaMetrics().perGroupVariances()).hasSize(1);
        assertThat(back.specialization().layerVariances())
                .containsExactly(role.specialization().layerVariances());
    }

    @Test
    void readsJacksonAndPythonSpellings() throws Exception {
        JsonNode n =
                MetricsJson.MAPPER.readTree("[\"NaN\", \"Infinity\", \"-Infinity\", \"-inf\", NaN, Infinity, 1.5]");
        double[] v = MetricsJson.readArray(n);
        assertThat(v[0]).isNaN();
        assertThat(v[1]).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(v[2]).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(v[3]).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(v[4]).isNaN();
        assertThat(v[5]).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(v[6]).isEqualTo(1.5);
    }
}
