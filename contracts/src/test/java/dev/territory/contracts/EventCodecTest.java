package dev.territory.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EventCodecTest {

    private static final RunRequested REQUEST =
            RunRequested.of("run-1", ModelRef.local("/models/base"), ModelRef.local("/models/instruct"));

    @Test
    void everyEventTypeRoundTrips() {
        float[][] entropies = {{0.5f, 0.25f}, {Float.NaN, 1f}};
        ObjectNode metrics = JsonNodeFactory.instance.objectNode().put("specialization_index", 0.1);
        ModelShape shape = new ModelShape("llama", 2, 2, 1);
        List<TerritoryEvent> events = List.of(
                REQUEST,
                ModelJobRequested.of(REQUEST, Role.INSTRUCT),
                EntropyVectorComputed.of(
                        "run-1",
                        Role.BASE,
                        42,
                        List.of(42, 123),
                        3,
                        10,
                        17,
                        "llama",
                        1,
                        "float32",
                        "e11-v3",
                        "0.1.0",
                        entropies),
                RunProgress.of("run-1", Role.BASE, 42, RunProgress.Stage.COMPUTING, 3, 10, null),
                ModelLoaded.of(
                        "run-1",
                        Role.BASE,
                        new ModelInfo(
                                "m",
                                "/models/m",
                                null,
                                "llama",
                                2,
                                2,
                                1,
                                16,
                                "bfloat16",
                                4096,
                                1234L,
                                List.of(new ModelFile("model.safetensors", 10, "ab"))),
                        0.5),
                new SeedMetricsComputed(
                        SeedMetricsComputed.idFor("run-1", Role.BASE, 42),
                        1,
                        REQUEST.occurredAt(),
                        "run-1",
                        Role.BASE,
                        42,
                        List.of(42),
                        10,
                        shape,
                        "float32",
                        "e11-v3",
                        "0.1.0",
                        metrics,
                        List.of()),
                new SeedMetricsComputed(
                        SeedMetricsComputed.idFor("run-1", Role.BASE, 42),
                        1,
                        REQUEST.occurredAt(),
                        "run-1",
                        Role.BASE,
                        42,
                        List.of(42),
                        1,
                        shape,
                        "float32",
                        "e11-v3",
                        "0.1.0",
                        metrics,
                        List.of(new SeedMetricsComputed.Prompt(0, 17, "AAAAAA==", Map.of("sink_mass", "AAAAAA==")))),
                RunStatisticsComputed.of("run-1", metrics, null),
                new RoleMetricsComputed(
                        RoleMetricsComputed.idFor("run-1", Role.BASE),
                        1,
                        REQUEST.occurredAt(),
                        "run-1",
                        Role.BASE,
                        List.of(42),
                        10,
                        shape,
                        "float32",
                        "e11-v3",
                        "0.1.0",
                        metrics),
                RunCompleted.of(
                        "run-1", "A_CONFIRMED", true, "/runs/run-1/files/results.json", List.of("results.json")),
                RunFailed.of("run-1", "inference-service", "config.json: missing num_attention_heads"));
        for (TerritoryEvent event : events) {
            byte[] json = EventCodec.encode(event);
            TerritoryEvent back = EventCodec.decode(json);
            assertThat(back.getClass()).isEqualTo(event.getClass());
            // records compare arrays/JsonNodes by value except the base64 string, which is compared as text
            assertThat(EventCodec.encodeToString(back))
                    .isEqualTo(new String(json, java.nio.charset.StandardCharsets.UTF_8));
            assertThat(back.eventId()).isEqualTo(event.eventId());
            assertThat(back.occurredAt()).isEqualTo(event.occurredAt());
            assertThat(EventCodec.typeOf(json)).contains(event.getClass().getSimpleName());
        }
    }

    @Test
    void typeOfReadsOnlyTheTopLevelType() {
        byte[] late =
                "{\"metrics\":{\"type\":\"nested\",\"x\":[1,2,{\"type\":\"deeper\"}]},\"type\":\"RunFailed\",\"rest\": ["
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8); // malformed after the type: never read
        assertThat(EventCodec.typeOf(late)).contains("RunFailed");
        assertThat(EventCodec.typeOf("{\"type\":7}".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .isEmpty();
        assertThat(EventCodec.typeOf("[1]".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .isEmpty();
        assertThat(EventCodec.typeOf("{\"runId\":\"r\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .isEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> EventCodec.typeOf("{\"a\":".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .isInstanceOf(EventFormatException.class)
                .hasMessageContaining("not JSON");
    }

    @Test
    void theReadmesConsoleProducerExampleIsAValidRequest() throws Exception {
        String root = System.getProperty("territory.repo.root", "..");
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of(root, "README.md"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("echo '([^|']+)\\|(\\{[^']*\\})'")
                .matcher(readme);
        assertThat(m.find())
                .as("README has an echo 'key|json' console-producer example")
                .isTrue();
        RunRequested r = EventCodec.decode(m.group(2).getBytes(), RunRequested.class);
        assertThat(r.runId()).isEqualTo(m.group(1));
        assertThat(RunRequestValidator.problems(r)).isEmpty();
    }

    @Test
    void defaultsAreTheNotebooks() {
        String json = """
                {"type":"RunRequested","eventId":"e1","schemaVersion":1,"occurredAt":"2026-01-01T00:00:00Z",
                 "runId":"r1","base":{"path":"/m/b"},"instruct":{"path":"/m/i"}}""";
        RunRequested r = EventCodec.decode(json.getBytes(), RunRequested.class);
        assertThat(r.seeds()).containsExactly(42, 123, 456);
        assertThat(r.maxLength()).isEqualTo(128);
        assertThat(r.protocol()).isEqualTo("e11-v3");
        assertThat(r.dtype()).isEqualTo("bfloat16");
        assertThat(r.reference()).isEqualTo("e11-mistral");
        assertThat(r.prompts().resolve()).isEqualTo(PromptSets.STANDARD_10_V3);
        assertThat(RunRequestValidator.problems(r)).isEmpty();
    }

    @Test
    void malformedMessagesGetErrorsNamingTheProblem() {
        assertThatThrownBy(() -> EventCodec.decode("not json"))
                .isInstanceOf(EventFormatException.class)
                .hasMessageStartingWith("not JSON");
        assertThatThrownBy(() -> EventCodec.decode("{\"type\":\"Nope\",\"schemaVersion\":1}"))
                .hasMessageContaining("unknown event type 'Nope'");
        String noRun = """
                {"type":"RunRequested","eventId":"e1","schemaVersion":1,"occurredAt":"2026-01-01T00:00:00Z",
                 "base":{"path":"/m/b"},"instruct":{"path":"/m/i"}}""";
        assertThatThrownBy(() -> EventCodec.decode(noRun))
                .isInstanceOf(EventFormatException.class)
                .hasMessage("RunRequested: missing field 'runId'");
        String v2 = noRun.replace("\"schemaVersion\":1", "\"schemaVersion\":2");
        assertThatThrownBy(() -> EventCodec.decode(v2)).hasMessageContaining("unsupported schemaVersion 2");
        String noVersion = noRun.replace("\"schemaVersion\":1,", "");
        assertThatThrownBy(() -> EventCodec.decode(noVersion))
                .hasMessage("RunRequested: missing field 'schemaVersion'");
        String extra = EventCodec.encodeToString(REQUEST).replace("{\"type\"", "{\"colour\":\"red\",\"type\"");
        assertThatThrownBy(() -> EventCodec.decode(extra)).hasMessageContaining("unknown field 'colour'");
        String mistyped = EventCodec.encodeToString(REQUEST).replace("\"maxLength\":128", "\"maxLength\":\"long\"");
        assertThatThrownBy(() -> EventCodec.decode(mistyped))
                .isInstanceOf(EventFormatException.class)
                .hasMessageContaining("maxLength");
        String vector = EventCodec.encodeToString(EntropyVectorComputed.of(
                "r", Role.BASE, 1, List.of(1), 0, 1, 3, "llama", 1, "float32", "e11-v3", "0.1.0", new float[][] {{1f}
                }));
        String noPromptCount = vector.replaceAll("\"promptCount\":1,", "");
        assertThatThrownBy(() -> EventCodec.decode(noPromptCount))
                .hasMessage("EntropyVectorComputed: missing field 'promptCount'");
        assertThat(EventCodec.runIdOf(noRun.getBytes())).isEmpty();
        assertThat(EventCodec.runIdOf(vector.getBytes())).contains("r");
    }

    @Test
    void float32PayloadIsBitExactAndLittleEndian() {
        Random random = new Random(7);
        float[][] m = new float[32][32];
        for (float[] row : m) {
            for (int i = 0; i < row.length; i++) {
                row[i] = Float.intBitsToFloat(random.nextInt());
            }
        }
        m[0][0] = Float.MIN_VALUE;
        m[0][1] = -0.0f;
        m[0][2] = Float.intBitsToFloat(0x7fc00001); // a NaN with a payload
        float[][] back = Float32Codec.decode(Float32Codec.encode(m), 32, 32);
        for (int r = 0; r < 32; r++) {
            for (int c = 0; c < 32; c++) {
                assertThat(Float.floatToRawIntBits(back[r][c])).isEqualTo(Float.floatToRawIntBits(m[r][c]));
            }
        }
        // 1.0f is 0x3f800000: little-endian bytes 00 00 80 3f
        assertThat(java.util.Base64.getDecoder().decode(Float32Codec.encode(new float[][] {{1.0f}})))
                .containsExactly(0x00, 0x00, 0x80, 0x3f);
        assertThatThrownBy(() -> Float32Codec.decode(Float32Codec.encode(m), 32, 31))
                .hasMessageContaining("expected 32 x 31 float32 = 3968 bytes, got 4096");
    }

    @Test
    void vectorIdsAreDeterministicSoReplaysAreRecognised() {
        float[][] e = {{1f}};
        var a = EntropyVectorComputed.of(
                "r", Role.BASE, 1, List.of(1), 0, 1, 3, "llama", 1, "float32", "e11-v3", "0", e);
        var b = EntropyVectorComputed.of(
                "r", Role.BASE, 1, List.of(1), 0, 1, 3, "llama", 1, "float32", "e11-v3", "0", e);
        var c = EntropyVectorComputed.of(
                "r", Role.INSTRUCT, 1, List.of(1), 0, 1, 3, "llama", 1, "float32", "e11-v3", "0", e);
        assertThat(a.eventId()).isEqualTo(b.eventId()).isNotEqualTo(c.eventId());
        assertThat(a.key()).isEqualTo("r/base/1");
    }

    @Test
    void vectorReductionsRoundTripAndUnknownOnesAreRefused() {
        float[][] e = {{0.5f, 0.25f}};
        float[][] counts = {{7f, 9f}};
        var v = EntropyVectorComputed.of(
                "r",
                Role.BASE,
                1,
                List.of(1),
                0,
                1,
                9,
                "llama",
                1,
                "float32",
                "e11-v3",
                "0",
                e,
                java.util.Map.of(
                        EntropyVectorComputed.entropiesKey("masked"),
                        new float[][] {{0.4f, 0.3f}},
                        EntropyVectorComputed.normalizersKey("masked"),
                        counts,
                        EntropyVectorComputed.SINK_MASS,
                        new float[][] {{0.9f, 0.1f}}));
        var back = (EntropyVectorComputed) EventCodec.decode(EventCodec.encode(v));
        assertThat(back.reduction("entropies/masked")).isDeepEqualTo(new float[][] {{0.4f, 0.3f}});
        assertThat(back.reduction("normalizers/masked")).isDeepEqualTo(counts);
        assertThat(back.reduction(EntropyVectorComputed.SINK_MASS)).isDeepEqualTo(new float[][] {{0.9f, 0.1f}});
        assertThat(back.reduction(EntropyVectorComputed.ROW_ENTROPY)).isNull();
        // a vector without reductions (an older producer) still decodes, with none
        String plain = EventCodec.encodeToString(EntropyVectorComputed.of(
                        "r", Role.BASE, 1, List.of(1), 0, 1, 9, "llama", 1, "float32", "e11-v3", "0", e))
                .replace(",\"reductions\":{}", "");
        assertThat(plain).doesNotContain("reductions");
        assertThat(((EntropyVectorComputed) EventCodec.decode(plain.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                        .reductions())
                .isEmpty();
        assertThatThrownBy(() -> EntropyVectorComputed.of(
                        "r",
                        Role.BASE,
                        1,
                        List.of(1),
                        0,
                        1,
                        9,
                        "llama",
                        1,
                        "float32",
                        "e11-v3",
                        "0",
                        e,
                        java.util.Map.of("entropies/bogus", e)))
                .hasMessageContaining("unknown reduction 'entropies/bogus'");
    }

    @Test
    void aModelDescriptionNamesItsAttentionAndRefusesHeadsThatDoNotSplitIntoGroups() {
        ModelInfo gqa = new ModelInfo("m", "/models/m", null, "llama", 2, 32, 8, 128, "BF16", 4096, null, null);
        assertThat(gqa.attentionKind()).isEqualTo("GQA");
        assertThat(gqa.groupSize()).isEqualTo(4);
        assertThat(gqa.weightFiles()).isEmpty();
        assertThat(new ModelInfo("m", "/m", null, "mistral", 2, 8, 8, 16, "BF16", 4096, null, null).attentionKind())
                .isEqualTo("MHA");
        assertThat(new ModelInfo("m", "/m", null, "llama", 2, 8, 1, 16, "BF16", 4096, null, null).attentionKind())
                .isEqualTo("MQA");
        assertThatThrownBy(() -> new ModelInfo("m", "/m", null, "llama", 2, 12, 8, 16, "BF16", 4096, null, null))
                .hasMessageContaining("12 query heads cannot be split into 8 KV groups");
    }
}
