package dev.territory.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.territory.contracts.EntropyVectorComputed;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.ModelInfo;
import dev.territory.contracts.Role;
import dev.territory.contracts.RoleMetricsComputed;
import dev.territory.contracts.RunRequested;
import dev.territory.reporting.ComparisonReference;
import dev.territory.reporting.EntropyRecord;
import dev.territory.reporting.Methodology;
import dev.territory.reporting.ModelSummary;
import dev.territory.reporting.References;
import dev.territory.reporting.ResultsAssembler;
import dev.territory.reporting.RunDescription;
import dev.territory.reporting.RunReport;
import dev.territory.reporting.RunWriter;
import dev.territory.reporting.WeightFileHash;
import dev.territory.statistics.MetricsJson;
import dev.territory.statistics.RoleMetrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The one place the report service meets the reporting core: turns a run's request, models and
 * over-seeds metrics into the verdict, the MHA comparison and the run's files (results.json in the
 * notebook's schema, figures, exports). Deterministic: the same events give the same files.
 */
final class ReportBuilder {

    /**
     * What was written and concluded.
     *
     * @param verdict the notebook's code (what RunCompleted carries)
     * @param line the code with its evidence, as the run page and the report show it
     */
    record Built(String verdict, String line, boolean architectureInvariant, List<String> files) {}

    private ReportBuilder() {}

    /** The per-prompt entropy vectors of a run's first seed, one event per line, kept in the run's directory. */
    static final String PROMPT_ENTROPIES = "prompt-entropies.jsonl";

    /**
     * Keeps a vector of the run's first seed for the report's uncertainty (issue 9: the bootstrap and the
     * permutation test resample one seed's prompts; the seeds give the same entropies). Other seeds are
     * not kept. Idempotent: a repeated vector is a repeated line, read once.
     *
     * @return whether it was kept
     */
    static boolean keepVector(Path dir, EntropyVectorComputed v) throws IOException {
        if (v.seeds().isEmpty() || v.seed() != v.seeds().get(0)) {
            return false;
        }
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(PROMPT_ENTROPIES), EventCodec.encodeToString(v) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return true;
    }

    /** The kept vectors by role, then prompt index (the first copy of a repeated one). */
    static Map<String, TreeMap<Integer, EntropyVectorComputed>> keptVectors(Path dir) throws IOException {
        Map<String, TreeMap<Integer, EntropyVectorComputed>> out = new LinkedHashMap<>();
        Path file = dir.resolve(PROMPT_ENTROPIES);
        if (!Files.isRegularFile(file)) {
            return out;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            EntropyVectorComputed v = EventCodec.decode(line.getBytes(StandardCharsets.UTF_8), EntropyVectorComputed.class);
            out.computeIfAbsent(v.role().id(), r -> new TreeMap<>()).putIfAbsent(v.promptIndex(), v);
        }
        return out;
    }

    /**
     * True while vectors of the run were seen but the first seed of a model is not complete yet: the report
     * waits for them (the metrics events can overtake the vectors, which arrive on another topic). A run
     * whose vectors this service never saw is not held back; its report says the uncertainty was not computed.
     */
    static boolean vectorsPending(Path dir) throws IOException {
        Map<String, TreeMap<Integer, EntropyVectorComputed>> kept = keptVectors(dir);
        if (kept.isEmpty()) {
            return false;
        }
        for (String role : List.of("base", "instruct")) {
            TreeMap<Integer, EntropyVectorComputed> prompts = kept.get(role);
            if (prompts == null || prompts.size() < prompts.firstEntry().getValue().promptCount()) {
                return true;
            }
        }
        return false;
    }

    /** True until both models' vectors of every one of the {@code prompts} prompts are kept. */
    static boolean vectorsMissing(Path dir, int prompts) throws IOException {
        Map<String, TreeMap<Integer, EntropyVectorComputed>> kept = keptVectors(dir);
        for (String role : List.of("base", "instruct")) {
            TreeMap<Integer, EntropyVectorComputed> byPrompt = kept.get(role);
            if (byPrompt == null || byPrompt.size() < prompts) {
                return true;
            }
        }
        return false;
    }

    /**
     * The kept vectors as the reporting core's per-prompt entropy records, with the other protocols' reductions,
     * sink mass and row entropy when the vector carries them.
     */
    static List<EntropyRecord> entropyRecords(Path dir) throws IOException {
        List<EntropyRecord> records = new ArrayList<>();
        for (Map.Entry<String, TreeMap<Integer, EntropyVectorComputed>> role : keptVectors(dir).entrySet()) {
            for (EntropyVectorComputed v : role.getValue().values()) {
                Map<String, EntropyRecord.ProtocolValues> protocols = new LinkedHashMap<>();
                for (String protocol : EntropyVectorComputed.PROTOCOLS) {
                    float[][] e = v.reduction(EntropyVectorComputed.entropiesKey(protocol));
                    float[][] n = v.reduction(EntropyVectorComputed.normalizersKey(protocol));
                    if (e != null && n != null) {
                        protocols.put(protocol, new EntropyRecord.ProtocolValues(doubles(e), counts(n)));
                    }
                }
                records.add(new EntropyRecord(role.getKey(), v.seed(), v.promptIndex(), null, null,
                        doubles(v.entropyMatrix()), doubles(v.reduction(EntropyVectorComputed.SINK_MASS)),
                        doubles(v.reduction(EntropyVectorComputed.ROW_ENTROPY)), protocols, v.tokenCount()));
            }
        }
        return records;
    }

    private static double[][] doubles(float[][] f) {
        if (f == null) {
            return null;
        }
        double[][] d = new double[f.length][];
        for (int l = 0; l < f.length; l++) {
            d[l] = new double[f[l].length];
            for (int h = 0; h < f[l].length; h++) {
                d[l][h] = f[l][h];
            }
        }
        return d;
    }

    private static int[][] counts(float[][] f) {
        int[][] out = new int[f.length][];
        for (int l = 0; l < f.length; l++) {
            out[l] = new int[f[l].length];
            for (int h = 0; h < f[l].length; h++) {
                out[l][h] = Math.round(f[l][h]);
            }
        }
        return out;
    }

    /** True when everything a report needs has arrived. */
    static boolean ready(RunState s) {
        return s.request() != null && s.models().keySet().containsAll(List.of("base", "instruct"))
                && s.roleMetrics().keySet().containsAll(List.of("base", "instruct"));
    }

    /**
     * @param completedRunDir a run id → its directory, if that run is completed (for {@code reference})
     * @throws IllegalArgumentException when the reference cannot be used
     */
    static Built build(RunState s, Path dir, Function<String, java.util.Optional<Path>> completedRunDir) throws IOException {
        RunRequested request = s.request();
        ComparisonReference reference;
        if (RunRequested.E11_MISTRAL_REFERENCE.equals(request.reference())) {
            reference = ComparisonReference.E11_MISTRAL;
        } else {
            Path refDir = completedRunDir.apply(request.reference()).orElseThrow(() -> new IllegalArgumentException(
                    "reference run " + request.reference() + " is not a completed run of this service"));
            reference = References.resolve(refDir.toString());
        }
        ModelSummary base = summary(Role.BASE, s.models().get("base"));
        ModelSummary instruct = summary(Role.INSTRUCT, s.models().get("instruct"));
        List<String> prompts = request.prompts().resolve();
        Methodology methodology = Methodology.of(request.seeds(), request.maxLength(), request.dtype(),
                request.prompts().displayName(), dev.territory.contracts.PromptSets.md5(prompts), prompts.size(),
                request.protocol());
        RoleMetricsComputed baseMetrics = s.roleMetrics().get("base");
        RunDescription run = new RunDescription(s.runId(), request.occurredAt(), pairName(base.name(), instruct.name()), base,
                instruct, methodology, baseMetrics.engineVersion(), Map.of(),
                Map.of("pipeline", "kafka: inference-service, metrics-service, report-service", "compute_dtype",
                        request.dtype(), "device_name", "not reported: the pipeline's events do not name the inference"
                                + " device (territory analyze does)"));
        RunReport report = ResultsAssembler.assemble(run, roleMetrics(baseMetrics), roleMetrics(s.roleMetrics().get("instruct")),
                reference, entropyRecords(dir));
        Files.createDirectories(dir);
        RunWriter.RunFiles files = RunWriter.write(report, dir);
        List<String> names = new ArrayList<>();
        files.files().forEach(f -> names.add(f.getFileName().toString()));
        if (files.zip() != null && !names.contains(files.zip().getFileName().toString())) {
            names.add(files.zip().getFileName().toString());
        }
        return new Built(report.verdict().code(), report.evidence().line(), report.comparison().architectureInvariant(),
                names);
    }

    static RoleMetrics roleMetrics(RoleMetricsComputed event) {
        JsonNode m = event.metrics();
        RoleMetrics r = MetricsJson.readRole(m);
        List<String> warnings = new ArrayList<>();
        m.path("warnings").forEach(w -> warnings.add(w.asText()));
        Map<String, Double> spread = m.has("seed_spread") ? MetricsJson.readMap(m.get("seed_spread")) : Map.of();
        return new RoleMetrics(r.specialization(), r.gqaMetrics(), r.seedResults(), spread, warnings);
    }

    static ModelSummary summary(Role role, ModelInfo m) {
        List<WeightFileHash> hashes = m.weightFiles().stream()
                .map(f -> new WeightFileHash(f.name(), f.sizeBytes(), f.sha256())).toList();
        return new ModelSummary(role.id(), m.name(), m.source(), m.revision(), m.modelType(), m.numLayers(), m.numHeads(),
                m.numKvHeads(), m.headDim(), m.storageDtype(), m.parameterCount(), hashes);
    }

    /** "llama3-gqa" for llama3-gqa-base / llama3-gqa-instruct: the common prefix, else "a_vs_b". */
    static String pairName(String a, String b) {
        int n = 0;
        while (n < Math.min(a.length(), b.length()) && a.charAt(n) == b.charAt(n)) {
            n++;
        }
        String common = a.substring(0, n).replaceAll("[-_.]+$", "");
        return common.length() >= 3 ? common : a + "_vs_" + b;
    }
}
