package dev.territory.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.territory.contracts.ModelInfo;
import dev.territory.contracts.PairName;
import dev.territory.contracts.PromptSets;
import dev.territory.contracts.PromptSpec;
import dev.territory.contracts.RunRequested;
import dev.territory.engine.ComputeDtype;
import dev.territory.engine.EngineOptions;
import dev.territory.engine.EngineVersion;
import dev.territory.engine.EntropyEngine;
import dev.territory.engine.EntropyRequest;
import dev.territory.engine.LoadedModel;
import dev.territory.engine.ModelException;
import dev.territory.engine.PromptEntropies;
import dev.territory.engine.Protocol;
import dev.territory.engine.WeightFile;
import dev.territory.engine.config.ModelConfig;
import dev.territory.hub.ModelReference;
import dev.territory.hub.ResolvedModel;
import dev.territory.reporting.ComparisonReference;
import dev.territory.reporting.DeviceName;
import dev.territory.reporting.EntropyRecord;
import dev.territory.reporting.Methodology;
import dev.territory.reporting.References;
import dev.territory.reporting.ResultsAssembler;
import dev.territory.reporting.RunDescription;
import dev.territory.reporting.RunReport;
import dev.territory.reporting.RunWriter;
import dev.territory.statistics.MetricsJson;
import dev.territory.statistics.NotebookMetrics;
import dev.territory.statistics.PromptReductions;
import dev.territory.statistics.RoleMetrics;
import dev.territory.statistics.SeedMetrics;
import dev.territory.statistics.Uncertainty;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code territory analyze}: the whole notebook offline, in one process: entropies of both models for
 * every seed, the metrics, verdict and comparison, and every file of a run (results.json, figures,
 * report.html, exports, artifact log, zip). No Kafka; the same cores as the services.
 */
@Command(
        name = "analyze",
        mixinStandardHelpOptions = true,
        description = "Runs the E11-T analysis of a base/instruct pair offline and writes results.json, figure.png, "
                + "figure.svg, report.html, entropies.jsonl/csv, metrics.csv, artifact_log.jsonl and a zip.")
final class AnalyzeCommand implements Callable<Integer> {

    @Option(
            names = "--base",
            required = true,
            paramLabel = "DIR|ORG/NAME[@REV]",
            description =
                    "base model: a directory (config.json, *.safetensors, tokenizer.json) or a Hugging Face Hub id with an optional revision")
    String base;

    @Option(
            names = "--instruct",
            required = true,
            paramLabel = "DIR|ORG/NAME[@REV]",
            description = "fine-tuned model: a directory or a Hub id with an optional revision")
    String instruct;

    @Option(
            names = "--prompts",
            paramLabel = "FILE",
            description = "prompts: a JSON array of strings, or one prompt per line (default: Standard-10 v3)")
    Path prompts;

    @Option(
            names = "--seeds",
            split = ",",
            paramLabel = "N[,N...]",
            defaultValue = "42,123,456",
            description = "seeds (default: ${DEFAULT-VALUE})")
    List<Integer> seeds;

    @Option(
            names = "--max-length",
            paramLabel = "N",
            defaultValue = "128",
            description = "tokens per prompt after padding/truncation (default: ${DEFAULT-VALUE})")
    int maxLength;

    @Option(
            names = "--protocol",
            paramLabel = "ID",
            defaultValue = "e11-v3",
            description =
                    "entropy protocol: e11-v3 (the notebook's), masked (real query rows only), attendable (masked, "
                            + "normalized by the keys each row could attend to) (default: ${DEFAULT-VALUE})")
    String protocol;

    @Mixin
    StatisticsOptions statistics;

    @Option(
            names = "--dtype",
            paramLabel = "DTYPE",
            defaultValue = RunRequested.DEFAULT_DTYPE,
            description =
                    "compute dtype: bfloat16 (the notebook's, emulated), float32 or float16 (default: ${DEFAULT-VALUE})")
    String dtype;

    @Option(
            names = "--batch",
            paramLabel = "N",
            defaultValue = "1",
            description = "prompts per forward pass (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(
            names = "--device",
            paramLabel = "DEVICE",
            defaultValue = "cpu",
            description =
                    "cpu, gpu:N, gpu:0,gpu:1 (layers spread over them), or auto (every visible GPU, else cpu) (default: ${DEFAULT-VALUE})")
    String device;

    @Option(
            names = "--reference",
            paramLabel = "e11-mistral|RUN_DIR",
            defaultValue = References.E11_MISTRAL_ID,
            description = "what to compare with: the notebook's built-in E11 Mistral numbers, or a completed run "
                    + "(its directory or results.json) (default: ${DEFAULT-VALUE})")
    String reference;

    @Option(names = "--run-id", paramLabel = "ID", description = "run id (default: <pair>-<timestamp>)")
    String runId;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output directory")
    Path out;

    @Option(
            names = "--artifact-log",
            paramLabel = "FILE",
            description =
                    "also append the run's artifact-log line to FILE, one cumulative log across runs as the notebook's"
                            + " results/E11T_artifact_log.jsonl (created when absent)")
    Path artifactLog;

    @Option(
            names = "--no-extras",
            description = "skip the per-head extras (row entropies) and the e11-v3 vs "
                    + "attendable comparison, which the same forward pass otherwise computes")
    boolean noExtras;

    @Option(names = "--verbose", description = "print stack traces on errors")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        // Check everything cheap before loading a model.
        requireLocalModelDir(base, "--base");
        requireLocalModelDir(instruct, "--instruct");
        List<String> promptList = prompts == null ? PromptSets.STANDARD_10_V3 : readPrompts(prompts);
        if (seeds == null || seeds.isEmpty()) {
            throw new IllegalArgumentException("--seeds: give at least one seed");
        }
        if (seeds.stream().distinct().count() != seeds.size()) {
            throw new IllegalArgumentException("--seeds: duplicate seed in " + seeds);
        }
        Protocol proto;
        try {
            proto = Protocol.fromId(protocol);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--protocol: " + e.getMessage(), e);
        }
        Uncertainty.Options statisticsOptions = statistics.options();
        ComputeDtype computeDtype = ComputeDtype.fromId(dtype);
        EntropyRequest request = noExtras
                ? new EntropyRequest(maxLength, proto, batch)
                : new EntropyRequest(
                        maxLength, proto, batch, true, Set.of(Protocol.E11_V3, Protocol.MASKED, Protocol.ATTENDABLE));
        ComparisonReference ref = References.resolve(reference);
        Files.createDirectories(out);
        if (!Files.isWritable(out)) {
            throw new IllegalArgumentException(out + ": output directory is not writable");
        }

        ResolvedModel baseModel = ModelArguments.resolve(base, "base");
        ResolvedModel instructModel = ModelArguments.resolve(instruct, "instruct");
        Instant started = Instant.now();
        String pair = PairName.of(baseModel.name(), instructModel.name());
        String id = runId != null
                ? runId
                : pair + "-"
                        + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                                .withZone(ZoneOffset.UTC)
                                .format(started);
        List<EntropyRecord> records = new ArrayList<>();
        Map<String, Object> runtime = new LinkedHashMap<>();
        runtime.put("device", device);
        runtime.put("device_name", DeviceName.of(device));
        runtime.put("compute_dtype", computeDtype.id());
        runtime.put("cpu_count", Runtime.getRuntime().availableProcessors());
        runtime.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));

        EngineOptions options = EngineOptions.defaults().withComputeDtype(computeDtype);
        options = new EngineOptions(
                device, options.computeDtype(), options.memoryBudgetBytes(), options.chunkSizeOverride());
        long total = 2L * seeds.size() * promptList.size();
        ModelInfo baseSummary;
        ModelInfo instructSummary;
        RoleMetrics baseMetrics;
        RoleMetrics instructMetrics;
        Map<String, String> libraries = new LinkedHashMap<>();
        try (EntropyEngine engine = EntropiesCommand.createEngine(options);
                ProgressBar bar = new ProgressBar("analyze", total)) {
            long[] offset = {0};
            Role b = runRole(engine, "base", baseModel, promptList, request, records, bar, offset, runtime);
            Role i = runRole(engine, "instruct", instructModel, promptList, request, records, bar, offset, runtime);
            baseSummary = b.summary();
            instructSummary = i.summary();
            baseMetrics = b.metrics();
            instructMetrics = i.metrics();
            libraries.putAll(libraryVersions());
        }
        runtime.put("wall_seconds", Math.round((Instant.now().toEpochMilli() - started.toEpochMilli()) / 100.0) / 10.0);

        PromptSpec promptSpec = prompts == null
                ? PromptSpec.standard10v3()
                : PromptSpec.inline(prompts.getFileName().toString(), promptList);
        Methodology methodology = Methodology.of(seeds, maxLength, computeDtype.id(), promptSpec, proto.id());
        RunDescription run = new RunDescription(
                id,
                started,
                pair,
                baseSummary,
                instructSummary,
                methodology,
                EngineVersion.VERSION,
                libraries,
                runtime);
        RunReport report =
                ResultsAssembler.assemble(run, baseMetrics, instructMetrics, ref, records, statisticsOptions);
        RunWriter.RunFiles files = RunWriter.write(report, out);
        if (artifactLog != null) {
            RunWriter.appendArtifactEntry(
                    report,
                    files.files().stream().map(p -> p.getFileName().toString()).toList(),
                    artifactLog);
        }

        System.out.printf(
                Locale.ROOT,
                "%s -> %s: verdict %s; %d of 3 criteria on point estimates; SI %.4f -> %.4f (%+.4f);"
                        + " comparison with %s: %s%n",
                baseSummary.name(),
                instructSummary.name(),
                report.evidence().line(),
                report.verdict().criteriaMet(),
                baseMetrics.specialization().specializationIndex(),
                instructMetrics.specialization().specializationIndex(),
                report.verdict().deltaSpecialization(),
                ref.model(),
                report.comparison().label());
        if (report.uncertainty() != null) {
            System.out.println(report.uncertainty().verdictSummary());
            for (Uncertainty.Criterion c : report.uncertainty().criteria()) {
                System.out.printf(
                        Locale.ROOT,
                        "  %s: delta %+.6f, BCa interval [%+.6f, %+.6f], p = %.4g%s%s%n",
                        c.name(),
                        c.delta(),
                        c.interval().low(),
                        c.interval().high(),
                        c.pValue(),
                        c.independent()
                                ? String.format(Locale.ROOT, ", Holm p = %.4g", c.pHolm())
                                : " (repeats the first)",
                        c.significant() ? ", excludes 0" : "");
            }
        } else {
            System.out.println("uncertainty: "
                    + report.results().at("/statistics/uncertainty").asText());
        }
        JsonNode pc = report.results().at("/statistics/protocol_comparison");
        if (pc.isObject()) {
            System.out.printf(
                    Locale.ROOT,
                    "e11-v3 vs attendable: %d of %d (base) and %d of %d (instruct) cases differ; "
                            + "delta SI e11-v3 %+.6f, masked %+.6f, attendable %+.6f; verdict %s / %s / %s%n",
                    pc.at("/cases/base/differing").asInt(),
                    pc.at("/cases/base/cases").asInt(),
                    pc.at("/cases/instruct/differing").asInt(),
                    pc.at("/cases/instruct/cases").asInt(),
                    pc.at("/metrics/delta/specialization_index/e11-v3").asDouble(),
                    pc.at("/metrics/delta/specialization_index/masked").asDouble(),
                    pc.at("/metrics/delta/specialization_index/attendable").asDouble(),
                    pc.at("/verdict/e11-v3").asText(),
                    pc.at("/verdict/masked").asText(),
                    pc.at("/verdict/attendable").asText());
        }
        System.out.println(
                "wrote " + files.files().size() + " files and " + files.zip().getFileName() + " to " + out);
        report.warnings().forEach(w -> System.err.println("warning: " + w));
        return 0;
    }

    record Role(ModelInfo summary, RoleMetrics metrics) {}

    private Role runRole(
            EntropyEngine engine,
            String role,
            ResolvedModel resolved,
            List<String> promptList,
            EntropyRequest request,
            List<EntropyRecord> records,
            ProgressBar bar,
            long[] offset,
            Map<String, Object> runtime)
            throws Exception {
        long t0 = System.nanoTime();
        Path dir = resolved.directory();
        try (LoadedModel model = engine.load(dir)) {
            List<SeedMetrics> seedMetrics = new ArrayList<>();
            for (int seed : seeds) {
                long base0 = offset[0];
                List<PromptEntropies> result =
                        model.computeEntropies(promptList, request, (done, total) -> bar.update(base0 + done));
                offset[0] += promptList.size();
                bar.update(offset[0]);
                double[][][] cube = new double[result.size()][][];
                for (PromptEntropies p : result) {
                    double[][] e = PromptReductions.doubles(p.entropies());
                    cube[p.promptIndex()] = e;
                    records.add(record(role, seed, p, e));
                }
                seedMetrics.add(NotebookMetrics.seed(seed, cube, model.config().numKvHeads()));
            }
            ModelInfo summary =
                    model.describe(resolved.name(), resolved.source(), resolved.revision(), WeightFile::sha256);
            runtime.put(role + "_seconds", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
            runtime.put(
                    role + "_placement", model.placement()); // e.g. "gpu:0 embedding + layers 0-15, gpu:1 layers 16-31"
            return new Role(summary, NotebookMetrics.aggregate(seedMetrics));
        }
    }

    /** The exported record of one prompt, with the sink mass, row entropy and other protocols when computed. */
    static EntropyRecord record(String role, int seed, PromptEntropies p, double[][] entropies) {
        Map<String, PromptReductions.ProtocolValues> protocols = new LinkedHashMap<>();
        p.protocols()
                .forEach((proto, r) -> protocols.put(
                        proto.id(),
                        new PromptReductions.ProtocolValues(PromptReductions.doubles(r.entropies()), r.normalizers())));
        return new EntropyRecord(
                role,
                seed,
                p.promptIndex(),
                p.inputIds(),
                p.attentionMask(),
                entropies,
                PromptReductions.doubles(p.sinkMass()),
                PromptReductions.doubles(p.rowEntropy()),
                protocols);
    }

    /** Checks a local model directory before anything loads; Hub ids are checked when they resolve. */
    static void requireLocalModelDir(String argument, String option) {
        if (ModelReference.parse(argument) instanceof ModelReference.Local local) {
            requireModelDir(local.directory(), option);
        }
    }

    /** The directory exists and has a config.json (named as the engine names it); the engine checks the rest when it loads. */
    static void requireModelDir(Path dir, String option) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(option + " " + dir + ": no such directory");
        }
        try {
            ModelConfig.file(dir);
        } catch (ModelException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** A JSON array of strings, or one prompt per non-blank line. */
    static List<String> readPrompts(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--prompts " + file + ": no such file");
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        List<String> list = new ArrayList<>();
        if (text.stripLeading().startsWith("[")) {
            JsonNode node;
            try {
                node = MetricsJson.MAPPER.readTree(text);
            } catch (IOException e) {
                throw new IllegalArgumentException("--prompts " + file + ": not valid JSON ("
                        + e.getMessage().lines().findFirst().orElse("") + ")");
            }
            for (int i = 0; i < node.size(); i++) {
                if (!node.get(i).isTextual()) {
                    throw new IllegalArgumentException("--prompts " + file + ": element " + i + " is not a string");
                }
                list.add(node.get(i).asText());
            }
        } else {
            text.lines().filter(l -> !l.isBlank()).forEach(list::add);
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException("--prompts " + file + ": no prompts");
        }
        return list;
    }

    static Map<String, String> libraryVersions() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("java", System.getProperty("java.version"));
        try {
            v.put("djl", ai.djl.engine.Engine.getDjlVersion());
            v.put("pytorch", ai.djl.engine.Engine.getEngine("PyTorch").getVersion());
        } catch (RuntimeException | LinkageError e) {
            v.put("djl", "unknown (" + e.getClass().getSimpleName() + ")");
        }
        v.put("territory-engine", EngineVersion.VERSION);
        return v;
    }
}
