package dev.territory.statistics;

import java.util.ArrayList;
import java.util.List;

/**
 * The notebook's verdict code with the evidence behind it, one wording for every place a verdict is
 * shown (command line, report headline, run page, figure title, artifact log, {@code results.verdict}).
 *
 * <p>The code is cell 6's, unchanged: two or more of three criteria holding on the point estimates.
 * Two of the three are one measurement ({@link Uncertainty#INDEPENDENT_REASON}), so the evidence
 * counts the two independent criteria (specialization index, mean head variance) whose paired BCa
 * interval of the delta excludes 0: both {@code significant}, one {@code partly significant}, none
 * {@code not significant}; {@code not computed} when there were no per-prompt entropies to resample.
 *
 * @param code the notebook's verdict code
 * @param evidence significant, partly significant, not significant, or not computed
 * @param significant independent criteria whose interval excludes 0 (0 when not computed)
 * @param independent independent criteria (2)
 * @param level e.g. "95%"
 * @param collapseSupported independent criteria that moved towards collapse with the interval excluding 0
 * @param contrarySupported independent criteria that moved away from collapse with the interval excluding 0
 * @param canonicalPrompts whether the prompts are the notebook's Standard-10 v3 (by MD5)
 * @param notComputed why the evidence is missing (null when computed)
 */
public record VerdictEvidence(
        String code,
        String evidence,
        int significant,
        int independent,
        String level,
        List<String> collapseSupported,
        List<String> contrarySupported,
        boolean canonicalPrompts,
        String notComputed) {

    public static final String SIGNIFICANT = "significant";
    public static final String PARTLY = "partly significant";
    public static final String NOT_SIGNIFICANT = "not significant";
    public static final String NOT_COMPUTED = "not computed";
    public static final int INDEPENDENT_CRITERIA = 2;
    public static final String NON_CANONICAL = "non-canonical prompt set";

    /** The evidence of an analysed run. */
    public static VerdictEvidence of(String code, Uncertainty.Result u, boolean canonicalPrompts) {
        int k = u.significantCount();
        int m = u.independentCount();
        String evidence = k == m ? SIGNIFICANT : k == 0 ? NOT_SIGNIFICANT : PARTLY;
        List<String> towards = new ArrayList<>();
        List<String> away = new ArrayList<>();
        for (Uncertainty.Criterion c : u.criteria()) {
            if (c.independent() && c.significant()) {
                (c.holds() ? towards : away).add(words(c.deltaMetric()));
            }
        }
        double pct = u.options().level() * 100;
        String level = (pct == Math.rint(pct) ? String.valueOf((long) pct) : String.valueOf(pct)) + "%";
        return new VerdictEvidence(
                code, evidence, k, m, level, List.copyOf(towards), List.copyOf(away), canonicalPrompts, null);
    }

    /** A verdict without per-prompt data: the code stands alone, and says so. */
    public static VerdictEvidence notComputed(String code, boolean canonicalPrompts, String why) {
        return new VerdictEvidence(
                code, NOT_COMPUTED, 0, INDEPENDENT_CRITERIA, null, List.of(), List.of(), canonicalPrompts, why);
    }

    /** {@code A_CONFIRMED (not significant: 0 of 2 independent criteria exclude 0 at 95%)}. */
    public String line() {
        String inner = notComputed != null
                ? "evidence not computed: no per-prompt entropies to resample"
                : evidence + ": " + significant + " of " + independent + " independent criteria exclude 0 at " + level;
        return code + " (" + inner + (canonicalPrompts ? "" : "; " + NON_CANONICAL) + ")";
    }

    /** What the data support, in words that never claim more than the intervals do. */
    public String meaning() {
        if (notComputed != null) {
            return "the notebook's rule on point estimates only; without intervals this is not evidence for or against"
                    + " territorial collapse";
        }
        if (collapseSupported.size() == independent) {
            return "territorial collapse: fine-tuning lowered both the specialization index and the head variance, each"
                    + " delta's " + level + " interval excluding 0";
        }
        if (!collapseSupported.isEmpty() && !contrarySupported.isEmpty()) {
            return "mixed: the " + String.join(" and the ", collapseSupported) + " moved towards collapse and the "
                    + String.join(" and the ", contrarySupported) + " away from it, each beyond its " + level
                    + " interval";
        }
        if (!collapseSupported.isEmpty()) {
            return "partial support for territorial collapse: the " + String.join(" and the ", collapseSupported)
                    + " decreased with its " + level + " interval excluding 0; the other independent criterion's"
                    + " interval includes 0";
        }
        if (!contrarySupported.isEmpty()) {
            return "no territorial collapse: the " + String.join(" and the ", contrarySupported)
                    + " moved away from collapse with its " + level + " interval excluding 0";
        }
        return "inconclusive: no independent criterion's " + level + " interval excludes 0, so these prompts do not"
                + " show that fine-tuning changed head specialization"
                + (Verdict.A_CONFIRMED.equals(code) ? " (the notebook's A_CONFIRMED counts point estimates only)" : "");
    }

    private static String words(String metric) {
        return switch (metric) {
            case "specialization_index" -> "specialization index";
            case "mean_head_variance" -> "head variance";
            default -> metric.replace('_', ' ');
        };
    }
}
