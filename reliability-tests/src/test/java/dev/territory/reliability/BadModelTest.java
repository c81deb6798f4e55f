package dev.territory.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.Role;
import dev.territory.contracts.RunFailed;
import dev.territory.contracts.RunProgress;
import dev.territory.contracts.Topics;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestFactory;

/**
 * Hostile or broken model directories (corrupted copies of the GQA fixture) driven through the
 * pipeline as the base model: each run fails with a reason naming the file and the problem, and
 * every service stays up.
 */
@Order(40)
class BadModelTest {

    static Pipeline p;
    static Path instruct;

    @BeforeAll
    static void start() throws Exception {
        p = Pipeline.shared();
        instruct = p.fixture("llama3-gqa-instruct");
    }

    interface Corruption {
        void apply(Path dir) throws IOException;
    }

    record Case(String runId, String input, Corruption corruption, String expected, boolean timed) {}

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        c.add(new Case(
                "model-header-10gb",
                "safetensors header length 10 GB",
                d -> rawSafetensors(d, 10L << 30, "{}", 0),
                "header length 10737418240 is invalid",
                true));
        c.add(new Case(
                "model-header-max",
                "safetensors header length 2^64-1",
                d -> rawSafetensors(d, -1L, "{}", 0),
                "header length 18446744073709551615 is invalid",
                true));
        c.add(new Case(
                "model-offsets-out",
                "tensor offsets beyond the data area",
                d -> rawSafetensors(d, -2, "{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8),
                "outside the data area of 8 bytes",
                false));
        c.add(new Case(
                "model-overlap",
                "two tensors overlapping",
                d -> rawSafetensors(
                        d,
                        -2,
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                        12),
                "overlap",
                false));
        c.add(new Case(
                "model-size-overflow",
                "tensor shape whose byte size overflows 64 bits",
                d -> rawSafetensors(
                        d,
                        -2,
                        "{\"x\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,8],\"data_offsets\":[0,8]}}",
                        8),
                "'x'",
                false));
        String t = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
        c.add(new Case(
                "model-duplicate-names",
                "duplicate tensor names",
                d -> rawSafetensors(d, -2, "{\"x\":" + t + ",\"x\":" + t + "}", 4),
                "Duplicate field 'x'",
                false));
        c.add(new Case(
                "model-unknown-dtype",
                "unknown tensor dtype",
                d -> rawSafetensors(d, -2, "{\"x\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
                "Q4",
                false));
        c.add(new Case(
                "model-truncated",
                "weight file truncated by 4 bytes",
                d -> {
                    try (RandomAccessFile f =
                            new RandomAccessFile(d.resolve("model.safetensors").toFile(), "rw")) {
                        f.setLength(f.length() - 4);
                    }
                },
                "outside the data area",
                false));
        c.add(new Case(
                "model-shard-escape",
                "shard name escaping the model directory (`../`)",
                d -> shard(d, "../outside.safetensors"),
                "escapes",
                false));
        c.add(new Case(
                "model-shard-symlink",
                "shard that is a symlink to a file outside the directory",
                d -> {
                    shard(d, "model-00001-of-00001.safetensors");
                    Path outside = p.root.resolve("outside-" + d.getFileName() + ".safetensors");
                    Files.move(
                            d.resolve("model-00001-of-00001.safetensors"),
                            outside,
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    Files.createSymbolicLink(d.resolve("model-00001-of-00001.safetensors"), outside);
                },
                "link that escapes the model directory",
                false));
        c.add(new Case(
                "model-heads-hidden",
                "num_attention_heads 7 does not divide hidden_size 128",
                d -> config(d, "num_attention_heads", 7),
                "num_attention_heads 7 does not divide hidden_size 128",
                false));
        c.add(new Case(
                "model-kv-heads",
                "num_key_value_heads 3 does not divide 8 heads",
                d -> config(d, "num_key_value_heads", 3),
                "num_key_value_heads 3 does not divide num_attention_heads 8",
                false));
        c.add(new Case(
                "model-architecture",
                "unsupported model_type gemma",
                d -> {
                    ObjectNode cfg = (ObjectNode) EventCodec.mapper()
                            .readTree(d.resolve("config.json").toFile());
                    cfg.put("model_type", "gemma");
                    Files.writeString(d.resolve("config.json"), cfg.toString());
                },
                "'gemma'",
                false));
        c.add(new Case(
                "model-no-tokenizer",
                "tokenizer.json missing",
                d -> Files.delete(d.resolve("tokenizer.json")),
                "tokenizer.json: missing",
                false));
        c.add(new Case(
                "model-bad-tokenizer",
                "tokenizer.json not JSON",
                d -> Files.writeString(d.resolve("tokenizer.json"), "{\"model\": {\"vocab\": [1, 2,"),
                "not valid JSON",
                false));
        c.add(new Case(
                "model-regex-backtracking",
                "tokenizer.json pre-tokenizer regex `(a+)+$` (catastrophic backtracking)",
                d -> {
                    ObjectNode tok = (ObjectNode) EventCodec.mapper()
                            .readTree(d.resolve("tokenizer.json").toFile());
                    ((ObjectNode) tok.path("pre_tokenizer")
                                    .path("pretokenizers")
                                    .path(0)
                                    .path("pattern"))
                            .put("Regex", "(a+)+$");
                    Files.writeString(d.resolve("tokenizer.json"), tok.toString());
                },
                "can backtrack catastrophically",
                true));
        c.add(new Case(
                "model-nan-weights",
                "a NaN in layer 0's q_proj weights",
                d -> poison(d, "model.layers.0.self_attn.q_proj.weight"),
                "holds a non-finite value (NaN)",
                false));
        return c;
    }

    @TestFactory
    Stream<DynamicTest> eachBadModelFailsItsRunNamingTheProblem() throws Exception {
        List<Case> cases = cases();
        for (Case c : cases) {
            Path dir = p.copyFixture("llama3-gqa-base", c.runId());
            c.corruption().apply(dir);
            ObjectNode r = Requests.cheap(c.runId(), dir, instruct);
            p.events.send(Topics.RUNS_REQUESTED, c.runId(), Requests.bytes(r));
        }
        return cases.stream()
                .map(c -> DynamicTest.dynamicTest(c.input(), () -> {
                    EventLog.Rec outcome = p.events.awaitOutcome(c.runId(), Duration.ofSeconds(180));
                    assertThat(outcome.topic())
                            .as("outcome of " + c.runId() + ": " + outcome.text())
                            .isEqualTo(Topics.RUNS_FAILED);
                    RunFailed failed = outcome.event(RunFailed.class).orElseThrow();
                    assertThat(failed.reason()).contains(c.expected()).contains("base model");
                    String timing = "";
                    if (c.timed()) { // from the LOADING progress event to the failure: the header is refused without
                        // reading it
                        RunProgress loading = p.events
                                .await(
                                        "LOADING of " + c.runId(),
                                        x -> x.topic().equals(Topics.RUNS_PROGRESS)
                                                && x.event(RunProgress.class)
                                                        .map(e -> e.runId().equals(c.runId())
                                                                && e.role() == Role.BASE
                                                                && e.stage() == RunProgress.Stage.LOADING)
                                                        .orElse(false),
                                        Duration.ofSeconds(10))
                                .event(RunProgress.class)
                                .orElseThrow();
                        double seconds = Duration.between(loading.occurredAt(), failed.occurredAt())
                                        .toNanos()
                                / 1e9;
                        assertThat(seconds)
                                .as("seconds from loading to refusal")
                                .isLessThan(1.0);
                        timing = " (refused < 1 s after loading began)";
                    }
                    JsonNode state = BadRequestTest.awaitFailedInReport(c.runId());
                    assertThat(state.path("failure").asText()).contains(c.expected());
                    p.assertAllUp();
                    ReliabilityTable.record(
                            "bad model",
                            c.input(),
                            "run FAILED: " + Text.normalize(p, failed.reason()) + timing + "; all services up");
                }));
    }

    /** Replaces model.safetensors by a length (declared; -2 = the header's real length), a header and zero bytes. */
    static void rawSafetensors(Path dir, long declaredLength, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength == -2 ? h.length : declaredLength).put(h);
        Files.write(dir.resolve("model.safetensors"), b.array());
    }

    /** Makes the model sharded (one shard plus index) with the index naming {@code shardName} for every tensor. */
    static void shard(Path dir, String shardName) throws IOException {
        Path single = dir.resolve("model.safetensors");
        JsonNode header = header(single);
        Files.move(single, dir.resolve("model-00001-of-00001.safetensors"));
        ObjectNode index = EventCodec.mapper().createObjectNode();
        index.putObject("metadata").put("total_size", Files.size(dir.resolve("model-00001-of-00001.safetensors")));
        ObjectNode map = index.putObject("weight_map");
        for (Iterator<String> it = header.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!name.equals("__metadata__")) {
                map.put(name, shardName);
            }
        }
        Files.writeString(dir.resolve("model.safetensors.index.json"), index.toString());
    }

    static void config(Path dir, String key, int value) throws IOException {
        ObjectNode cfg = (ObjectNode)
                EventCodec.mapper().readTree(dir.resolve("config.json").toFile());
        cfg.put(key, value);
        Files.writeString(dir.resolve("config.json"), cfg.toString());
    }

    /** Writes a NaN over the first element of {@code tensor} (F32). */
    static void poison(Path dir, String tensor) throws IOException {
        Path file = dir.resolve("model.safetensors");
        JsonNode header = header(file);
        long headerLength;
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            byte[] len = new byte[8];
            f.readFully(len);
            headerLength = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong();
            long at = 8
                    + headerLength
                    + header.path(tensor).path("data_offsets").path(0).asLong();
            f.seek(at);
            f.write(ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putFloat(Float.NaN)
                    .array());
        }
    }

    static JsonNode header(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return EventCodec.mapper().readTree(new String(all, 8, (int) n, StandardCharsets.UTF_8));
    }
}
