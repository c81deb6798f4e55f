package dev.territory.inference;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.territory.contracts.EntropyVectorComputed;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.ModelRef;
import dev.territory.contracts.Role;
import dev.territory.contracts.RunFailed;
import dev.territory.contracts.RunRequested;
import dev.territory.contracts.TerritoryEvent;
import dev.territory.contracts.Topics;
import dev.territory.kafka.test.KafkaResource;
import dev.territory.kafka.test.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The service on the real broker with the GQA fixture pair: vectors match the notebook's per-prompt entropies. */
@QuarkusTest
@QuarkusTestResource(KafkaResource.class)
class InferenceServiceTest {

    static Path repo() {
        String root = System.getProperty("territory.repo.root");
        return root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
    }

    @Test
    void badRequestsFailTheRunAndTheServiceGoesOnToComputeTheFixtureVectors() throws Exception {
        Path models = repo().resolve("testdata/fixtures/models");
        String bad = "bad-" + UUID.randomUUID();
        String missing = "missing-" + UUID.randomUUID();
        String good = "good-" + UUID.randomUUID();
        send(RunRequested.of(bad, ModelRef.local("/b"), ModelRef.local("/i")).withSeeds(List.of(1, 1)));
        send(RunRequested.of(
                        missing,
                        ModelRef.local(models.resolve("nope").toString()),
                        ModelRef.local(models.resolve("llama3-gqa-instruct").toString()))
                .withSeeds(List.of(42)));
        send(RunRequested.of(
                        good,
                        ModelRef.local(models.resolve("llama3-gqa-base").toString()),
                        ModelRef.local(models.resolve("llama3-gqa-instruct").toString()))
                .withSeeds(List.of(42))
                .withDtype("float32"));

        List<TerritoryEvent> events = await(
                List.of(good, bad, missing),
                e -> e.stream()
                                        .filter(x -> x instanceof EntropyVectorComputed v
                                                && v.runId().equals(good))
                                        .count()
                                >= 20
                        && e.stream().filter(x -> x instanceof RunFailed).count() >= 2);
        assertThat(events.stream()
                        .filter(e -> e instanceof RunFailed f && f.runId().equals(bad))
                        .map(e -> ((RunFailed) e).reason()))
                .singleElement()
                .asString()
                .contains("seed 1 is listed twice");
        assertThat(events.stream()
                        .filter(e -> e instanceof RunFailed f && f.runId().equals(missing))
                        .map(e -> ((RunFailed) e).reason()))
                .singleElement()
                .asString()
                .contains("nope: not a directory");

        JsonNode reference = new ObjectMapper()
                .readTree(repo().resolve("testdata/fixtures/reference/llama3-gqa.float32.json")
                        .toFile());
        List<EntropyVectorComputed> vectors = events.stream()
                .filter(e -> e instanceof EntropyVectorComputed v && v.runId().equals(good))
                .map(EntropyVectorComputed.class::cast)
                .toList();
        assertThat(vectors).hasSize(20);
        // the vectors are exactly what the engine computes (float32 bits), and that is within the
        // engine's stated CPU parity with the notebook's reference (see engine FixtureParityTest)
        Map<Role, List<dev.territory.engine.PromptEntropies>> direct = new java.util.EnumMap<>(Role.class);
        try (var engine = dev.territory.engine.EntropyEngine.create(dev.territory.engine.EngineOptions.defaults())) {
            for (Role role : Role.values()) {
                try (var model = engine.load(models.resolve("llama3-gqa-" + role.id()))) {
                    direct.put(
                            role,
                            model.computeEntropies(
                                    dev.territory.contracts.PromptSets.STANDARD_10_V3,
                                    dev.territory.engine.EntropyRequest.notebook(),
                                    dev.territory.engine.ProgressListener.NONE));
                }
            }
        }
        double maxDiff = 0;
        for (EntropyVectorComputed v : vectors) {
            assertThat(v.numLayers()).isEqualTo(6);
            assertThat(v.numKvHeads()).isEqualTo(2);
            assertThat(v.entropyMatrix())
                    .isDeepEqualTo(direct.get(v.role()).get(v.promptIndex()).entropies());
            assertThat(v.tokenCount())
                    .isEqualTo(direct.get(v.role()).get(v.promptIndex()).tokenCount());
            JsonNode expected = reference
                    .get(v.role().id())
                    .get("seeds")
                    .get(0)
                    .get("per_prompt_entropies")
                    .get(v.promptIndex());
            float[][] actual = v.entropyMatrix();
            for (int l = 0; l < 6; l++) {
                for (int h = 0; h < 8; h++) {
                    maxDiff = Math.max(
                            maxDiff,
                            Math.abs(actual[l][h] - expected.get(l).get(h).asDouble()));
                }
            }
        }
        assertThat(maxDiff).as("max |entropy - reference|").isLessThan(5e-3);
        given().get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("territory_forward_tokens_total{"))
                .body(containsString("territory_run_prompts_done{"))
                .body(org.hamcrest.Matchers.not(containsString("territory_inference_")));
        given().get("/q/health/ready").then().statusCode(200);

        // a run that failed elsewhere (e.g. the other model) is not computed
        String failedElsewhere = "failed-elsewhere-" + UUID.randomUUID();
        try (var producer = new KafkaProducer<String, byte[]>(
                Map.of("bootstrap.servers", TestKafka.bootstrapServers()),
                new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(
                            Topics.RUNS_FAILED,
                            failedElsewhere,
                            EventCodec.encode(RunFailed.of(failedElsewhere, "test", "the other model failed"))))
                    .get();
        }
        Thread.sleep(1000);
        send(RunRequested.of(
                        failedElsewhere,
                        ModelRef.local(models.resolve("llama3-gqa-base").toString()),
                        ModelRef.local(models.resolve("llama3-gqa-instruct").toString()))
                .withSeeds(List.of(42)));
        long until = System.currentTimeMillis() + 6000;
        List<TerritoryEvent> late = await(List.of(failedElsewhere), e -> System.currentTimeMillis() > until);
        assertThat(late).filteredOn(e -> e instanceof EntropyVectorComputed).isEmpty();
    }

    private static void send(RunRequested request) {
        try (var producer = new KafkaProducer<String, byte[]>(
                Map.of("bootstrap.servers", TestKafka.bootstrapServers()),
                new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.RUNS_REQUESTED, request.runId(), EventCodec.encode(request)));
        }
    }

    private static List<TerritoryEvent> await(
            List<String> runIds, java.util.function.Predicate<List<TerritoryEvent>> done) {
        List<TerritoryEvent> events = new ArrayList<>();
        try (var consumer = new KafkaConsumer<String, byte[]>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        TestKafka.bootstrapServers(),
                        ConsumerConfig.GROUP_ID_CONFIG,
                        "test-" + UUID.randomUUID(),
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest"),
                new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.ENTROPY_VECTORS, Topics.RUNS_FAILED));
            long deadline = System.currentTimeMillis() + 120_000;
            while (!done.test(events) && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    TerritoryEvent e = EventCodec.decode(r.value());
                    if (runIds.contains(e.runId())) {
                        events.add(e);
                    }
                });
            }
        }
        return events;
    }
}
