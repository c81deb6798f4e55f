package dev.territory.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.contracts.ModelInfo;
import dev.territory.contracts.PairName;
import dev.territory.contracts.RoleMetricsComputed;
import dev.territory.contracts.RunRequested;
import dev.territory.contracts.SeedMetricsComputed;
import dev.territory.reporting.ComparisonReference;
import dev.territory.reporting.EntropyRecord;
import dev.territory.reporting.Methodology;
import dev.territory.reporting.References;
import dev.territory.reporting.ResultsAssembler;
import dev.territory.reporting.RunDescription;
import dev.territory.reporting.RunReport;
import dev.territory.reporting.RunWriter;
import dev.territory.statistics.MetricsJson;
import dev.territory.statistics.PromptReductions;
import dev.territory.statistics.StatisticsBlock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The one place the report service meets the reporting core: turns a run's request, models,
 * over-seeds metrics and statistics (computed by the metrics service) into the verdict, the MHA
 * comparison and the run's files (results.json in the notebook's schema, figures, exports). It
 * computes no statistics. Deterministic: the same events give the same files.
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

    /** True when everything a report needs has arrived. */
    static boolean ready(RunState s) {
        return s.request() != null
                && s.models().keySet().containsAll(List.of("base", "instruct"))
                && s.roleMetrics().keySet().containsAll(List.of("base", "instruct"))
                && s.statistics() != null;
    }

    /**
     * @param completedRunDir a run id → its directory, if that run is completed (for {@code reference})
     * @throws IllegalArgumentException when the reference cannot be used
     */
    static Built build(RunState s, Path dir, Function<String, java.util.Optional<Path>> completedRunDir)
            throws IOException {
        RunRequested request = s.request();
        ComparisonReference reference;
        if (RunRequested.E11_MISTRAL_REFERENCE.equals(request.reference())) {
            reference = ComparisonReference.E11_MISTRAL;
        } else {
            Path refDir = completedRunDir
                    .apply(request.reference())
                    .orElseThrow(() -> new IllegalArgumentException(
                            "reference run " + request.reference() + " is not a completed run of this service"));
            reference = References.resolve(refDir.toString());
        }
        ModelInfo base = s.models().get("base");
        ModelInfo instruct = s.models().get("instruct");
        Methodology methodology = Methodology.of(
                request.seeds(), request.maxLength(), request.dtype(), request.prompts(), request.protocol());
        RoleMetricsComputed baseMetrics = s.roleMetrics().get("base");
        RunDescription run = new RunDescription(
                s.runId(),
                request.occurredAt(),
                PairName.of(base.name(), instruct.name()),
                base,
                instruct,
                methodology,
                baseMetrics.engineVersion(),
                Map.of(),
                Map.of(
                        "pipeline",
                        "kafka: inference-service, metrics-service, report-service",
                        "compute_dtype",
                        request.dtype(),
                        "device_name",
                        "not reported: the pipeline's events do not name the inference"
                                + " device (territory analyze does)"));
        RunReport report = ResultsAssembler.assemble(
                run,
                MetricsJson.readRoleDocument(baseMetrics.metrics()),
                MetricsJson.readRoleDocument(s.roleMetrics().get("instruct").metrics()),
                reference,
                entropyRecords(s),
                StatisticsBlock.read(
                        (ObjectNode) s.statistics().statistics(), s.statistics().uncertainty()));
        Files.createDirectories(dir);
        RunWriter.RunFiles files = RunWriter.write(report, dir);
        List<String> names = new ArrayList<>();
        files.files().forEach(f -> names.add(f.getFileName().toString()));
        if (files.zip() != null && !names.contains(files.zip().getFileName().toString())) {
            names.add(files.zip().getFileName().toString());
        }
        return new Built(
                report.verdict().code(),
                report.evidence().line(),
                report.comparison().architectureInvariant(),
                names);
    }

    /**
     * The first seed's prompts of both models (base, then instruct, in prompt order) as the records the entropy
     * exports are written from, with the other protocols' reductions, sink mass and row entropy when the prompt
     * carries them. The events carry no token ids or mask, only the real-token count.
     */
    static List<EntropyRecord> entropyRecords(RunState s) {
        List<EntropyRecord> records = new ArrayList<>();
        for (SeedMetricsComputed event : s.firstSeedMetrics().values()) {
            PromptReductions.of(event).forEach(p -> records.add(EntropyRecord.of(p)));
        }
        return records;
    }
}
