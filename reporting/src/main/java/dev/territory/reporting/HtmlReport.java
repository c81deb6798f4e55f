package dev.territory.reporting;

import com.fasterxml.jackson.databind.JsonNode;
import dev.territory.statistics.SpecializationMetrics;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * report.html: one self-contained page (figure embedded as a data URI, no external resources).
 * Order: verdict, metric table with deltas, comparison, figure, methodology, provenance, warnings.
 */
public final class HtmlReport {

    private HtmlReport() {}

    public static String render(RunReport r, Figure figure) {
        StringBuilder h = new StringBuilder(64 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>")
                .append(esc("E11-T " + r.description().runId() + ": " + r.verdict().code())).append("</title>\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<style>\n").append(CSS)
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
        h.append("<section id=\"verdict\" class=\"verdict ").append(esc(v.code())).append("\">\n<div class=\"code\">")
                .append(esc(v.code())).append("</div>\n<p>").append(esc(verdictSentence(r))).append("</p>\n");
        h.append("<ul class=\"criteria\">")
                .append(criterion("Specialization decreased", v.specializationDecreased(), v.deltaSpecialization()))
                .append(criterion("Head correlation increased", v.correlationIncreased(), v.deltaCorrelation()))
                .append(criterion("Head variance decreased", v.varianceDecreased(), v.deltaVariance()))
                .append("</ul>\n");
        if (!r.warnings().isEmpty()) {
            h.append("<p class=\"warn-count\">").append(r.warnings().size())
                    .append(" warning(s) below: read them before citing these numbers.</p>\n");
        }
        h.append("</section>\n");

        h.append("<section id=\"metrics\"><h2>Metrics (").append(esc(d.base().name())).append(" vs ")
                .append(esc(d.instruct().name())).append(", mean of ").append(d.methodology().seeds().size())
                .append(" seeds)</h2>\n<table class=\"metrics\"><thead><tr><th>Metric</th><th>Base</th><th>Instruct</th>"
                        + "<th>Δ (instruct − base)</th><th>Seed spread (base / instruct)</th></tr></thead><tbody>\n");
        SpecializationMetrics bs = r.base().specialization();
        SpecializationMetrics is = r.instruct().specialization();
        row(h, r, "Specialization Index", "specialization_index", bs.specializationIndex(), is.specializationIndex(), "%.4f");
        row(h, r, "Mean Head Correlation", "mean_head_correlation", bs.meanHeadCorrelation(), is.meanHeadCorrelation(), "%.4f");
        row(h, r, "Mean Head Variance", "mean_head_variance", bs.meanHeadVariance(), is.meanHeadVariance(), "%.6f");
        row(h, r, "Effective Heads", "effective_heads", bs.effectiveHeads(), is.effectiveHeads(), "%.4f");
        row(h, r, "Effective Ratio", "effective_ratio", bs.effectiveRatio(), is.effectiveRatio(), "%.4f");
        row(h, r, "Early-layer Variance", "early_variance", bs.earlyVariance(), is.earlyVariance(), "%.6f");
        row(h, r, "Middle-layer Variance", "middle_variance", bs.middleVariance(), is.middleVariance(), "%.6f");
        row(h, r, "Late-layer Variance", "late_variance", bs.lateVariance(), is.lateVariance(), "%.6f");
        row(h, r, "Within-group Variance", "within_group_variance", r.base().gqaMetrics().withinGroupVariance(),
                r.instruct().gqaMetrics().withinGroupVariance(), "%.6f");
        row(h, r, "Between-group Variance", "between_group_variance", r.base().gqaMetrics().betweenGroupVariance(),
                r.instruct().gqaMetrics().betweenGroupVariance(), "%.6f");
        row(h, r, "KV-group Within/Between Ratio", "within_between_ratio", r.base().gqaMetrics().withinBetweenRatio(),
                r.instruct().gqaMetrics().withinBetweenRatio(), "%.4f");
        h.append("</tbody></table></section>\n");

        MhaComparison c = r.comparison();
        h.append("<section id=\"comparison\"><h2>Comparison with ").append(esc(r.reference().displayLabel()))
                .append("</h2>\n<table class=\"comparison\"><thead><tr><th></th><th>Reference: ")
                .append(esc(c.referenceModel() + " (" + c.referenceArchitecture() + ")")).append("</th><th>This run: ")
                .append(esc(c.runModel() + " (" + c.runArchitecture() + ")"))
                .append("</th><th>Same direction?</th></tr></thead><tbody>\n");
        h.append("<tr><td>Δ Specialization Index</td><td>").append(fmt("%+.4f", c.referenceDeltaSpecialization()))
                .append("</td><td>").append(fmt("%+.4f", c.runDeltaSpecialization())).append("</td><td>")
                .append(c.sameDirectionSpecialization() ? "YES" : "NO").append("</td></tr>\n");
        h.append("<tr><td>Δ Head Correlation</td><td>").append(fmt("%+.4f", c.referenceDeltaCorrelation()))
                .append("</td><td>").append(fmt("%+.4f", c.runDeltaCorrelation())).append("</td><td>")
                .append(c.sameDirectionCorrelation() ? "YES" : "NO").append("</td></tr>\n");
        h.append("<tr><td>Verdict</td><td>").append(esc(c.referenceVerdict())).append("</td><td>")
                .append(esc(c.runVerdict())).append("</td><td></td></tr>\n</tbody></table>\n<p class=\"interpretation\">")
                .append(esc(c.interpretation())).append("</p><p class=\"small\">Reference source: ")
                .append(esc(c.referenceSource())).append("</p></section>\n");

        h.append("<section id=\"figure\"><h2>Figure</h2>\n<img id=\"figure-img\" alt=\"Six-panel E11-T figure\" src=\"")
                .append(esc(figureSrc)).append("\" width=\"").append(Figure.WIDTH).append("\" height=\"")
                .append(Figure.HEIGHT).append("\"></section>\n");

        JsonNode meth = r.results().path("methodology");
        h.append("<section id=\"methodology\"><h2>Methodology</h2>\n<table class=\"kv\">");
        meth.fields().forEachRemaining(e -> kv(h, e.getKey(), e.getValue().isTextual() ? e.getValue().asText()
                : e.getValue().toString()));
        kv(h, "prompt_set", d.methodology().promptSet());
        h.append("</table></section>\n");

        h.append("<section id=\"provenance\"><h2>Provenance</h2>\n<table class=\"kv\">");
        for (ModelSummary m : List.of(d.base(), d.instruct())) {
            kv(h, m.role() + " model", m.name() + " — " + m.attentionLabel() + ", " + m.numLayers() + " layers, head_dim "
                    + m.headDim() + ", " + m.modelType() + ", stored as " + m.storageDtype());
            kv(h, m.role() + " source", m.source() + (m.revision() == null ? "" : " @ " + m.revision()));
            for (WeightFileHash f : m.weightFiles()) {
                kv(h, m.role() + " " + f.name(), f.sizeBytes() + " bytes, sha256 " + f.sha256());
            }
        }
        kv(h, "engine version", d.engineVersion());
        d.libraryVersions().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
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

    /** "A_CONFIRMED: 2 of 3 collapse criteria hold for llama3-gqa-base → llama3-gqa-instruct." */
    public static String verdictSentence(RunReport r) {
        var v = r.verdict();
        String meaning = switch (v.code()) {
            case "A_CONFIRMED" -> "territorial collapse: fine-tuning made the heads less specialized";
            case "B_PARTIAL" -> "partial evidence for territorial collapse";
            default -> "no evidence for territorial collapse: fine-tuning preserved head specialization";
        };
        return v.criteriaMet() + " of 3 collapse criteria hold for " + r.description().base().name() + " → "
                + r.description().instruct().name() + " (" + r.description().base().attentionLabel() + "): " + meaning + ".";
    }

    private static String criterion(String name, boolean holds, double delta) {
        return "<li class=\"" + (holds ? "yes" : "no") + "\">" + esc(name) + ": <b>" + (holds ? "YES" : "NO") + "</b> ("
                + fmt("%+.6f", delta) + ")</li>";
    }

    private static void row(StringBuilder h, RunReport r, String name, String key, double b, double i, String f) {
        Double sb = r.base().seedSpread() == null ? null : r.base().seedSpread().get(key);
        Double si = r.instruct().seedSpread() == null ? null : r.instruct().seedSpread().get(key);
        h.append("<tr><td>").append(esc(name)).append("</td><td>").append(fmt(f, b)).append("</td><td>")
                .append(fmt(f, i)).append("</td><td class=\"delta\">").append(fmt(f.replace("%", "%+"), i - b))
                .append("</td><td>").append(sb == null ? "" : fmt("%.2g", sb)).append(" / ")
                .append(si == null ? "" : fmt("%.2g", si)).append("</td></tr>\n");
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
            """;
}
