package dev.territory.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** The comparison PipelineChainTest relies on: it ignores the volatile fields and nothing else. */
class GoldenResultsTest {

    static JsonNode golden() throws Exception {
        return new ObjectMapper().readTree(GoldenResultsTest.class.getResourceAsStream(GoldenResults.PIPELINE_GOLDEN));
    }

    @Test
    void volatileFieldsAreIgnoredAndAnyOtherChangeIsFound() throws Exception {
        JsonNode golden = golden();
        ObjectNode other = golden.deepCopy();
        other.put("run_id", "another");
        other.put("started_at", "2030-01-01T00:00:00Z");
        ((ObjectNode) other.get("config")).put("base", "/elsewhere/llama3-gqa-base");
        ((ObjectNode) other.at("/provenance/models/instruct")).put("source", "/elsewhere/llama3-gqa-instruct");
        ObjectNode runtime = (ObjectNode) other.get("runtime");
        JsonNode dtype = runtime.remove("dtype");
        runtime.set("dtype", dtype); // another JVM's Map.of order
        assertThat(GoldenResults.differences(golden, other)).isEmpty();

        ObjectNode moved = golden.deepCopy();
        ArrayNode interval = (ArrayNode) moved.at("/statistics/bootstrap/delta/specialization_index");
        interval.set(0, interval.get(0).asDouble() + 1e-9);
        assertThat(GoldenResults.differences(golden, moved))
                .singleElement()
                .asString()
                .startsWith("/statistics/bootstrap/delta/specialization_index/0: ");
        assertThat(GoldenResults.largestNumberDifference(golden, moved))
                .isCloseTo(1e-9, org.assertj.core.data.Offset.offset(1e-15));

        ObjectNode dropped = golden.deepCopy();
        ((ObjectNode) dropped.get("statistics")).remove("head_extras");
        assertThat(GoldenResults.differences(golden, dropped))
                .singleElement()
                .asString()
                .startsWith("/statistics: keys");

        ObjectNode text = golden.deepCopy();
        ((ObjectNode) text.get("statistics")).put("uncertainty", "not computed");
        assertThat(GoldenResults.differences(golden, text)).hasSize(1);
    }

    @Test
    void theGoldenRunHasEveryStatistic() throws Exception {
        JsonNode st = golden().get("statistics");
        assertThat(st.get("uncertainty").asText()).startsWith("computed on the per-prompt entropies of seed 42");
        assertThat(st.at("/protocol_comparison/cases_seed").asInt()).isEqualTo(42);
        assertThat(st.at("/head_extras/base/prompts").asInt()).isEqualTo(10);
        assertThat(st.at("/head_redundancy/length_partialled/base/overall").isNumber())
                .isTrue();
        assertThat(st.at("/permutation/permutations").asInt()).isEqualTo(1024);
    }
}
