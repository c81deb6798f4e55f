package dev.territory.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.territory.contracts.EntropyVectorComputed;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.Keys;
import dev.territory.contracts.Role;
import dev.territory.contracts.RoleMetricsComputed;
import dev.territory.contracts.RunStatisticsComputed;
import dev.territory.contracts.SeedMetricsComputed;
import dev.territory.contracts.TerritoryEvent;
import dev.territory.kafka.local.LocalKafka;
import dev.territory.kafka.test.TestKafka;
import dev.territory.statistics.MetricsJson;
import dev.territory.statistics.PromptReductions;
import dev.territory.statistics.StatisticsBlock;
import dev.territory.statistics.Uncertainty;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The topology on a real broker (shared by the test JVM; this class has topics of its own):
 * reference vectors in, the notebook's reference metrics out, exactly once, through duplicates
 * and a restart that loses the local state.
 */
class MetricsTopologyTest {

    private static final String PREFIX = "mtt-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    private static final MetricsTopology.TopicNames TOPICS =
            new MetricsTopology.TopicNames(PREFIX + "vectors", PREFIX + "metrics", PREFIX + "failed");
    private static final double TOL = 1e-4;

    private static String bootstrapServers;
    private static KafkaProducer<String, byte[]> producer;

    @BeforeAll
    static void broker() {
        bootstrapServers = TestKafka.bootstrapServers();
        LocalKafka.ensureTopics(bootstrapServers, Map.of(TOPICS.vectors(), 4, TOPICS.metrics(), 1, TOPICS.failed(), 1));
        producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers, ProducerConfig.LINGER_MS_CONFIG, 5),
                new StringSerializer(),
                new ByteArraySerializer());
    }

    @AfterAll
    static void close() {
        producer.close();
    }

    @Test
    void referenceVectorsGiveTheReferenceMetricsOnce() throws Exception {
        String runId = "plain-" + UUID.randomUUID();
        try (KafkaStreams streams = start("mtt-app-1", Files.createTempDirectory("streams"))) {
            send(ReferenceFixture.vectors(runId));
            List<TerritoryEvent> events = awaitRoleMetrics(runId);
            assertMatchesReference(events);
        }
    }

    @Test
    void everyVectorDeliveredTwiceChangesNothing() throws Exception {
        String runId = "twice-" + UUID.randomUUID();
        List<EntropyVectorComputed> vectors = new ArrayList<>(ReferenceFixture.vectors(runId));
        List<EntropyVectorComputed> again = new ArrayList<>(vectors);
        Collections.shuffle(again, new Random(1));
        vectors.addAll(again);
        try (KafkaStreams streams = start("mtt-app-2", Files.createTempDirectory("streams"))) {
            send(vectors);
            List<TerritoryEvent> events = awaitRoleMetrics(runId);
            send(again.subList(0, 20)); // late duplicates after completion
            Thread.sleep(1500);
            assertMatchesReference(readAll(runId));
            assertThat(readAll(runId)).hasSameSizeAs(events);
        }
    }

    @Test
    void restartMidRunWithLostLocalStateGivesTheSameResult() throws Exception {
        String runId = "restart-" + UUID.randomUUID();
        List<EntropyVectorComputed> vectors = ReferenceFixture.vectors(runId);
        int half = vectors.size() / 2 + 3; // base complete, instruct's first seed partly in
        try (KafkaStreams streams = start("mtt-app-3", Files.createTempDirectory("streams"))) {
            send(vectors.subList(0, half));
            awaitCount(runId, e -> e instanceof RoleMetricsComputed r && r.role() == Role.BASE, 1);
            System.err.println("T phase1 done " + java.time.Instant.now());
            // leave the group at once, as a stopped pod's consumer does, instead of waiting out its session
            streams.close(new KafkaStreams.CloseOptions().leaveGroup(true).timeout(Duration.ofSeconds(20)));
        }
        // a new instance on an empty state directory: the stores come back from their changelogs
        try (KafkaStreams streams = start("mtt-app-3", Files.createTempDirectory("streams"))) {
            System.err.println("T restart started " + java.time.Instant.now());
            send(vectors.subList(half - 10, vectors.size())); // 10 redelivered
            List<TerritoryEvent> events = awaitRoleMetrics(runId);
            System.err.println("T phase2 done " + java.time.Instant.now());
            assertMatchesReference(events);
        }
    }

    private static KafkaStreams start(String appId, Path stateDir) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, PREFIX + appId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        // as in application.properties: a member that vanished is replaced after 6 s, not 45
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 6000);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 1500);
        KafkaStreams streams = new KafkaStreams(MetricsTopology.build(TOPICS, AggregationListener.NONE), p);
        streams.start();
        return streams;
    }

    private static void send(List<EntropyVectorComputed> vectors) {
        for (EntropyVectorComputed v : vectors) {
            producer.send(new ProducerRecord<>(TOPICS.vectors(), v.key(), EventCodec.encode(v)));
        }
        producer.flush();
    }

    private static List<TerritoryEvent> awaitRoleMetrics(String runId) throws InterruptedException {
        return awaitCount(runId, e -> e instanceof RoleMetricsComputed, 2);
    }

    private static List<TerritoryEvent> awaitCount(
            String runId, java.util.function.Predicate<TerritoryEvent> what, int n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        List<TerritoryEvent> events = List.of();
        while (System.currentTimeMillis() < deadline) {
            events = readAll(runId);
            if (events.stream().filter(what).count() >= n) {
                return events;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("timed out; events so far: " + events.size());
    }

    /** Everything committed on the metrics topic for this run (read_committed: what a consumer of the service sees). */
    private static List<TerritoryEvent> readAll(String runId) {
        List<TerritoryEvent> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<String, byte[]>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed"),
                new StringDeserializer(),
                new ByteArrayDeserializer())) {
            var partitions = consumer.partitionsFor(TOPICS.metrics()).stream()
                    .map(i -> new org.apache.kafka.common.TopicPartition(i.topic(), i.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<org.apache.kafka.common.TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (runId.equals(r.key())) {
                        out.add(EventCodec.decode(r.value()));
                    }
                }
            }
        }
        return out;
    }

    private static void assertMatchesReference(List<TerritoryEvent> events) {
        List<Integer> seeds = ReferenceFixture.seeds();
        for (Role role : Role.values()) {
            List<SeedMetricsComputed> perSeed = events.stream()
                    .filter(e -> e instanceof SeedMetricsComputed s && s.role() == role)
                    .map(SeedMetricsComputed.class::cast)
                    .toList();
            assertThat(perSeed).extracting(SeedMetricsComputed::seed).containsExactlyInAnyOrderElementsOf(seeds);
            List<RoleMetricsComputed> perRole = events.stream()
                    .filter(e -> e instanceof RoleMetricsComputed r && r.role() == role)
                    .map(RoleMetricsComputed.class::cast)
                    .toList();
            assertThat(perRole).hasSize(1);
            RoleMetricsComputed r = perRole.get(0);
            assertThat(r.shape().numKvHeads()).isEqualTo(2);
            JsonNode expected = ReferenceFixture.REFERENCE.get(role.id()).get("aggregate");
            for (String group : List.of("specialization", "gqa_metrics")) {
                expected.get(group).fields().forEachRemaining(f -> {
                    if (f.getValue().isNumber()) {
                        assertThat(r.metrics().get(group).get(f.getKey()).asDouble())
                                .as(role.id() + " " + group + "." + f.getKey())
                                .isCloseTo(f.getValue().asDouble(), within(TOL));
                    }
                });
            }
            for (SeedMetricsComputed s : perSeed) {
                JsonNode expectedSeed =
                        ReferenceFixture.REFERENCE.get(role.id()).get("seeds").get(seeds.indexOf(s.seed()));
                assertThat(s.metrics()
                                .get("specialization")
                                .get("specialization_index")
                                .asDouble())
                        .isCloseTo(
                                expectedSeed
                                        .get("specialization")
                                        .get("specialization_index")
                                        .asDouble(),
                                within(TOL));
            }
            assertThat(Keys.runRole(r.runId(), role)).endsWith("/" + role.id());
        }
        assertStatisticsAreTheCores(events);
    }

    /**
     * One RunStatisticsComputed, whose block is what the statistics core computes in process from the same
     * vectors (the first seed of both models, widened to double) and the over-seeds metrics: the service adds nothing.
     */
    private static void assertStatisticsAreTheCores(List<TerritoryEvent> events) {
        List<RunStatisticsComputed> statistics = events.stream()
                .filter(RunStatisticsComputed.class::isInstance)
                .map(RunStatisticsComputed.class::cast)
                .toList();
        assertThat(statistics).hasSize(1);
        String runId = statistics.get(0).runId();
        List<PromptReductions> prompts = new ArrayList<>();
        for (EntropyVectorComputed v : ReferenceFixture.vectors(runId)) {
            if (v.seed() == ReferenceFixture.seeds().get(0)) {
                float[][] f = v.entropyMatrix();
                double[][] d = new double[f.length][f[0].length];
                for (int l = 0; l < f.length; l++) {
                    for (int h = 0; h < f[l].length; h++) {
                        d[l][h] = f[l][h];
                    }
                }
                prompts.add(new PromptReductions(
                        v.role().id(), v.seed(), v.promptIndex(), d, null, null, null, v.tokenCount()));
            }
        }
        RoleMetricsComputed base = events.stream()
                .filter(e -> e instanceof RoleMetricsComputed r && r.role() == Role.BASE)
                .map(RoleMetricsComputed.class::cast)
                .findFirst()
                .orElseThrow();
        RoleMetricsComputed instruct = events.stream()
                .filter(e -> e instanceof RoleMetricsComputed r && r.role() == Role.INSTRUCT)
                .map(RoleMetricsComputed.class::cast)
                .findFirst()
                .orElseThrow();
        StatisticsBlock expected = StatisticsBlock.compute(
                new StatisticsBlock.Run(ReferenceFixture.seeds(), "e11-v3", 2),
                MetricsJson.readRoleDocument(base.metrics()),
                MetricsJson.readRoleDocument(instruct.metrics()),
                prompts,
                Uncertainty.Options.defaults());
        JsonNode sent = statistics.get(0).statistics();
        assertThat(sent.get("uncertainty").asText())
                .startsWith("computed on the per-prompt entropies of seed "
                        + ReferenceFixture.seeds().get(0));
        assertThat(sent)
                .isEqualTo(EventCodec.decode(
                                EventCodec.encode(
                                        RunStatisticsComputed.of(runId, expected.json(), expected.uncertaintyJson())),
                                RunStatisticsComputed.class)
                        .statistics());
        assertThat(sent.at("/verdict_uncertainty/code").asText())
                .isEqualTo(ReferenceFixture.REFERENCE.get("verdict").get("code").asText());
    }
}
