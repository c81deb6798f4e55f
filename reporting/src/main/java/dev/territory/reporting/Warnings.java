package dev.territory.reporting;

import dev.territory.contracts.ModelInfo;
import dev.territory.contracts.PromptSets;
import dev.territory.statistics.RoleMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The sentences a reader must see before trusting a run's numbers. */
final class Warnings {

    private Warnings() {}

    static List<String> collect(
            RunDescription run,
            RoleMetrics base,
            RoleMetrics instruct,
            ComparisonReference reference,
            MhaComparison comparison) {
        List<String> out = new ArrayList<>();
        ModelInfo b = run.base();
        ModelInfo i = run.instruct();
        if (reference.builtInE11()) {
            out.add(
                    "The built-in E11 reference is labelled MHA, but Mistral-7B's own config.json has 32 query heads and "
                            + "8 KV heads (GQA 4:1), so the notebook's \"MHA\" arm is in fact GQA.");
        } else if (reference.mislabelled()) {
            out.add("The reference " + reference.model() + " is labelled " + reference.claimedArchitecture()
                    + " by its source, but its head counts make it " + reference.architectureFromConfig() + ".");
        }
        if (comparison.referenceArchitecture().equals(comparison.runArchitecture())) {
            out.add("This run (" + Architecture.label(b) + ") and the reference (" + comparison.referenceArchitecture()
                    + ") have the same kind of attention, so the comparison cannot separate MHA from GQA effects.");
        }
        if (b.numHeads() != i.numHeads() || b.numKvHeads() != i.numKvHeads() || b.numLayers() != i.numLayers()) {
            out.add("Base (" + b.numLayers() + " layers, " + Architecture.label(b) + ") and instruct (" + i.numLayers()
                    + " layers, " + Architecture.label(i)
                    + ") differ in shape; their metrics are not comparable head for head.");
        }
        if (b.groupSize() == 1) {
            out.add("Every KV group of " + b.name() + " holds one query head (" + Architecture.label(b)
                    + "), so the within-group variance is 0 by construction and the within/between ratio says nothing "
                    + "about KV sharing.");
        }
        if (b.numLayers() % 3 != 0) {
            int third = b.numLayers() / 3;
            out.add(String.format(
                    Locale.ROOT,
                    "%d layers do not split into equal thirds: the notebook's early/middle/late slices hold %d/%d/%d layers.",
                    b.numLayers(),
                    third,
                    third,
                    b.numLayers() - 2 * third));
        }
        Methodology m = run.methodology();
        if (!PromptSets.STANDARD_10_V3_MD5.equalsIgnoreCase(m.promptMd5())) {
            out.add("The prompts are not Standard-10 v3 (MD5 " + m.promptMd5() + ", expected "
                    + PromptSets.STANDARD_10_V3_MD5 + "); the numbers are not comparable with E11 results.");
        }
        if (!"bfloat16".equalsIgnoreCase(m.dtype())) {
            out.add("The forward pass ran in " + m.dtype() + "; the notebook ran in bfloat16. Measured on the fixture "
                    + "pairs, float32 against bfloat16 moves per-prompt entropies by up to 0.17 (0.019 on the "
                    + "well-conditioned pairs), the specialization index by up to 8e-3 and the instruct-minus-base "
                    + "specialization delta by up to 0.015 (34-43% of it on the stress pairs, under 2% on the calm ones): "
                    + "compare deltas only with runs of the same dtype.");
        }
        if (!"e11-v3".equals(m.protocol())) {
            out.add("Entropy protocol " + m.protocol() + " differs from the notebook's e11-v3; the numbers are not the "
                    + "notebook's.");
        }
        if (m.seeds().size() > 1 && allZero(base.seedSpread()) && allZero(instruct.seedSpread())) {
            out.add("All " + m.seeds().size()
                    + " seeds gave identical metrics (the forward pass is deterministic), so the "
                    + "notebook's seed averaging is a no-op and says nothing about variability.");
        }
        addRole(out, "base", base.warnings());
        addRole(out, "instruct", instruct.warnings());
        return out;
    }

    private static void addRole(List<String> out, String role, List<String> warnings) {
        if (warnings == null) {
            return;
        }
        for (String w : warnings) {
            String sentence = role.substring(0, 1).toUpperCase(Locale.ROOT) + role.substring(1) + ": " + w;
            if (!out.contains(sentence)) {
                out.add(sentence);
            }
        }
    }

    private static boolean allZero(Map<String, Double> spread) {
        if (spread == null || spread.isEmpty()) {
            return false;
        }
        return spread.values().stream().allMatch(v -> v != null && v == 0.0);
    }
}
