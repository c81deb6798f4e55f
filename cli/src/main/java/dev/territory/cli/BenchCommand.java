package dev.territory.cli;

import dev.territory.contracts.PromptSets;
import dev.territory.contracts.RunRequested;
import dev.territory.engine.ComputeDtype;
import dev.territory.engine.EngineOptions;
import dev.territory.engine.EntropyEngine;
import dev.territory.engine.EntropyRequest;
import dev.territory.engine.LoadedModel;
import dev.territory.engine.MatmulPrecision;
import dev.territory.engine.Protocol;
import dev.territory.engine.synthetic.SyntheticCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code territory bench}: the entropy pass against the same forward pass without attention
 * statistics, on one loaded model. Prints progress on stderr and, last, one JSON line on stdout.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Times the entropy pass against a plain forward pass; last line: one JSON object.")
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--model", description = "Hugging Face model directory (or use --synthetic).")
    Path model;

    @Option(
            names = "--synthetic",
            paramLabel = "PRESET",
            description =
                    "Generate a seeded random model instead of --model: ${COMPLETION-CANDIDATES} "
                            + "(llama31-small: 32 layers, 32 query / 8 KV heads, hidden 512, bf16; written once under the temp directory).")
    SyntheticPreset synthetic;

    /** Benchmark models made in Java, so the numbers in docs/benchmarks.md reproduce from a clone. */
    enum SyntheticPreset {
        llama31_small;

        @Override
        public String toString() {
            return name().replace('_', '-');
        }
    }

    @Option(names = "--max-length", defaultValue = "128", description = "Tokens per prompt (default ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(
            names = "--num-prompts",
            defaultValue = "10",
            description = "Prompts, cycling Standard-10 v3 (default ${DEFAULT-VALUE}).")
    int numPrompts;

    @Option(names = "--batch", defaultValue = "1", description = "Prompts per forward pass (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(
            names = "--chunk",
            defaultValue = "0",
            description = "Query rows per attention chunk (default: from the memory budget).")
    int chunk;

    @Option(
            names = "--dtype",
            defaultValue = RunRequested.DEFAULT_DTYPE,
            description = "bfloat16 (the notebook's, emulated), float32 or float16 (default ${DEFAULT-VALUE}).")
    String dtype;

    @Option(
            names = "--device",
            defaultValue = "cpu",
            description = "cpu, gpu:N, a list gpu:0,gpu:1 (layers spread over them), "
                    + "or auto (every visible GPU, else cpu) (default ${DEFAULT-VALUE}).")
    String device;

    @Option(
            names = "--repeat",
            defaultValue = "3",
            description = "Timed repetitions, interleaved; the minimum of each is reported "
                    + "(this machine's cores are shared) (default ${DEFAULT-VALUE}).")
    int repeat;

    @Option(
            names = "--no-warmup",
            description = "Skip the untimed warm-up pass (long contexts, where one pass takes minutes).")
    boolean noWarmup;

    @Option(
            names = "--fill",
            description = "Repeat each prompt's text until it fills --max-length, so that every position "
                    + "is a real token (long-context cost). Without it the Standard-10 prompts are padded to --max-length as the "
                    + "notebook does, and the keys past the last real token are skipped.")
    boolean fill;

    @Option(
            names = "--metrics-vectors",
            paramLabel = "N",
            description =
                    "Instead of the entropy pass: produce N entropy "
                            + "vectors (32 x 32) to a local broker, start the packaged metrics-service and measure how fast it consumes them.")
    long metricsVectors;

    @Option(
            names = "--metrics-prompts",
            defaultValue = "200",
            paramLabel = "P",
            description =
                    "With --metrics-vectors: "
                            + "prompts per (run, model, seed), so each seed's metrics are computed every P vectors (default ${DEFAULT-VALUE}).")
    int metricsPrompts;

    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        if (metricsVectors < 0) {
            throw new IllegalArgumentException("--metrics-vectors must be at least 1, got " + metricsVectors);
        }
        if (metricsVectors > 0) {
            return benchMetricsService();
        }
        EntropiesCommand.quietEngineLogs(verbose);
        if (numPrompts < 1 || batch < 1 || maxLength < 1) {
            throw new IllegalArgumentException("--num-prompts, --batch and --max-length must be at least 1");
        }
        if ((model == null) == (synthetic == null)) {
            throw new IllegalArgumentException("give exactly one of --model DIR and --synthetic PRESET");
        }
        if (synthetic != null) {
            model = syntheticModel(synthetic);
        }
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < numPrompts; i++) {
            String prompt = PromptSets.STANDARD_10_V3.get(i % PromptSets.STANDARD_10_V3.size());
            prompts.add(fill ? repeatToLength(prompt, maxLength) : prompt);
        }
        EngineOptions options =
                new EngineOptions(device, ComputeDtype.fromId(dtype), EngineOptions.DEFAULT_MEMORY_BUDGET, chunk);
        EntropyRequest request = new EntropyRequest(maxLength, Protocol.E11_V3, batch);
        double entropyS;
        double forwardS;
        double realTokens = 0;
        double engineS;
        double loadS;
        long tEngine = System.nanoTime();
        try (EntropyEngine engine = EntropiesCommand.createEngine(options)) {
            engineS = (System.nanoTime() - tEngine) / 1e9; // libtorch and the device
            long tLoad = System.nanoTime();
            try (LoadedModel loaded = engine.load(model)) {
                loadS = (System.nanoTime() - tLoad) / 1e9; // the model's weights on the device
                // warm-up: first use of each kernel and shape
                if (!noWarmup) {
                    loaded.computeEntropies(prompts.subList(0, Math.min(batch, prompts.size())), request, null);
                    loaded.forwardOnly(prompts.subList(0, Math.min(batch, prompts.size())), request);
                }
                entropyS = Double.MAX_VALUE;
                forwardS = Double.MAX_VALUE;
                for (int r = 0; r < Math.max(1, repeat); r++) {
                    long t0 = System.nanoTime();
                    try (ProgressBar bar = new ProgressBar("entropy pass " + (r + 1), prompts.size())) {
                        realTokens = meanRealTokens(
                                loaded.computeEntropies(prompts, request, (done, total) -> bar.update(done)));
                    }
                    entropyS = Math.min(entropyS, (System.nanoTime() - t0) / 1e9);
                    long t1 = System.nanoTime();
                    loaded.forwardOnly(prompts, request);
                    forwardS = Math.min(forwardS, (System.nanoTime() - t1) / 1e9);
                }
            }
        }
        // both passes run in the same dtype (the forward pass rounds as the entropy pass does): the ratio is
        // the cost of the entropy reduction, not of the dtype
        System.err.printf(
                Locale.ROOT,
                "%s: engine start %.1f s, load %.1f s, entropy pass %.3f s (%.2f prompts/s), forward only %.3f s%n",
                options.computeDtype().id(),
                engineS,
                loadS,
                entropyS,
                prompts.size() / entropyS,
                forwardS);
        System.out.printf(
                Locale.ROOT,
                "{\"model\":\"%s\",\"dtype\":\"%s\",\"max_length\":%d,\"prompts\":%d,\"batch\":%d,\"real_tokens_mean\":%.1f,"
                        + "\"entropy_pass_s\":%.4f,\"forward_only_s\":%.4f,\"ratio\":%.4f,\"prompts_per_s\":%.3f,"
                        + "\"peak_rss_mb\":%.1f,\"engine_s\":%.2f,\"load_s\":%.2f,\"tf32\":%b}%n",
                model.toString().replace("\\", "\\\\").replace("\"", "\\\""),
                options.computeDtype().id(),
                maxLength,
                prompts.size(),
                batch,
                realTokens,
                entropyS,
                forwardS,
                entropyS / forwardS,
                prompts.size() / entropyS,
                peakRssMb(),
                engineS,
                loadS,
                MatmulPrecision.tf32(System.getenv()));
        return 0;
    }

    private int benchMetricsService() throws Exception {
        if (model != null || synthetic != null) {
            throw new IllegalArgumentException(
                    "--metrics-vectors benchmarks the metrics service: give no --model or --synthetic");
        }
        if (metricsPrompts < 1) {
            throw new IllegalArgumentException("--metrics-prompts must be at least 1");
        }
        UpCommand.quietKafkaClients();
        MetricsBench.Result r = MetricsBench.run(UpCommand.Stack.home(), metricsVectors, metricsPrompts, System.err);
        System.err.printf(
                Locale.ROOT,
                "metrics-service: %d vectors in %.2f s after its first (start-up %.1f s): %.0f vectors/s; "
                        + "%.0f vectors/s counting start-up%n",
                r.vectors(),
                r.consumeS(),
                r.startupS(),
                r.vectorsPerS(),
                r.vectorsPerSWithStartup());
        System.out.printf(
                Locale.ROOT,
                "{\"metrics_vectors\":%d,\"shape\":\"%dx%d\",\"prompts_per_seed\":%d,\"runs\":%d,\"startup_s\":%.2f,"
                        + "\"consume_s\":%.3f,\"vectors_per_s\":%.0f,\"total_s\":%.2f,\"vectors_per_s_with_startup\":%.0f}%n",
                r.vectors(),
                MetricsBench.LAYERS,
                MetricsBench.HEADS,
                r.promptsPerSeed(),
                r.runs(),
                r.startupS(),
                r.consumeS(),
                r.vectorsPerS(),
                r.totalS(),
                r.vectorsPerSWithStartup());
        return 0;
    }

    /** The prompt, repeated (space-separated) to at least 8 characters per token of {@code maxLength}; the tokenizer truncates. */
    static String repeatToLength(String prompt, int maxLength) {
        StringBuilder text = new StringBuilder(prompt);
        while (text.length() < 8L * maxLength) {
            text.append(' ').append(prompt);
        }
        return text.toString();
    }

    private static double meanRealTokens(List<dev.territory.engine.PromptEntropies> results) {
        return results.stream()
                .mapToInt(r -> java.util.Arrays.stream(r.attentionMask()).sum())
                .average()
                .orElse(0);
    }

    /** Writes the preset's checkpoint once (seeded, so always the same weights) and returns its directory. */
    static Path syntheticModel(SyntheticPreset preset) throws IOException {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "territory-synthetic", preset.toString());
        if (Files.isRegularFile(dir.resolve("model.safetensors")) && Files.isRegularFile(dir.resolve("config.json"))) {
            return dir;
        }
        SyntheticCheckpoint.Spec spec = new SyntheticCheckpoint.Spec();
        spec.modelType = "llama";
        spec.layers = 32;
        spec.heads = 32;
        spec.kvHeads = 8;
        spec.hidden = 512;
        spec.intermediate = 1024;
        spec.vocab = 1024;
        spec.ropeType = "llama3";
        spec.ropeTheta = 500000;
        spec.dtype = "BF16";
        spec.maxPositions = 131072;
        spec.seed = 31;
        System.err.println("bench: writing the " + preset + " checkpoint to " + dir);
        Path partial = dir.resolveSibling(preset + ".partial");
        SyntheticCheckpoint.write(spec, partial);
        Files.move(partial, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return dir;
    }

    /** VmHWM of /proc/self/status in MiB, or -1 where there is no /proc. */
    static double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return -1;
    }
}
