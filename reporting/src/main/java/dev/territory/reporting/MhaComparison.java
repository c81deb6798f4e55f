package dev.territory.reporting;

/**
 * The notebook's cell-7 comparison of this run with a reference: do the fine-tuning effects on the
 * specialization index and on the head correlation point the same way? The direction test is the
 * notebook's {@code (ref > 0) == (run > 0)}, so a delta of exactly 0 counts as "not up". Each side
 * states the dtype it was computed in: bfloat16 against float32 alone moves the specialization
 * delta by 30-50% on the fixtures.
 */
public record MhaComparison(
        String referenceModel,
        String referenceArchitecture,
        String referenceVerdict,
        double referenceDeltaSpecialization,
        double referenceDeltaCorrelation,
        String runModel,
        String runArchitecture,
        String runVerdict,
        double runDeltaSpecialization,
        double runDeltaCorrelation,
        boolean sameDirectionSpecialization,
        boolean sameDirectionCorrelation,
        String referenceSource,
        String referenceDtype,
        String runDtype) {

    public static MhaComparison of(
            ComparisonReference reference,
            String runModel,
            String runArchitecture,
            String runVerdict,
            double runDeltaSpecialization,
            double runDeltaCorrelation,
            String runDtype) {
        return new MhaComparison(
                reference.model(),
                reference.architectureFromConfig(),
                reference.verdict(),
                reference.deltaSpecialization(),
                reference.deltaCorrelation(),
                runModel,
                runArchitecture,
                runVerdict,
                runDeltaSpecialization,
                runDeltaCorrelation,
                (reference.deltaSpecialization() > 0) == (runDeltaSpecialization > 0),
                (reference.deltaCorrelation() > 0) == (runDeltaCorrelation > 0),
                reference.source(),
                reference.dtype(),
                runDtype);
    }

    /** Whether both sides are known to have been computed in the same dtype. */
    public boolean sameDtype() {
        return referenceDtype != null && referenceDtype.equalsIgnoreCase(runDtype);
    }

    public boolean architectureInvariant() {
        return sameDirectionSpecialization && sameDirectionCorrelation;
    }

    /** Whether both sides have the same kind of attention, so that invariance across MHA and GQA cannot be judged. */
    public boolean sameAttention() {
        return referenceArchitecture.equals(runArchitecture);
    }

    /**
     * The invariant/dependent label: "not applicable: both GQA" when both sides have the same kind of
     * attention (the built-in E11 Mistral-7B reference is GQA 32/8), else the notebook's label.
     */
    public String label() {
        if (sameAttention()) {
            return "not applicable: both " + runArchitecture;
        }
        return architectureInvariant() ? "ARCHITECTURE-INVARIANT" : "ARCHITECTURE-DEPENDENT";
    }

    /** The notebook's interpretation, with the architectures named as their configs give them. */
    public String interpretation() {
        String pairLabel = referenceArchitecture + " (" + referenceModel + ", " + referenceDtype + ") and "
                + runArchitecture + " (" + runModel + ", " + runDtype + ")";
        if (sameAttention()) {
            return label().toUpperCase(java.util.Locale.ROOT).charAt(0) + label().substring(1) + ": " + pairLabel
                    + " have the same kind of attention, so the comparison says nothing about MHA versus GQA. The"
                    + " fine-tuning effects point the " + (sameDirectionSpecialization ? "same" : "opposite")
                    + " way for specialization and the " + (sameDirectionCorrelation ? "same" : "opposite")
                    + " way for head correlation." + dtypeNote();
        }
        if (architectureInvariant()) {
            String s = "ARCHITECTURE-INVARIANT: " + pairLabel
                    + " show the same direction of fine-tuning effect on specialization and head correlation.";
            return s + dtypeNote();
        }
        String s = "ARCHITECTURE-DEPENDENT: " + pairLabel + " show different directions of fine-tuning effect ("
                + (sameDirectionSpecialization ? "same" : "opposite") + " for specialization, "
                + (sameDirectionCorrelation ? "same" : "opposite") + " for head correlation).";
        return s + dtypeNote();
    }

    private String dtypeNote() {
        return sameDtype()
                ? ""
                : " The two sides ran in different dtypes (" + referenceDtype + " and " + runDtype
                        + "), which alone moves the deltas compared here (see the dtype warning).";
    }
}
