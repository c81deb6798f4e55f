package dev.territory.statistics;

/**
 * The cell-6 verdict: each delta is instruct - base; two or more criteria give
 * {@code A_CONFIRMED}, one {@code B_PARTIAL}, none {@code C_REFUTED}.
 */
public record Verdict(
        String code,
        boolean specializationDecreased,
        boolean correlationIncreased,
        boolean varianceDecreased,
        double deltaSpecialization,
        double deltaCorrelation,
        double deltaVariance,
        double deltaGqaRatio) {

    public static final String A_CONFIRMED = "A_CONFIRMED";
    public static final String B_PARTIAL = "B_PARTIAL";
    public static final String C_REFUTED = "C_REFUTED";

    /** How many of the three collapse criteria hold. */
    public int criteriaMet() {
        return (specializationDecreased ? 1 : 0) + (correlationIncreased ? 1 : 0) + (varianceDecreased ? 1 : 0);
    }
}
