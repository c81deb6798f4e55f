package dev.territory.reporting;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.statistics.RoleMetrics;
import dev.territory.statistics.Uncertainty;
import dev.territory.statistics.Verdict;
import dev.territory.statistics.VerdictEvidence;
import java.util.List;

/**
 * A finished run as reports need it: the inputs, what was derived from them, and the results
 * document (the notebook's cell-9 JSON plus provenance, warnings and statistics). Built by
 * {@link ResultsAssembler}; written by {@link RunWriter}.
 *
 * @param entropies per-prompt entropies for the exports (may be empty when only metrics are known)
 * @param uncertainty bootstrap, permutation test and head redundancy (null when not computed:
 *     {@code results.statistics.uncertainty} says why)
 * @param evidence the verdict code with its evidence: the one wording of the verdict wherever it is shown
 */
public record RunReport(
        RunDescription description,
        RoleMetrics base,
        RoleMetrics instruct,
        Verdict verdict,
        ComparisonReference reference,
        MhaComparison comparison,
        List<String> warnings,
        List<EntropyRecord> entropies,
        ObjectNode results,
        Uncertainty.Result uncertainty,
        VerdictEvidence evidence) {

    public RunReport {
        warnings = List.copyOf(warnings);
        entropies = entropies == null ? List.of() : List.copyOf(entropies);
    }

    /** Display name of the run's model pair (the base model's name). */
    public String modelName() {
        return description.base().name();
    }
}
