package dev.territory.reporting;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.contracts.ModelFile;
import dev.territory.contracts.ModelInfo;
import dev.territory.contracts.PromptSets;
import dev.territory.statistics.MetricsJson;
import dev.territory.statistics.NotebookMetrics;
import dev.territory.statistics.PromptReductions;
import dev.territory.statistics.RoleMetrics;
import dev.territory.statistics.StatisticsBlock;
import dev.territory.statistics.Uncertainty;
import dev.territory.statistics.Verdict;
import dev.territory.statistics.VerdictEvidence;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds the results document of a run: the notebook's cell-9 JSON (experiment ... runtime, with
 * {@code results.verdict} and {@code results.mha_comparison} as cells 6 and 7 store them) plus our
 * blocks {@code provenance}, {@code warnings} and {@code statistics}. Labels come from the models'
 * head counts; the notebook's key names are kept so that its readers and parity.py find them.
 */
public final class ResultsAssembler {

    /** The notebook's experiment name (cell 9). */
    public static final String EXPERIMENT = "E11-T_GQA_Comparison";
    /** The notebook's hypothesis sentence (cell 9), kept verbatim. */
    public static final String HYPOTHESIS = "GQA architecture affects territorial collapse differently than MHA";
    /** Version of the results document layout beyond the notebook's keys. */
    public static final int SCHEMA_VERSION = 1;

    static final DateTimeFormatter NOTEBOOK_TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss").withZone(ZoneOffset.UTC);

    private ResultsAssembler() {}

    /** As {@link #assemble(RunDescription, RoleMetrics, RoleMetrics, ComparisonReference, List, Uncertainty.Options)}
     * with the default bootstrap and permutation settings. */
    public static RunReport assemble(
            RunDescription run,
            RoleMetrics base,
            RoleMetrics instruct,
            ComparisonReference reference,
            List<EntropyRecord> entropies) {
        return assemble(run, base, instruct, reference, entropies, Uncertainty.Options.defaults());
    }

    /**
     * Computes the run's statistics from its per-prompt entropies with the statistics core, in process (what
     * {@code territory analyze} does), then assembles the report.
     *
     * @param statistics bootstrap and permutation settings; null skips them
     */
    public static RunReport assemble(
            RunDescription run,
            RoleMetrics base,
            RoleMetrics instruct,
            ComparisonReference reference,
            List<EntropyRecord> entropies,
            Uncertainty.Options statistics) {
        List<PromptReductions> prompts = entropies == null
                ? List.of()
                : entropies.stream().map(EntropyRecord::forStatistics).toList();
        return assemble(
                run,
                base,
                instruct,
                reference,
                entropies,
                StatisticsBlock.compute(statisticsRun(run), base, instruct, prompts, statistics));
    }

    /** What of the run the statistics core needs. */
    private static StatisticsBlock.Run statisticsRun(RunDescription run) {
        return new StatisticsBlock.Run(
                run.methodology().seeds(),
                run.methodology().protocol(),
                run.base().numKvHeads());
    }

    /**
     * Assembles a run's report around its computed statistics.
     *
     * @param run what was run, on what, how
     * @param base seed-aggregated metrics of the base model
     * @param instruct seed-aggregated metrics of the fine-tuned model
     * @param reference what to compare with ({@link ComparisonReference#E11_MISTRAL} or a loaded run)
     * @param entropies per-prompt entropies for the exports (may be empty)
     * @param statistics the {@code statistics} block and the uncertainty behind the verdict's evidence
     */
    public static RunReport assemble(
            RunDescription run,
            RoleMetrics base,
            RoleMetrics instruct,
            ComparisonReference reference,
            List<EntropyRecord> entropies,
            StatisticsBlock statistics) {
        Verdict verdict = NotebookMetrics.verdict(base, instruct);
        MhaComparison comparison = MhaComparison.of(
                reference,
                run.base().name(),
                run.base().attentionKind(),
                verdict.code(),
                verdict.deltaSpecialization(),
                verdict.deltaCorrelation(),
                run.methodology().dtype());
        List<String> warnings = new ArrayList<>(Warnings.collect(run, base, instruct, reference, comparison));
        Uncertainty.Result uncertainty = statistics.uncertainty();
        if (uncertainty != null) {
            uncertainty.warnings().forEach(w -> warnings.add("uncertainty: " + w));
        }
        boolean canonical =
                PromptSets.STANDARD_10_V3_MD5.equalsIgnoreCase(run.methodology().promptMd5());
        VerdictEvidence evidence = uncertainty == null
                ? VerdictEvidence.notComputed(verdict.code(), canonical, statistics.skipped())
                : VerdictEvidence.of(verdict.code(), uncertainty, canonical);

        ObjectNode doc = Json.object();
        doc.put("experiment", EXPERIMENT);
        doc.put("schema_version", SCHEMA_VERSION);
        doc.put("run_id", run.runId());
        doc.put("timestamp", NOTEBOOK_TIMESTAMP.format(run.startedAt()));
        doc.put("started_at", run.startedAt().toString());
        doc.put("model", run.base().name());
        doc.put("architecture", run.base().attentionKind());
        ObjectNode config = config(run);
        doc.set("config", config);
        doc.set("methodology", methodology(run.methodology()));
        doc.put("prompt_set", run.methodology().promptSet());
        doc.put("hypothesis", HYPOTHESIS);
        doc.set("mha_reference", reference(reference));

        ObjectNode results = doc.putObject("results");
        results.put("pair", run.pair());
        results.set("base", MetricsJson.toJson(base));
        results.set("instruct", MetricsJson.toJson(instruct));
        results.set("config", config.deepCopy());
        results.set("verdict", verdict(verdict, evidence));
        results.set("mha_comparison", comparison(comparison));

        ObjectNode runtime = doc.putObject("runtime");
        runtime.put("dtype", run.methodology().torchDtype());
        run.runtime().forEach((k, v) -> runtime.set(k, Json.MAPPER.valueToTree(v)));

        doc.set("provenance", provenance(run));
        ArrayNode w = doc.putArray("warnings");
        warnings.forEach(w::add);
        doc.set("statistics", statistics.json().deepCopy());

        return new RunReport(
                run, base, instruct, verdict, reference, comparison, warnings, entropies, doc, uncertainty, evidence);
    }

    /** Cell 6's verdict block, then the evidence: what the intervals support, in the same words everywhere. */
    static ObjectNode verdict(Verdict verdict, VerdictEvidence e) {
        ObjectNode n = MetricsJson.toJson(verdict);
        n.put("evidence", e.evidence());
        n.put("independent_criteria", e.independent());
        n.put("independent_criteria_reason", Uncertainty.INDEPENDENT_REASON);
        n.put("significant_criteria", e.significant());
        n.put(
                "significance",
                e.notComputed() == null
                        ? "an independent criterion counts when the paired BCa bootstrap interval of its delta at "
                                + e.level() + " excludes 0"
                        : "not computed: " + e.notComputed());
        n.put("line", e.line());
        n.put("meaning", e.meaning());
        n.put("canonical_prompts", e.canonicalPrompts());
        return n;
    }

    static ObjectNode config(RunDescription run) {
        ModelInfo b = run.base();
        ObjectNode c = Json.object();
        c.put("base", b.source());
        c.put("instruct", run.instruct().source());
        c.put("params", b.parameterCount() == null ? "unknown" : humanCount(b.parameterCount()));
        c.put("num_query_heads", b.numHeads());
        c.put("num_kv_heads", b.numKvHeads());
        c.put("d_head", b.headDim());
        c.put("num_layers", b.numLayers());
        c.put("architecture", b.attentionKind());
        c.put("gqa_ratio", Architecture.ratio(b.numHeads(), b.numKvHeads()));
        c.put("model_type", b.modelType());
        c.put("labels_from", "config.json (num_attention_heads, num_key_value_heads)");
        return c;
    }

    static ObjectNode methodology(Methodology m) {
        ObjectNode n = Json.object();
        n.put("standard", m.standard());
        ArrayNode seeds = n.putArray("seeds");
        m.seeds().forEach(seeds::add);
        n.put("max_length", m.maxLength());
        n.put("dtype", m.torchDtype()); // as the notebook: str(torch.bfloat16)
        n.put("dtype_name", m.dtype());
        n.put("prompt_md5", m.promptMd5());
        n.put("num_prompts", m.numPrompts());
        n.put("quantization", m.quantization());
        n.put("use_chat_template", m.useChatTemplate());
        n.put("protocol", m.protocol());
        return n;
    }

    static ObjectNode reference(ComparisonReference r) {
        ObjectNode n = Json.object();
        n.put("model", r.model());
        n.put("architecture", r.claimedArchitecture());
        Json.put(n, "base_specialization", r.baseSpecialization());
        Json.put(n, "instruct_specialization", r.instructSpecialization());
        Json.put(n, "delta_specialization", r.deltaSpecialization());
        Json.put(n, "base_correlation", r.baseCorrelation());
        Json.put(n, "instruct_correlation", r.instructCorrelation());
        Json.put(n, "delta_correlation", r.deltaCorrelation());
        n.put("verdict", r.verdict());
        n.put("dtype", r.dtype());
        if (r.queryHeads() != null) {
            n.put("num_query_heads", r.queryHeads());
        }
        if (r.kvHeads() != null) {
            n.put("num_kv_heads", r.kvHeads());
        }
        n.put("architecture_from_config", r.architectureFromConfig());
        n.put("source", r.source());
        return n;
    }

    static ObjectNode comparison(MhaComparison c) {
        ObjectNode n = Json.object();
        n.put("mha_model", c.referenceModel());
        n.put("mha_verdict", c.referenceVerdict());
        Json.put(n, "mha_delta_specialization", c.referenceDeltaSpecialization());
        Json.put(n, "mha_delta_correlation", c.referenceDeltaCorrelation());
        n.put("mha_dtype", c.referenceDtype());
        n.put("gqa_model", c.runModel());
        n.put("gqa_verdict", c.runVerdict());
        Json.put(n, "gqa_delta_specialization", c.runDeltaSpecialization());
        Json.put(n, "gqa_delta_correlation", c.runDeltaCorrelation());
        n.put("gqa_dtype", c.runDtype());
        n.put("same_direction_specialization", c.sameDirectionSpecialization());
        n.put("same_direction_correlation", c.sameDirectionCorrelation());
        n.put("architecture_invariant", c.architectureInvariant());
        n.put("architecture_label", c.label());
        n.put("reference_architecture", c.referenceArchitecture());
        n.put("run_architecture", c.runArchitecture());
        n.put("reference_source", c.referenceSource());
        n.put("interpretation", c.interpretation());
        n.put(
                "key_note",
                "mha_* is the reference and gqa_* this run, whatever their architectures (notebook key names)");
        return n;
    }

    static ObjectNode provenance(RunDescription run) {
        ObjectNode n = Json.object();
        ObjectNode models = n.putObject("models");
        for (Map.Entry<String, ModelInfo> e : run.models().entrySet()) {
            ModelInfo m = e.getValue();
            ObjectNode mn = models.putObject(e.getKey());
            mn.put("name", m.name());
            mn.put("source", m.source());
            if (m.revision() == null) {
                mn.putNull("revision");
            } else {
                mn.put("revision", m.revision());
            }
            mn.put("model_type", m.modelType());
            mn.put("num_layers", m.numLayers());
            mn.put("num_query_heads", m.numHeads());
            mn.put("num_kv_heads", m.numKvHeads());
            mn.put("head_dim", m.headDim());
            mn.put("attention", Architecture.label(m));
            mn.put("storage_dtype", m.storageDtype());
            ArrayNode files = mn.putArray("weight_files");
            for (ModelFile f : m.weightFiles()) {
                ObjectNode fn = files.addObject();
                fn.put("name", f.name());
                fn.put("size_bytes", f.sizeBytes());
                fn.put("sha256", f.sha256());
            }
        }
        n.put("engine_version", run.engineVersion());
        ObjectNode libs = n.putObject("libraries");
        run.libraryVersions().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> libs.put(e.getKey(), e.getValue()));
        n.put("protocol", run.methodology().protocol());
        return n;
    }

    /** 8030261248 -> "8.03B", 1234567 -> "1.23M". */
    static String humanCount(long n) {
        if (n >= 1_000_000_000L) {
            return String.format(java.util.Locale.ROOT, "%.2fB", n / 1e9);
        }
        if (n >= 1_000_000L) {
            return String.format(java.util.Locale.ROOT, "%.2fM", n / 1e6);
        }
        if (n >= 1_000L) {
            return String.format(java.util.Locale.ROOT, "%.1fK", n / 1e3);
        }
        return Long.toString(n);
    }
}
