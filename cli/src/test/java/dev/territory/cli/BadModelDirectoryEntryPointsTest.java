package dev.territory.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.contracts.EntropyVectorComputed;
import dev.territory.contracts.ModelJobRequested;
import dev.territory.contracts.ModelRef;
import dev.territory.contracts.PromptSpec;
import dev.territory.contracts.Role;
import dev.territory.contracts.RunProgress;
import dev.territory.contracts.RunRequested;
import dev.territory.engine.EngineOptions;
import dev.territory.engine.EntropyEngine;
import dev.territory.engine.ModelException;
import dev.territory.inference.ModelJobRunner;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every entry point refuses a bad model directory with the same message, because every one loads
 * through the engine ({@code DecoderModel.load} runs all the checks): {@code territory entropies}
 * and {@code territory analyze} in process (their {@code error:} line on stderr), and the inference
 * service's {@link ModelJobRunner}, run directly: it is the plain-Java core of the service's job
 * listener, which puts this message into RunFailed after {@code "base model <path>: "}. Each case
 * corrupts a copy of the {@code llama3-gqa-base} fixture in one way.
 */
class BadModelDirectoryEntryPointsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static EntropyEngine engine;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startEngine() {
        engine = EntropyEngine.create(
                EngineOptions.defaults().withComputeDtype(dev.territory.engine.ComputeDtype.FLOAT32));
    }

    @AfterAll
    static void closeEngine() {
        engine.close();
    }

    interface Corruption {
        void apply(Path dir) throws IOException;
    }

    /** @param expected what the message must contain, so that the case reaches the check it is about */
    record Case(String name, Corruption corruption, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case(
                        "missing config.json",
                        d -> Files.delete(d.resolve("config.json")),
                        "config.json: missing (a Hugging Face model directory needs config.json)"),
                new Case(
                        "config.json not JSON",
                        d -> Files.writeString(d.resolve("config.json"), "{\"model_type\": llama"),
                        "config.json: not valid JSON"),
                new Case(
                        "unsupported architecture",
                        d -> config(d, c -> c.put("model_type", "gemma")),
                        "model_type 'gemma' is not supported"),
                new Case(
                        "heads not dividing hidden_size",
                        d -> config(d, c -> c.put("num_attention_heads", 7)),
                        "num_attention_heads 7 does not divide hidden_size 128"),
                new Case(
                        "no weight file",
                        d -> Files.delete(d.resolve("model.safetensors")),
                        "no model.safetensors or model.safetensors.index.json"),
                new Case(
                        "safetensors header length 10 GB",
                        d -> rawSafetensors(d, 10L << 30, "{}", 0),
                        "safetensors header length 10737418240 is invalid"),
                new Case(
                        "safetensors header not JSON",
                        d -> rawSafetensors(d, 10, "{\"a\": [1, ", 0),
                        "safetensors header is not valid JSON"),
                new Case(
                        "weight file truncated",
                        d -> truncate(d.resolve("model.safetensors"), 4),
                        "outside the data area"),
                new Case(
                        "tensor shape disagreeing with config.json",
                        d -> config(d, c -> c.put("intermediate_size", 100)),
                        "tensor 'model.layers.0.mlp.gate_proj.weight' has shape"),
                new Case(
                        "NaN weight",
                        d -> poison(d, "model.layers.0.self_attn.q_proj.weight", Float.NaN),
                        "tensor 'model.layers.0.self_attn.q_proj.weight' holds a non-finite value (NaN) at element 0"),
                new Case(
                        "infinite weight",
                        d -> poison(d, "model.norm.weight", Float.NEGATIVE_INFINITY),
                        "tensor 'model.norm.weight' holds a non-finite value (-Infinity) at element 0"),
                new Case(
                        "missing tokenizer", d -> Files.delete(d.resolve("tokenizer.json")), "tokenizer.json: missing"),
                new Case(
                        "tokenizer not JSON",
                        d -> Files.writeString(d.resolve("tokenizer.json"), "{\"model\": {\"vocab\": [1, 2,"),
                        "tokenizer.json: not valid JSON"),
                new Case(
                        "catastrophic tokenizer regex",
                        d -> {
                            ObjectNode tok = (ObjectNode)
                                    JSON.readTree(d.resolve("tokenizer.json").toFile());
                            ((ObjectNode) tok.path("pre_tokenizer")
                                            .path("pretokenizers")
                                            .path(0)
                                            .path("pattern"))
                                    .put("Regex", "(a+)+$");
                            Files.writeString(d.resolve("tokenizer.json"), tok.toString());
                        },
                        "can backtrack catastrophically"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyEntryPointRefusesItWithTheSameMessage(Case c) throws Exception {
        Path dir = copyOfFixture("llama3-gqa-base");
        c.corruption().apply(dir);

        String service = serviceMessage(dir);
        assertThat(service).contains(c.expected());
        String entropies = errorLine(
                "entropies",
                "--model",
                dir.toString(),
                "--out",
                tmp.resolve("e.jsonl").toString(),
                "--dtype",
                "float32");
        String analyze = errorLine(
                "analyze",
                "--base",
                dir.toString(),
                "--instruct",
                fixture("llama3-gqa-instruct").toString(),
                "--out",
                tmp.resolve("run").toString(),
                "--dtype",
                "float32",
                "--seeds",
                "42");
        System.out.printf("%s: %s%n", c.name(), service.replace(tmp.toString(), "<tmp>"));
        assertThat(entropies).as("territory entropies").isEqualTo("error: " + service);
        assertThat(analyze).as("territory analyze").isEqualTo("error: " + service);
    }

    /** The message the inference service's job runner refuses the directory with (as the run's base model). */
    private static String serviceMessage(Path dir) {
        RunRequested request = RunRequested.of(
                        "bad-model",
                        ModelRef.local(dir.toString()),
                        ModelRef.local(fixture("llama3-gqa-instruct").toString()))
                .withSeeds(List.of(42))
                .withMaxLength(16)
                .withDtype("float32")
                .withPrompts(PromptSpec.inline("one", List.of("The cat sat on the mat.")));
        ModelJobRunner.Sink sink = new ModelJobRunner.Sink() {
            @Override
            public void progress(RunProgress progress) {}

            @Override
            public void vector(EntropyVectorComputed vector) {
                throw new AssertionError("a vector from a bad model");
            }
        };
        try {
            new ModelJobRunner(Optional.empty(), 4, false).run(ModelJobRequested.of(request, Role.BASE), engine, sink);
        } catch (ModelException e) {
            return e.getMessage();
        }
        throw new AssertionError("the job runner accepted " + dir);
    }

    /** The command's one {@code error:} line on stderr; it must exit with the bad-input code. */
    private static String errorLine(String... args) {
        AnalyzeCommandTest.Result r = AnalyzeCommandTest.run(args);
        assertThat(r.rc()).as(args[0] + " exit code; stderr: " + r.err()).isEqualTo(CliErrors.BAD_INPUT);
        List<String> errors =
                r.err().lines().filter(l -> l.startsWith("error: ")).toList();
        assertThat(errors).as(args[0] + " stderr: " + r.err()).hasSize(1);
        return errors.get(0);
    }

    private static Path fixture(String name) {
        return EntropiesCommandTest.fixtures()
                .resolve("models")
                .resolve(name)
                .toAbsolutePath()
                .normalize();
    }

    /** A copy under a real path: the job runner names the directory by its real path, the commands as given. */
    private Path copyOfFixture(String name) throws IOException {
        Path dir = Files.createDirectories(tmp.toRealPath().resolve(name));
        try (Stream<Path> files = Files.list(fixture(name))) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        return dir;
    }

    private static void config(Path dir, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        ObjectNode c = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
        edit.accept(c);
        Files.writeString(dir.resolve("config.json"), c.toString());
    }

    /** Replaces model.safetensors by a declared header length, the header text and {@code dataBytes} zero bytes. */
    private static void rawSafetensors(Path dir, long declaredLength, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength).put(h);
        Files.write(dir.resolve("model.safetensors"), b.array());
    }

    private static void truncate(Path file, int bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(f.length() - bytes);
        }
    }

    /** Writes {@code value} over the first element of an F32 tensor. */
    private static void poison(Path dir, String tensor, float value) throws IOException {
        Path file = dir.resolve("model.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            byte[] len = new byte[8];
            f.readFully(len);
            long headerLength =
                    ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong();
            byte[] header = new byte[(int) headerLength];
            f.readFully(header);
            long begin = JSON.readTree(header)
                    .path(tensor)
                    .path("data_offsets")
                    .path(0)
                    .asLong();
            f.seek(8 + headerLength + begin);
            f.write(ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putFloat(value)
                    .array());
        }
    }
}
