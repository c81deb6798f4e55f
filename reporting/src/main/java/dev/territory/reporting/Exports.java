package dev.territory.reporting;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.statistics.GroupMetrics;
import dev.territory.statistics.NotebookMetrics;
import dev.territory.statistics.SeedMetrics;
import dev.territory.statistics.SpecializationMetrics;
import java.io.IOException;
import java.io.Writer;
import java.util.List;
import java.util.Locale;

/**
 * Files for readers who continue elsewhere: entropies as JSON lines and long-format CSV (one row
 * per model, seed, prompt, layer, head), metrics as long-format CSV, and the notebook's artifact
 * log line (cell 11).
 */
public final class Exports {

    public static final String ENTROPIES_CSV_HEADER = "model,seed,prompt,layer,head,value,sink_mass,row_entropy";
    public static final String METRICS_CSV_HEADER = "model,seed,metric,layer,head,group,value";

    private Exports() {}

    /**
     * One JSON object per prompt, model and seed (the lines `territory metrics` reads): role, seed, promptIndex,
     * inputIds, attentionMask, entropies; when known also sinkMass, rowEntropy ([layer][head]) and protocols
     * ({@code {"e11-v3": {"entropies": ..., "normalizers": ...}, ...}}: the same pass under other protocols).
     */
    public static void entropiesJsonl(List<EntropyRecord> records, Writer out) throws IOException {
        for (EntropyRecord r : records) {
            ObjectNode n = Json.object();
            n.put("role", r.role());
            n.put("seed", r.seed());
            n.put("promptIndex", r.promptIndex());
            if (r.inputIds() != null) {
                ArrayNode ids = n.putArray("inputIds");
                for (int id : r.inputIds()) {
                    ids.add(id);
                }
            }
            if (r.attentionMask() != null) {
                ArrayNode mask = n.putArray("attentionMask");
                for (int m : r.attentionMask()) {
                    mask.add(m);
                }
            }
            n.set("entropies", Json.matrix(r.entropies()));
            if (r.sinkMass() != null) {
                n.set("sinkMass", Json.matrix(r.sinkMass()));
            }
            if (r.rowEntropy() != null) {
                n.set("rowEntropy", Json.matrix(r.rowEntropy()));
            }
            if (!r.protocols().isEmpty()) {
                ObjectNode protocols = n.putObject("protocols");
                new java.util.TreeMap<>(r.protocols()).forEach((id, v) -> {
                    ObjectNode pn = protocols.putObject(id);
                    pn.set("entropies", Json.matrix(v.entropies()));
                    ArrayNode counts = pn.putArray("normalizers");
                    for (int[] row : v.normalizers()) {
                        ArrayNode a = counts.addArray();
                        for (int c : row) {
                            a.add(c);
                        }
                    }
                });
            }
            out.write(Json.line(n));
            out.write('\n');
        }
    }

    /** Long format: one row per (model, seed, prompt, layer, head); sink_mass and row_entropy empty when unknown. */
    public static void entropiesCsv(List<EntropyRecord> records, Writer out) throws IOException {
        out.write(ENTROPIES_CSV_HEADER + "\n");
        for (EntropyRecord r : records) {
            double[][] e = r.entropies();
            for (int layer = 0; layer < e.length; layer++) {
                for (int head = 0; head < e[layer].length; head++) {
                    out.write(r.role() + "," + r.seed() + "," + r.promptIndex() + "," + layer + "," + head + ","
                            + num(e[layer][head]) + "," + (r.sinkMass() == null ? "" : num(r.sinkMass()[layer][head]))
                            + "," + (r.rowEntropy() == null ? "" : num(r.rowEntropy()[layer][head])) + "\n");
                }
            }
        }
    }

    /**
     * Long format: per model and seed the scalar metrics (layer, head and group empty), the layer
     * variances (layer set), the per-group variances (group set) and the prompt-mean entropies
     * (metric {@code mean_entropy}, layer and head set); seed {@code mean} rows hold the notebook's
     * seed-aggregated scalars.
     */
    public static void metricsCsv(RunReport report, Writer out) throws IOException {
        out.write(METRICS_CSV_HEADER + "\n");
        writeRole(
                out,
                "base",
                report.base().seedResults(),
                report.base().specialization(),
                report.base().gqaMetrics());
        writeRole(
                out,
                "instruct",
                report.instruct().seedResults(),
                report.instruct().specialization(),
                report.instruct().gqaMetrics());
    }

    private static void writeRole(
            Writer out, String role, List<SeedMetrics> seeds, SpecializationMetrics aggSpec, GroupMetrics aggGroups)
            throws IOException {
        for (SeedMetrics s : seeds) {
            String seed = Integer.toString(s.seed());
            scalars(out, role, seed, s.specialization(), s.gqaMetrics());
            double[] lv = s.specialization().layerVariances();
            for (int l = 0; l < lv.length; l++) {
                row(out, role, seed, "layer_variance", Integer.toString(l), "", "", lv[l]);
            }
            double[] pg = s.gqaMetrics().perGroupVariances();
            if (pg != null) {
                for (int g = 0; g < pg.length; g++) {
                    row(out, role, seed, "per_group_variance", "", "", Integer.toString(g), pg[g]);
                }
            }
            double[][] e = s.entropies();
            if (e != null) {
                for (int l = 0; l < e.length; l++) {
                    for (int h = 0; h < e[l].length; h++) {
                        row(out, role, seed, "mean_entropy", Integer.toString(l), Integer.toString(h), "", e[l][h]);
                    }
                }
            }
        }
        scalars(out, role, "mean", aggSpec, aggGroups);
    }

    private static void scalars(Writer out, String role, String seed, SpecializationMetrics s, GroupMetrics g)
            throws IOException {
        for (String key : NotebookMetrics.SPECIALIZATION_KEYS) {
            row(out, role, seed, key, "", "", "", NotebookMetrics.scalar(s, key));
        }
        for (String key : NotebookMetrics.GROUP_KEYS) {
            row(out, role, seed, key, "", "", "", NotebookMetrics.scalar(g, key));
        }
    }

    private static void row(
            Writer out, String role, String seed, String metric, String layer, String head, String group, double value)
            throws IOException {
        out.write(role + "," + seed + "," + metric + "," + layer + "," + head + "," + group + "," + num(value) + "\n");
    }

    /** Shortest round-trip decimal; nan/inf/-inf as pandas and R read them. */
    static String num(double v) {
        if (Double.isNaN(v)) {
            return "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        return Double.toString(v).toLowerCase(Locale.ROOT);
    }

    /** The notebook's artifact log entry (cell 11), plus the run id and every file of the run. */
    public static ObjectNode artifactEntry(RunReport report, List<String> files) {
        ObjectNode doc = report.results();
        ObjectNode n = Json.object();
        n.put("experiment", "E11-T");
        n.put("run_id", report.description().runId());
        n.put("timestamp", doc.path("timestamp").asText());
        n.put("model", report.modelName());
        n.put("architecture", report.description().base().attentionKind());
        n.put("verdict", report.verdict().code());
        n.put("verdict_line", report.evidence().line());
        n.put("evidence", report.evidence().evidence());
        n.put("significant_independent_criteria", report.evidence().significant());
        n.put("independent_criteria", report.evidence().independent());
        n.put("canonical_prompts", report.evidence().canonicalPrompts());
        Json.put(n, "base_specialization", report.base().specialization().specializationIndex());
        Json.put(
                n, "instruct_specialization", report.instruct().specialization().specializationIndex());
        Json.put(n, "delta_specialization", report.verdict().deltaSpecialization());
        Json.put(n, "base_correlation", report.base().specialization().meanHeadCorrelation());
        Json.put(n, "instruct_correlation", report.instruct().specialization().meanHeadCorrelation());
        Json.put(n, "delta_correlation", report.verdict().deltaCorrelation());
        n.put("architecture_invariant", report.comparison().architectureInvariant());
        n.put("architecture_label", report.comparison().label());
        n.put("mha_verdict", report.reference().verdict());
        n.put("prompt_count", report.description().methodology().numPrompts());
        ObjectNode f = n.putObject("files");
        f.put("results", RunWriter.RESULTS_JSON);
        f.put("figure", RunWriter.FIGURE_PNG);
        ArrayNode all = f.putArray("all");
        files.forEach(all::add);
        return n;
    }
}
