package dev.territory.reporting;

/**
 * The run a new run is compared with (the notebook's {@code E11_MHA_REFERENCE}, cell 2), either the
 * built-in E11 Mistral numbers or a completed run's results.json.
 *
 * @param model display name of the reference model
 * @param claimedArchitecture the label its source gives it (the notebook says "MHA" for Mistral)
 * @param queryHeads query heads per layer from the reference model's config (null when unknown)
 * @param kvHeads KV heads per layer from the reference model's config (null when unknown)
 * @param baseSpecialization specialization index of the base model
 * @param instructSpecialization specialization index of the fine-tuned model
 * @param deltaSpecialization instruct minus base, as the source states it
 * @param baseCorrelation mean head correlation of the base model
 * @param instructCorrelation mean head correlation of the fine-tuned model
 * @param deltaCorrelation instruct minus base, as the source states it
 * @param verdict verdict code of the reference
 * @param dtype dtype its forward pass ran in, plain name ("bfloat16"; "unknown" when its source does not say)
 * @param source "built-in:e11-mistral" or the path of the results.json it came from
 */
public record ComparisonReference(
        String model,
        String claimedArchitecture,
        Integer queryHeads,
        Integer kvHeads,
        double baseSpecialization,
        double instructSpecialization,
        double deltaSpecialization,
        double baseCorrelation,
        double instructCorrelation,
        double deltaCorrelation,
        String verdict,
        String dtype,
        String source) {

    public static final String BUILT_IN_E11 = "built-in:e11-mistral";

    /**
     * The notebook's E11_MHA_REFERENCE, numbers as stated there. Mistral-7B-v0.3's config.json has
     * {@code num_attention_heads = 32} and {@code num_key_value_heads = 8}: the heads are recorded here,
     * and {@link #architectureFromConfig()} says GQA where the notebook says MHA. Computed in
     * bfloat16, as every model the notebook loads ({@code torch_dtype=torch.bfloat16}).
     */
    public static final ComparisonReference E11_MISTRAL = new ComparisonReference(
            "Mistral-7B-v0.3",
            "MHA",
            32,
            8,
            0.7492,
            0.7806,
            +0.0314,
            0.2508,
            0.2194,
            -0.0314,
            "C_REFUTED",
            "bfloat16",
            BUILT_IN_E11);

    public boolean builtInE11() {
        return BUILT_IN_E11.equals(source);
    }

    /** The label the head counts give, or the claimed label when the heads are unknown. */
    public String architectureFromConfig() {
        if (queryHeads == null || kvHeads == null) {
            return claimedArchitecture;
        }
        return Architecture.kind(queryHeads, kvHeads);
    }

    /** True when the claimed label and the head counts disagree. */
    public boolean mislabelled() {
        return queryHeads != null
                && kvHeads != null
                && claimedArchitecture != null
                && !claimedArchitecture.equalsIgnoreCase(architectureFromConfig());
    }

    /** "Mistral-7B-v0.3 (GQA 4:1 (32 query / 8 KV heads); labelled MHA by E11)". */
    public String displayLabel() {
        if (queryHeads == null || kvHeads == null) {
            return model + " (" + claimedArchitecture + ", head counts unknown)";
        }
        String label = model + " (" + Architecture.label(queryHeads, kvHeads);
        return mislabelled() ? label + "; labelled " + claimedArchitecture + " by its source)" : label + ")";
    }
}
