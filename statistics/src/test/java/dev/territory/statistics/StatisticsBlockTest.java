package dev.territory.statistics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The statistics block survives the trip through an event's JSON: the report reads back what was computed. */
class StatisticsBlockTest {

    static List<PromptReductions> prompts(String role, double[][][] perPrompt) {
        List<PromptReductions> out = new ArrayList<>();
        for (int p = 0; p < perPrompt.length; p++) {
            out.add(new PromptReductions(role, 42, p, perPrompt[p], null, null, null, 10 + p));
        }
        return out;
    }

    @Test
    void uncertaintyReadBackFromTextWritesTheSameBlockAndEvidence() throws Exception {
        RoleMetrics base = NotebookMetrics.aggregate(List.of(NotebookMetrics.seed(42, UncertaintyTest.BASE, 2)));
        RoleMetrics instruct =
                NotebookMetrics.aggregate(List.of(NotebookMetrics.seed(42, UncertaintyTest.INSTRUCT, 2)));
        List<PromptReductions> entropies = new ArrayList<>(prompts("base", UncertaintyTest.BASE));
        entropies.addAll(prompts("instruct", UncertaintyTest.INSTRUCT));
        StatisticsBlock block = StatisticsBlock.compute(
                new StatisticsBlock.Run(List.of(42), "e11-v3", 2),
                base,
                instruct,
                entropies,
                new Uncertainty.Options(200, 300, 42, 0.95));
        assertThat(block.uncertainty()).isNotNull();
        assertThat(block.json().get("protocol_comparison").asText()).startsWith("not computed");

        String text = MetricsJson.MAPPER.writeValueAsString(block.uncertaintyJson());
        StatisticsBlock back = StatisticsBlock.read(block.json().deepCopy(), MetricsJson.MAPPER.readTree(text));
        ObjectNode again = JsonNodeFactory.instance.objectNode();
        Uncertainty.writeTo(again, back.uncertainty());
        ObjectNode first = JsonNodeFactory.instance.objectNode();
        Uncertainty.writeTo(first, block.uncertainty());
        assertThat(again).isEqualTo(first);
        assertThat(back.uncertainty().basePoint()).isEqualTo(block.uncertainty().basePoint());
        assertThat(VerdictEvidence.of("A_CONFIRMED", back.uncertainty(), true))
                .isEqualTo(VerdictEvidence.of("A_CONFIRMED", block.uncertainty(), true));
        // the length-partialled redundancy holds NaN-free arrays; a NaN survives as well
        JsonNode withNan =
                MetricsJson.MAPPER.readTree(text.replaceFirst("\"overall\" : [-0-9.eE]+", "\"overall\" : \"NaN\""));
        assertThat(StatisticsBlock.read(block.json(), withNan)
                        .uncertainty()
                        .baseRedundancy()
                        .overall())
                .isNaN();
    }

    @Test
    void withoutEntropiesTheBlockSaysWhyAndReadsBackWithoutUncertainty() {
        RoleMetrics base = NotebookMetrics.aggregate(List.of(NotebookMetrics.seed(42, UncertaintyTest.BASE, 2)));
        StatisticsBlock block = StatisticsBlock.compute(
                new StatisticsBlock.Run(List.of(42), "e11-v3", 2),
                base,
                base,
                List.of(),
                Uncertainty.Options.defaults());
        assertThat(block.uncertainty()).isNull();
        assertThat(block.uncertaintyJson()).isNull();
        assertThat(block.skipped()).startsWith("not computed: this report has no per-prompt entropies");
        StatisticsBlock back = StatisticsBlock.read(block.json(), null);
        assertThat(back.skipped()).isEqualTo(block.skipped());
        assertThat(block.json()
                        .get("seed_spread")
                        .get("base")
                        .get("specialization_index")
                        .asDouble())
                .isEqualTo(0.0);
    }
}
