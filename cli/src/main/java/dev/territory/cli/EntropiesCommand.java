package dev.territory.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.territory.contracts.PromptSets;
import dev.territory.contracts.RunRequested;
import dev.territory.engine.ComputeDtype;
import dev.territory.engine.EngineOptions;
import dev.territory.engine.EntropyEngine;
import dev.territory.engine.EntropyRequest;
import dev.territory.engine.LoadedModel;
import dev.territory.engine.PromptEntropies;
import dev.territory.engine.Protocol;
import dev.territory.hub.ResolvedModel;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code territory entropies}: every (layer, head) attention entropy of every prompt, one JSON
 * object per prompt and line ({@code promptIndex}, {@code inputIds}, {@code attentionMask},
 * {@code entropies[layer][head]}, {@code sinkMass[layer][head]}, optionally {@code rowEntropy}).
 */
@Command(
        name = "entropies",
        mixinStandardHelpOptions = true,
        description =
                "Per-head normalized attention entropies of each prompt (the notebook's e11-v3 protocol by default).")
final class EntropiesCommand implements Callable<Integer> {

    @Option(
            names = "--model",
            required = true,
            paramLabel = "DIR|ORG/NAME[@REV]",
            description = "Hugging Face model directory (llama, mistral, qwen2), or a Hub id with an optional revision "
                    + "(downloaded into the Hub cache: HF_ENDPOINT, HF_TOKEN, HF_HUB_CACHE, HF_HUB_OFFLINE).")
    String model;

    @Option(
            names = "--prompts",
            description = "JSON array of strings, or a text file with one prompt per line "
                    + "(default: the notebook's Standard-10 v3 set, MD5-checked).")
    Path prompts;

    @Option(
            names = "--max-length",
            defaultValue = "128",
            description = "Truncate and pad prompts to this many tokens (default ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(
            names = "--dtype",
            defaultValue = RunRequested.DEFAULT_DTYPE,
            description =
                    "Compute dtype: bfloat16 (the notebook's, emulated), float32 or float16 (default ${DEFAULT-VALUE}).")
    String dtype;

    @Option(
            names = "--protocol",
            defaultValue = "e11-v3",
            description = "e11-v3 (the notebook's), masked or attendable (default ${DEFAULT-VALUE}).")
    String protocol;

    @Option(
            names = "--batch",
            defaultValue = "4",
            description = "Prompts per forward pass; results do not depend on it (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(
            names = "--chunk",
            defaultValue = "0",
            description = "Query rows per attention chunk (default: from the memory budget).")
    int chunk;

    @Option(names = "--row-entropy", description = "Also write each head's mean per-row entropy in bits (rowEntropy).")
    boolean rowEntropy;

    @Option(
            names = "--device",
            defaultValue = "cpu",
            description =
                    "cpu, gpu:N, gpu:0,gpu:1 (layers spread over them), or auto (every visible GPU, else cpu) (default ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--out", required = true, description = "Output file (JSON lines).")
    Path out;

    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        EntropiesCommand.quietEngineLogs(verbose);
        if (maxLength < 1) {
            throw new IllegalArgumentException("--max-length must be at least 1, got " + maxLength);
        }
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        }
        Protocol proto = Protocol.fromId(protocol);
        ComputeDtype computeDtype = ComputeDtype.fromId(dtype);
        List<String> texts = readPrompts(prompts);
        AnalyzeCommand.requireLocalModelDir(model, "--model");
        ResolvedModel resolved = ModelArguments.resolve(model, "model");
        EngineOptions options = new EngineOptions(device, computeDtype, EngineOptions.DEFAULT_MEMORY_BUDGET, chunk);
        List<PromptEntropies> results;
        try (EntropyEngine engine = createEngine(options);
                LoadedModel loaded = engine.load(resolved.directory())) {
            try (ProgressBar bar = new ProgressBar("entropies", texts.size())) {
                results = loaded.computeEntropies(
                        texts,
                        new EntropyRequest(maxLength, proto, batch, rowEntropy),
                        (done, total) -> bar.update(done));
            }
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            for (PromptEntropies p : results) {
                w.write(toJson(p));
                w.write('\n');
            }
        } catch (IOException e) {
            throw new IOException(out + ": cannot write: " + e.getMessage(), e);
        }
        return 0;
    }

    /** The engine of {@code options}; a device setting it cannot resolve is an error naming {@code --device}. */
    static EntropyEngine createEngine(EngineOptions options) {
        try {
            return EntropyEngine.create(options);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--device: " + e.getMessage(), e);
        }
    }

    /** DJL logs its platform and thread choices at INFO: keep stderr for the progress bar and errors. */
    static void quietEngineLogs(boolean verbose) {
        if (!verbose && System.getProperty("org.slf4j.simpleLogger.log.ai.djl") == null) {
            System.setProperty("org.slf4j.simpleLogger.log.ai.djl", "warn");
            System.setProperty("org.slf4j.simpleLogger.log.ai.djl.util.cuda", "error");
        }
    }

    /** The prompts of {@code file} (JSON array of strings, or one per line), or Standard-10 v3 when null. */
    static List<String> readPrompts(Path file) throws IOException {
        if (file == null) {
            PromptSets.verify(PromptSets.STANDARD_10_V3, PromptSets.STANDARD_10_V3_MD5);
            return PromptSets.STANDARD_10_V3;
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": prompts file does not exist");
        } catch (IOException e) {
            throw new IOException(file + ": cannot read prompts: " + e.getMessage(), e);
        }
        List<String> out = new ArrayList<>();
        if (text.stripLeading().startsWith("[")) {
            JsonNode root;
            try {
                root = new ObjectMapper().readTree(text);
            } catch (IOException e) {
                throw new IOException(file + ": not a valid JSON array of strings: "
                        + e.getMessage().lines().findFirst().orElse(""));
            }
            for (int i = 0; i < root.size(); i++) {
                if (!root.get(i).isTextual()) {
                    throw new IOException(file + ": element " + i + " is not a string");
                }
                out.add(root.get(i).asText());
            }
        } else {
            for (String line : text.split("\r?\n")) {
                if (!line.isBlank()) {
                    out.add(line);
                }
            }
        }
        if (out.isEmpty()) {
            throw new IOException(file + ": contains no prompts");
        }
        return out;
    }

    static String toJson(PromptEntropies p) {
        StringBuilder sb = new StringBuilder(4096);
        sb.append("{\"promptIndex\":").append(p.promptIndex());
        sb.append(",\"inputIds\":");
        ints(sb, p.inputIds());
        sb.append(",\"attentionMask\":");
        ints(sb, p.attentionMask());
        sb.append(",\"entropies\":");
        matrix(sb, p.entropies());
        if (p.sinkMass() != null) {
            sb.append(",\"sinkMass\":");
            matrix(sb, p.sinkMass());
        }
        if (p.rowEntropy() != null) {
            sb.append(",\"rowEntropy\":");
            matrix(sb, p.rowEntropy());
        }
        return sb.append('}').toString();
    }

    private static void ints(StringBuilder sb, int[] a) {
        sb.append('[');
        for (int i = 0; i < a.length; i++) {
            sb.append(i == 0 ? "" : ",").append(a[i]);
        }
        sb.append(']');
    }

    private static void matrix(StringBuilder sb, float[][] m) {
        sb.append('[');
        for (int i = 0; i < m.length; i++) {
            sb.append(i == 0 ? "[" : ",[");
            for (int j = 0; j < m[i].length; j++) {
                sb.append(j == 0 ? "" : ",").append(number(m[i][j]));
            }
            sb.append(']');
        }
        sb.append(']');
    }

    /** Finite numbers as JSON numbers; NaN and infinities as the strings "nan", "inf", "-inf" (team rule). */
    static String number(float v) {
        if (Float.isNaN(v)) {
            return "\"nan\"";
        }
        if (Float.isInfinite(v)) {
            return v > 0 ? "\"inf\"" : "\"-inf\"";
        }
        return Float.toString(v);
    }
}
