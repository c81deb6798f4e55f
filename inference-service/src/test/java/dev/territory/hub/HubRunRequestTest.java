package dev.territory.hub;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.territory.contracts.EntropyVectorComputed;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.ModelLoaded;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The service on the real broker with its Hub settings pointing at the Hub-like test server: a
 * RunRequested naming a repository the Hub does not have fails with the Hub's 404 message, and
 * the service goes on to run a request whose base model is a Hub id: downloaded into the cache,
 * the resolved commit and verified hash in ModelLoaded, the same vectors as the local directory,
 * the download in the metrics.
 */
@QuarkusTest
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(value = FakeHubResource.class, restrictToAnnotatedClass = true)
class HubRunRequestTest {

    @Test
    void aMissingRepoFailsItsRunAndAHubModelRunsFromTheCache() throws Exception {
        Path models = HubFixtures.modelsDir();
        String instruct = models.resolve("llama3-gqa-instruct").toString();
        String missing = "hub-missing-" + UUID.randomUUID();
        String good = "hub-good-" + UUID.randomUUID();
        String local = "hub-local-" + UUID.randomUUID();
        send(RunRequested.of(missing, ModelRef.hub("territory/no-such-model", null), ModelRef.local(instruct))
                .withSeeds(List.of(42)));
        send(RunRequested.of(good, ModelRef.hub(HubFixtures.LLAMA, "main"), ModelRef.local(instruct))
                .withSeeds(List.of(42)));
        send(RunRequested.of(
                        local, ModelRef.local(models.resolve("llama3-gqa-base").toString()), ModelRef.local(instruct))
                .withSeeds(List.of(42)));

        List<TerritoryEvent> events = await(
                List.of(missing, good, local),
                e -> count(
                                        e,
                                        x -> x instanceof EntropyVectorComputed v
                                                && v.runId().equals(good)
                                                && v.role() == Role.BASE)
                                >= 10
                        && count(
                                        e,
                                        x -> x instanceof EntropyVectorComputed v
                                                && v.runId().equals(local)
                                                && v.role() == Role.BASE)
                                >= 10
                        && count(e, x -> x instanceof RunFailed f && f.runId().equals(missing)) >= 1
                        && count(e, x -> x instanceof ModelLoaded m && m.runId().equals(good) && m.role() == Role.BASE)
                                >= 1);

        assertThat(events.stream()
                        .filter(e -> e instanceof RunFailed f && f.runId().equals(missing))
                        .map(e -> ((RunFailed) e).reason()))
                .singleElement()
                .asString()
                .startsWith("base model territory/no-such-model: 404: repository territory/no-such-model not found at "
                        + FakeHubResource.hub.endpoint());

        ModelLoaded loaded = events.stream()
                .filter(e -> e instanceof ModelLoaded m && m.runId().equals(good) && m.role() == Role.BASE)
                .map(ModelLoaded.class::cast)
                .findFirst()
                .orElseThrow();
        assertThat(loaded.model().name()).isEqualTo(HubFixtures.LLAMA);
        assertThat(loaded.model().source()).isEqualTo(FakeHubResource.hub.endpoint() + "/" + HubFixtures.LLAMA);
        assertThat(loaded.model().revision()).isEqualTo(FakeHubResource.commits.main());
        Path weights = models.resolve("llama3-gqa-base/model.safetensors");
        assertThat(loaded.model().weightFiles())
                .singleElement()
                .satisfies(w -> assertThat(w.sha256()).isEqualTo(Hashes.sha256(weights)));
        assertThat(FakeHubResource.cache.resolve("models--territory--llama3-gqa-base/snapshots/"
                        + FakeHubResource.commits.main() + "/model.safetensors"))
                .exists();

        List<EntropyVectorComputed> fromHub = vectors(events, good);
        List<EntropyVectorComputed> fromDir = vectors(events, local);
        assertThat(fromHub).hasSize(10);
        for (int i = 0; i < 10; i++) {
            assertThat(fromHub.get(i).entropies()).isEqualTo(fromDir.get(i).entropies());
        }

        String scrape =
                given().get("/q/metrics").then().statusCode(200).extract().asString();
        long expectedBytes = 0;
        for (String f : List.of(
                "config.json",
                "tokenizer.json",
                "tokenizer_config.json",
                "special_tokens_map.json",
                "model.safetensors")) {
            Path p = models.resolve("llama3-gqa-base").resolve(f);
            expectedBytes += Files.exists(p) ? Files.size(p) : 0;
        }
        assertThat(sample(scrape, "territory_model_download_bytes_total\\{role=\"base\",?}"))
                .isEqualTo((double) expectedBytes);
        assertThat(sample(scrape, "territory_model_download_seconds_count\\{role=\"base\",?}"))
                .isEqualTo(1.0);
        given().get("/q/health/ready").then().statusCode(200);
    }

    private static double sample(String scrape, String nameAndLabels) {
        Matcher m = Pattern.compile("(?m)^" + nameAndLabels + " (\\S+)$").matcher(scrape);
        assertThat(m.find()).as("%s in the scrape", nameAndLabels).isTrue();
        return Double.parseDouble(m.group(1));
    }

    private static List<EntropyVectorComputed> vectors(List<TerritoryEvent> events, String runId) {
        return events.stream()
                .filter(e -> e instanceof EntropyVectorComputed v && v.runId().equals(runId) && v.role() == Role.BASE)
                .map(EntropyVectorComputed.class::cast)
                .sorted(java.util.Comparator.comparingInt(EntropyVectorComputed::promptIndex))
                .toList();
    }

    private static long count(List<TerritoryEvent> events, Predicate<TerritoryEvent> p) {
        return events.stream().filter(p).count();
    }

    private static void send(RunRequested request) throws Exception {
        try (var producer = new KafkaProducer<String, byte[]>(
                Map.of("bootstrap.servers", TestKafka.bootstrapServers()),
                new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.RUNS_REQUESTED, request.runId(), EventCodec.encode(request)))
                    .get();
        }
    }

    private static List<TerritoryEvent> await(List<String> runIds, Predicate<List<TerritoryEvent>> done) {
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
            consumer.subscribe(List.of(Topics.ENTROPY_VECTORS, Topics.RUNS_FAILED, Topics.RUNS_PROGRESS));
            long deadline = System.currentTimeMillis() + 180_000;
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
