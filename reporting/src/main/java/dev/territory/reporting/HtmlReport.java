package dev.territory.reporting;

import com.fasterxml.jackson.databind.JsonNode;
import dev.territory.contracts.ModelFile;
import dev.territory.contracts.ModelInfo;
import dev.territory.statistics.ProtocolComparison;
import dev.territory.statistics.SpecializationMetrics;
import dev.territory.statistics.Uncertainty;
import dev.territory.statistics.VerdictEvidence;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * report.html: one self-contained page (figure embedded as a data URI, no external resources).
 * Order: verdict (with its uncertainty), metric table with deltas, intervals and p-values, head redundancy
 * beside the cross-layer correlation, comparison, figure, methodology, provenance, warnings.
 */
public final class HtmlReport {

    private HtmlReport() {}

    public static String render(RunReport r, Figure figure) {
        StringBuilder h = new StringBuilder(64 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>")
                .append(esc(
                        "E11-T " + r.description().runId() + ": " + r.evidence().line()))
                .append("</title>\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<style>\n")
                .append(CSS)
                .append("</style></head><body>\n");
        body(h, r, "data:image/png;base64," + Base64.getEncoder().encodeToString(figure.png()));
        h.append("</body></html>\n");
        return h.toString();
    }

    /** The page body without html/head (report-service embeds it in its own page). */
    public static void body(StringBuilder h, RunReport r, String figureSrc) {
        var d = r.description();
        var v = r.verdict();
        h.append("<h1>E11-T run ").append(esc(d.runId())).append("</h1>\n");
        h.append("<section id=\"verdict\" class=\"verdict ")
                .append(esc(v.code()))
                .append(" evidence-")
                .append(esc(r.evidence().evidence().replace(' ', '-')))
                .append("\">\n<div class=\"code\">")
                .append(esc(r.evidence().line()))
                .append("</div>\n<p id=\"headline\">")
                .append(esc(verdictSentence(r)))
                .append("</p>\n");
        Uncertainty.Result u = r.uncertainty();
        h.append("<ul class=\"criteria\">")
                .append(criterion(
                        "Specialization decreased",
                        v.specializationDecreased(),
                        v.deltaSpecialization(),
                        u,
                        "specialization_index"))
                .append(criterion(
                        "Head correlation increased",
                        v.correlationIncreased(),
                        v.deltaCorrelation(),
                        u,
                        "mean_head_correlation"))
                .append(criterion(
                        "Head variance decreased", v.varianceDecreased(), v.deltaVariance(), u, "mean_head_variance"))
                .append("</ul>\n");
        if (u != null) {
            h.append("<p id=\"verdict-uncertainty\" class=\"uncertainty\"><b>")
                    .append(u.significantCount())
                    .append(" of ")
                    .append(u.independentCount())
                    .append(" independent criteria exclude 0 at ")
                    .append(esc(level(u)))
                    .append("</b>: ")
                    .append(esc(u.verdictSummary()))
                    .append(" Paired BCa bootstrap over the prompts (")
                    .append(u.options().resamples())
                    .append(" resamples, seed ")
                    .append(u.options().seed())
                    .append("); paired permutation test (")
                    .append(u.permutationsUsed())
                    .append(u.exactPermutation() ? " assignments, exact" : " random permutations")
                    .append(
                            "), p Holm-adjusted over the independent criteria.</p>\n<p id=\"scope\" class=\"small\">Scope: ")
                    .append(esc(Uncertainty.SCOPE))
                    .append("</p>\n");
        } else {
            h.append("<p id=\"verdict-uncertainty\" class=\"uncertainty none\">Uncertainty: ")
                    .append(esc(
                            r.results().path("statistics").path("uncertainty").asText("not computed")))
                    .append(".</p>\n");
        }
        if (!r.warnings().isEmpty()) {
            h.append("<p class=\"warn-count\">")
                    .append(r.warnings().size())
                    .append(" warning(s) below: read them before citing these numbers.</p>\n");
        }
        h.append("</section>\n");

        h.append("<section id=\"metrics\"><h2>Metrics (")
                .append(esc(d.base().name()))
                .append(" vs ")
                .append(esc(d.instruct().name()))
                .append(", mean of ")
                .append(d.methodology().seeds().size())
                .append(
                        " seeds)</h2>\n<table class=\"metrics\"><thead><tr><th>Metric</th><th>Base</th><th>Instruct</th>"
                                + "<th>Δ (instruct − base)</th><th>Δ ")
                .append(u == null ? "" : esc(level(u)) + " ")
                .append(
                        "interval</th><th>p (permutation)</th><th>Seed spread (base / instruct)</th></tr></thead><tbody>\n");
        SpecializationMetrics bs = r.base().specialization();
        SpecializationMetrics is = r.instruct().specialization();
        row(
                h,
                r,
                "Specialization Index",
                "specialization_index",
                bs.specializationIndex(),
                is.specializationIndex(),
                "%.4f");
        row(
                h,
                r,
                "Mean Head Correlation",
                "mean_head_correlation",
                bs.meanHeadCorrelation(),
                is.meanHeadCorrelation(),
                "%.4f");
        if (u != null) {
            row(
                    h,
                    r,
                    "Within-layer Head Redundancy",
                    Uncertainty.REDUNDANCY,
                    u.basePoint().get(Uncertainty.REDUNDANCY),
                    u.instructPoint().get(Uncertainty.REDUNDANCY),
                    "%.4f");
        }
        row(h, r, "Mean Head Variance", "mean_head_variance", bs.meanHeadVariance(), is.meanHeadVariance(), "%.6f");
        row(h, r, "Effective Heads", "effective_heads", bs.effectiveHeads(), is.effectiveHeads(), "%.4f");
        row(h, r, "Effective Ratio", "effective_ratio", bs.effectiveRatio(), is.effectiveRatio(), "%.4f");
        row(h, r, "Early-layer Variance", "early_variance", bs.earlyVariance(), is.earlyVariance(), "%.6f");
        row(h, r, "Middle-layer Variance", "middle_variance", bs.middleVariance(), is.middleVariance(), "%.6f");
        row(h, r, "Late-layer Variance", "late_variance", bs.lateVariance(), is.lateVariance(), "%.6f");
        row(
                h,
                r,
                "Within-group Variance",
                "within_group_variance",
                r.base().gqaMetrics().withinGroupVariance(),
                r.instruct().gqaMetrics().withinGroupVariance(),
                "%.6f");
        row(
                h,
                r,
                "Between-group Variance",
                "between_group_variance",
                r.base().gqaMetrics().betweenGroupVariance(),
                r.instruct().gqaMetrics().betweenGroupVariance(),
                "%.6f");
        row(
                h,
                r,
                "KV-group Within/Between Ratio",
                "within_between_ratio",
                r.base().gqaMetrics().withinBetweenRatio(),
                r.instruct().gqaMetrics().withinBetweenRatio(),
                "%.4f");
        h.append("</tbody></table>\n");
        if (u != null) {
            h.append("<p class=\"small\">Intervals: BCa bootstrap over the prompts (bias correction from the resamples,"
                    + " acceleration from the jackknife over prompts; paired for the deltas; the plain percentile"
                    + " intervals are in results.json); p: paired permutation test of the delta, two-sided, raw and"
                    + " Holm-adjusted over the metric family. Computed on one seed (the seeds agree: see the seed"
                    + " spread).</p>\n");
            redundancy(h, r, u);
        }
        h.append("</section>\n");
        protocolComparison(h, r.results().path("statistics").path("protocol_comparison"));
        headExtras(h, r.results().path("statistics").path("head_extras"));

        MhaComparison c = r.comparison();
        h.append("<section id=\"comparison\"><h2>Comparison with ")
                .append(esc(r.reference().displayLabel()))
                .append("</h2>\n<table class=\"comparison\"><thead><tr><th></th><th>Reference: ")
                .append(esc(c.referenceModel() + " (" + c.referenceArchitecture() + ")"))
                .append("</th><th>This run: ")
                .append(esc(c.runModel() + " (" + c.runArchitecture() + ")"))
                .append("</th><th>Same direction?</th></tr></thead><tbody>\n");
        h.append("<tr><td>Δ Specialization Index</td><td>")
                .append(fmt("%+.4f", c.referenceDeltaSpecialization()))
                .append("</td><td>")
                .append(fmt("%+.4f", c.runDeltaSpecialization()))
                .append("</td><td>")
                .append(c.sameDirectionSpecialization() ? "YES" : "NO")
                .append("</td></tr>\n");
        h.append("<tr><td>Δ Head Correlation</td><td>")
                .append(fmt("%+.4f", c.referenceDeltaCorrelation()))
                .append("</td><td>")
                .append(fmt("%+.4f", c.runDeltaCorrelation()))
                .append("</td><td>")
                .append(c.sameDirectionCorrelation() ? "YES" : "NO")
                .append("</td></tr>\n");
        h.append("<tr><td>dtype</td><td>")
                .append(esc(c.referenceDtype()))
                .append("</td><td>")
                .append(esc(c.runDtype()))
                .append("</td><td>")
                .append(c.sameDtype() ? "same" : "DIFFERENT")
                .append("</td></tr>\n");
        h.append("<tr><td>Verdict</td><td>")
                .append(esc(c.referenceVerdict()))
                .append("</td><td>")
                .append(esc(c.runVerdict()))
                .append("</td><td></td></tr>\n</tbody></table>\n<p class=\"interpretation\">")
                .append(esc(c.interpretation()))
                .append("</p><p class=\"small\">Reference source: ")
                .append(esc(c.referenceSource()))
                .append("</p></section>\n");

        h.append("<section id=\"figure\"><h2>Figure</h2>\n<img id=\"figure-img\" alt=\"Six-panel E11-T figure\" src=\"")
                .append(esc(figureSrc))
                .append("\" width=\"")
                .append(Figure.WIDTH)
                .append("\" height=\"")
                .append(Figure.HEIGHT)
                .append("\"></section>\n");

        JsonNode meth = r.results().path("methodology");
        h.append("<section id=\"methodology\"><h2>Methodology</h2>\n<table class=\"kv\">");
        meth.fields()
                .forEachRemaining(e -> kv(
                        h,
                        e.getKey(),
                        e.getValue().isTextual()
                                ? e.getValue().asText()
                                : e.getValue().toString()));
        kv(h, "prompt_set", d.methodology().promptSet());
        h.append("</table></section>\n");

        h.append("<section id=\"provenance\"><h2>Provenance</h2>\n<table class=\"kv\">");
        for (java.util.Map.Entry<String, ModelInfo> e : d.models().entrySet()) {
            ModelInfo m = e.getValue();
            String role = e.getKey();
            kv(
                    h,
                    role + " model",
                    m.name() + " — " + Architecture.label(m) + ", " + m.numLayers() + " layers, head_dim " + m.headDim()
                            + ", " + m.modelType() + ", stored as " + m.storageDtype());
            kv(h, role + " source", m.source() + (m.revision() == null ? "" : " @ " + m.revision()));
            for (ModelFile f : m.weightFiles()) {
                kv(h, role + " " + f.name(), f.sizeBytes() + " bytes, sha256 " + f.sha256());
            }
        }
        kv(h, "engine version", d.engineVersion());
        d.libraryVersions().entrySet().stream()
                .sorted(java.util.Map.Entry.comparingByKey())
                .forEach(e -> kv(h, e.getKey(), e.getValue()));
        kv(h, "protocol", d.methodology().protocol());
        kv(h, "started", d.startedAt().toString());
        h.append("</table></section>\n");

        h.append("<section id=\"warnings\"><h2>Warnings</h2>\n");
        if (r.warnings().isEmpty()) {
            h.append("<p>None.</p>");
        } else {
            h.append("<ul>");
            r.warnings().forEach(w -> h.append("<li>").append(esc(w)).append("</li>\n"));
            h.append("</ul>");
        }
        h.append("</section>\n");
    }

    /** e11-v3 against attendable on the same pass: cases that differ, each verdict metric under both, verdicts. */
    static void protocolComparison(StringBuilder h, JsonNode pc) {
        if (pc.isMissingNode()) {
            return;
        }
        h.append("<section id=\"protocols\"><h2>Protocols e11-v3, masked, attendable</h2>\n");
        if (!pc.isObject()) {
            h.append("<p class=\"small\">").append(esc(pc.asText())).append(".</p></section>\n");
            return;
        }
        h.append("<p>The notebook (e11-v3) averages the padded query rows too and normalizes by log2 of the count of "
                        + "mean weights that did not underflow to 0; masked averages real rows only (same normalizer); attendable "
                        + "also normalizes by log2 of the keys the real rows could attend to. So e11-v3 → masked isolates the "
                        + "padded rows and masked → attendable the normalizer. Cases (prompt, layer, head) of e11-v3 → attendable "
                        + "whose count differs and whose entropy moves by more than ")
                .append(esc(pc.path("threshold").asText()))
                .append(": ");
        for (String role : ProtocolComparison.ROLES) {
            JsonNode cs = pc.path("cases").path(role);
            h.append(role)
                    .append(" <b>")
                    .append(cs.path("differing").asInt())
                    .append(" of ")
                    .append(cs.path("cases").asInt())
                    .append("</b> (")
                    .append(fmt("%.1f", 100 * Json.toDouble(cs.path("share"))))
                    .append("%)")
                    .append(role.equals("base") ? ", " : ".");
        }
        h.append("</p>\n<table class=\"metrics\" id=\"protocol-metrics\"><thead><tr><th>Metric</th><th>Model</th>"
                + "<th>e11-v3</th><th>masked</th><th>attendable</th><th>Move: padded rows</th><th>Move: normalizer</th>"
                + "<th>Move: total</th></tr></thead><tbody>\n");
        for (String key : ProtocolComparison.METRICS) {
            for (String role : List.of("base", "instruct", "delta")) {
                JsonNode m = pc.path("metrics").path(role).path(key);
                h.append("<tr data-metric=\"")
                        .append(esc(key))
                        .append("\" data-role=\"")
                        .append(role)
                        .append("\"><td>")
                        .append(esc(key))
                        .append("</td><td>")
                        .append(role)
                        .append("</td><td>")
                        .append(fmt("%.6f", Json.toDouble(m.path("e11-v3"))))
                        .append("</td><td>")
                        .append(fmt("%.6f", Json.toDouble(m.path("masked"))))
                        .append("</td><td>")
                        .append(fmt("%.6f", Json.toDouble(m.path("attendable"))))
                        .append("</td><td>")
                        .append(fmt("%+.6f", Json.toDouble(m.path("move_padded_rows"))))
                        .append("</td><td>")
                        .append(fmt("%+.6f", Json.toDouble(m.path("move_normalizer"))))
                        .append("</td><td>")
                        .append(fmt("%+.6f", Json.toDouble(m.path("move"))))
                        .append("</td></tr>\n");
            }
        }
        JsonNode v = pc.path("verdict");
        h.append("</tbody></table>\n<p id=\"protocol-verdicts\">Verdict: e11-v3 <b>")
                .append(esc(v.path("e11-v3").asText()))
                .append("</b>, masked <b>")
                .append(esc(v.path("masked").asText()))
                .append("</b>, attendable <b>")
                .append(esc(v.path("attendable").asText()))
                .append("</b>")
                .append(v.path("same").asBoolean() ? " (all the same)." : " (they differ).")
                .append("</p></section>\n");
    }

    /** The lowest-entropy heads of each model with their sink mass and mean row entropy. */
    static void headExtras(StringBuilder h, JsonNode he) {
        if (he.isMissingNode()) {
            return;
        }
        h.append("<section id=\"head-extras\"><h2>Attention sink and row entropy</h2>\n");
        if (!he.isObject()) {
            h.append("<p class=\"small\">").append(esc(he.asText())).append(".</p></section>\n");
            return;
        }
        h.append("<p>How much of a head's low entropy is the attention sink: sink mass is the mean attention weight on "
                        + "the first token; row entropy the mean over real query rows of each row's entropy in bits (Clark et al. "
                        + "2019). Means over the prompts of seed ")
                .append(he.path("seed").asInt())
                .append(".</p>\n");
        h.append("<table class=\"metrics\" id=\"lowest-heads\"><thead><tr><th>Model</th><th>Layer</th><th>Head</th>"
                + "<th>Entropy</th><th>Sink mass</th><th>Row entropy (bits)</th></tr></thead><tbody>\n");
        for (String role : ProtocolComparison.ROLES) {
            for (JsonNode x : he.path(role).path("lowest_entropy_heads")) {
                h.append("<tr><td>")
                        .append(role)
                        .append("</td><td>")
                        .append(x.path("layer").asInt())
                        .append("</td><td>")
                        .append(x.path("head").asInt())
                        .append("</td><td>")
                        .append(fmt("%.4f", Json.toDouble(x.path("entropy"))))
                        .append("</td><td>")
                        .append(fmt("%.4f", Json.toDouble(x.path("sink_mass"))))
                        .append("</td><td>")
                        .append(x.has("row_entropy") ? fmt("%.4f", Json.toDouble(x.path("row_entropy"))) : "")
                        .append("</td></tr>\n");
            }
        }
        h.append("</tbody></table>\n<p class=\"small\">Across heads, correlation of entropy with sink mass: base ")
                .append(fmt("%.3f", Json.toDouble(he.path("base").path("correlation_entropy_sink_mass"))))
                .append(", instruct ")
                .append(fmt("%.3f", Json.toDouble(he.path("instruct").path("correlation_entropy_sink_mass"))))
                .append("; mean sink mass: base ")
                .append(fmt("%.3f", Json.toDouble(he.path("base").path("mean_sink_mass"))))
                .append(", instruct ")
                .append(fmt("%.3f", Json.toDouble(he.path("instruct").path("mean_sink_mass"))))
                .append(".</p></section>\n");
    }

    /**
     * The headline: what the intervals support, then the notebook's count on point estimates, e.g.
     * "llama3-gqa-base → llama3-gqa-instruct (GQA 4:1 ...): inconclusive: no independent criterion's 95%
     * interval excludes 0 ... The notebook's rule: 2 of 3 collapse criteria hold on the point estimates."
     */
    public static String verdictSentence(RunReport r) {
        var e = r.evidence();
        return r.description().base().name() + " → "
                + r.description().instruct().name() + " ("
                + Architecture.label(r.description().base()) + "): " + e.meaning() + ". The notebook's rule: "
                + r.verdict().criteriaMet() + " of 3 collapse criteria hold on the point estimates."
                + (e.canonicalPrompts()
                        ? ""
                        : " Prompts: " + VerdictEvidence.NON_CANONICAL + " (MD5 "
                                + r.description().methodology().promptMd5() + "), not comparable with E11.");
    }

    private static String criterion(String name, boolean holds, double delta, Uncertainty.Result u, String metric) {
        StringBuilder li = new StringBuilder("<li class=\"" + (holds ? "yes" : "no") + "\">" + esc(name) + ": <b>"
                + (holds ? "YES" : "NO") + "</b> (" + fmt("%+.6f", delta));
        if (u != null) {
            Uncertainty.Criterion c = u.criteria().stream()
                    .filter(x -> x.deltaMetric().equals(metric))
                    .findFirst()
                    .orElse(null);
            if (c != null) {
                li.append(", ")
                        .append(esc(level(u)))
                        .append(" BCa interval ")
                        .append(interval("%+.6f", c.interval()))
                        .append(", p = ")
                        .append(fmt("%.3g", c.pValue()));
                if (c.independent()) {
                    li.append(", Holm p = ")
                            .append(fmt("%.3g", c.pHolm()))
                            .append(c.significant() ? ", excludes 0" : ", includes 0");
                } else {
                    li.append("; the same measurement as the specialization index, not counted again");
                }
            }
        }
        return li.append(")</li>").toString();
    }

    private static void row(StringBuilder h, RunReport r, String name, String key, double b, double i, String f) {
        Double sb = r.base().seedSpread() == null ? null : r.base().seedSpread().get(key);
        Double si = r.instruct().seedSpread() == null
                ? null
                : r.instruct().seedSpread().get(key);
        Uncertainty.Result u = r.uncertainty();
        String signed = f.replace("%", "%+");
        h.append("<tr data-metric=\"")
                .append(esc(key))
                .append("\"><td>")
                .append(esc(name))
                .append("</td><td>")
                .append(fmt(f, b))
                .append(ci(f, u == null ? null : u.base().get(key)))
                .append("</td><td>")
                .append(fmt(f, i))
                .append(ci(f, u == null ? null : u.instruct().get(key)))
                .append("</td><td class=\"delta\">")
                .append(fmt(signed, i - b))
                .append("</td><td class=\"interval\">")
                .append(
                        u == null || u.delta().get(key) == null
                                ? ""
                                : interval(signed, u.delta().get(key)))
                .append("</td><td class=\"p\">")
                .append(
                        u == null || u.pValues().get(key) == null
                                ? ""
                                : fmt("%.3g", u.pValues().get(key)))
                .append("</td><td>")
                .append(sb == null ? "" : fmt("%.2g", sb))
                .append(" / ")
                .append(si == null ? "" : fmt("%.2g", si))
                .append("</td></tr>\n");
    }

    private static String ci(String f, Uncertainty.Interval iv) {
        return iv == null ? "" : " <span class=\"ci\">" + interval(f, iv) + "</span>";
    }

    static String interval(String f, Uncertainty.Interval iv) {
        return "[" + fmt(f, iv.low()) + ", " + fmt(f, iv.high()) + "]";
    }

    private static String level(Uncertainty.Result u) {
        double pct = u.options().level() * 100;
        return (pct == Math.rint(pct) ? String.valueOf((long) pct) : String.valueOf(pct)) + "%";
    }

    /** Within-layer head redundancy per layer, beside the notebook's cross-layer correlation. */
    private static void redundancy(StringBuilder h, RunReport r, Uncertainty.Result u) {
        double cb = r.base().specialization().meanHeadCorrelation();
        double ci = r.instruct().specialization().meanHeadCorrelation();
        double rb = u.baseRedundancy().overall();
        double ri = u.instructRedundancy().overall();
        h.append(
                "<div id=\"redundancy\"><h3>Head redundancy within layers, beside the notebook's cross-layer correlation"
                        + "</h3>\n<table class=\"redundancy\"><thead><tr><th></th><th>Base</th><th>Instruct</th><th>Δ</th>"
                        + "</tr></thead><tbody>\n");
        h.append(
                        "<tr class=\"cross\"><td>Cross-layer head correlation (notebook: head i of every layer paired)</td><td>")
                .append(fmt("%.4f", cb))
                .append("</td><td>")
                .append(fmt("%.4f", ci))
                .append("</td><td>")
                .append(fmt("%+.4f", ci - cb))
                .append("</td></tr>\n");
        h.append("<tr class=\"within\"><td>Within-layer head redundancy (heads of one layer, across prompts), overall"
                        + "</td><td>")
                .append(fmt("%.4f", rb))
                .append("</td><td>")
                .append(fmt("%.4f", ri))
                .append("</td><td>")
                .append(fmt("%+.4f", ri - rb))
                .append("</td></tr>\n");
        double[] pb = u.baseRedundancy().perLayer();
        double[] pi = u.instructRedundancy().perLayer();
        for (int l = 0; l < Math.min(pb.length, pi.length); l++) {
            h.append("<tr class=\"layer\"><td>layer ")
                    .append(l)
                    .append("</td><td>")
                    .append(fmt("%.4f", pb[l]))
                    .append("</td><td>")
                    .append(fmt("%.4f", pi[l]))
                    .append("</td><td>")
                    .append(fmt("%+.4f", pi[l] - pb[l]))
                    .append("</td></tr>\n");
        }
        h.append("</tbody></table>\n<p class=\"small\">Heads are comparable only within a layer, where they share an "
                + "input; the cross-layer correlation's pairing of head i in every layer has no architectural meaning."
                + "</p></div>\n");
    }

    private static void kv(StringBuilder h, String k, String v) {
        h.append("<tr><th>").append(esc(k)).append("</th><td>").append(esc(v)).append("</td></tr>\n");
    }

    static String fmt(String f, double v) {
        if (Double.isNaN(v)) {
            return "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        return String.format(Locale.ROOT, f, v);
    }

    public static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(ch);
            }
        }
        return b.toString();
    }

    public static final String CSS = """
            body{font-family:system-ui,-apple-system,'DejaVu Sans',sans-serif;margin:2em auto;max-width:1850px;padding:0 1em;color:#222}
            h1{font-size:1.5em;margin-bottom:.3em}
            .verdict{border-radius:8px;padding:1em 1.5em;margin-bottom:1.5em;border:2px solid #888}
            .verdict .code{font-size:2.2em;font-weight:bold}
            .verdict.A_CONFIRMED{background:#fdecea;border-color:#e74c3c}
            .verdict.B_PARTIAL{background:#fff8e1;border-color:#f1c40f}
            .verdict.C_REFUTED{background:#e9f7ef;border-color:#2ecc71}
            .criteria li.yes b{color:#c0392b}.criteria li.no b{color:#27ae60}
            .warn-count{font-weight:bold;color:#a04000}
            table{border-collapse:collapse;margin:.5em 0}
            th,td{border:1px solid #ccc;padding:.3em .7em;text-align:left;font-variant-numeric:tabular-nums}
            table.metrics td:not(:first-child),table.comparison td:not(:first-child){text-align:right}
            thead th{background:#f3f3f3}
            table.kv th{background:#fafafa;font-weight:normal;color:#555}
            img{max-width:100%;height:auto;border:1px solid #ddd}
            .small{font-size:.85em;color:#666}
            #warnings li{margin:.3em 0}
            .uncertainty{font-size:1.05em}.uncertainty.none{color:#a04000}
            .ci{color:#666;font-size:.85em;white-space:nowrap}
            table.metrics td.interval{white-space:nowrap}
            table.redundancy td:not(:first-child){text-align:right}
            """;
}
