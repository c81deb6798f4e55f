package dev.territory.report;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.territory.contracts.DeadLetterHeaders;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.ModelRef;
import dev.territory.contracts.RunFailed;
import dev.territory.contracts.RunRequested;
import dev.territory.contracts.Topics;
import dev.territory.kafka.test.KafkaResource;
import dev.territory.kafka.test.TestKafka;
import dev.territory.report.config.ReportConfig;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * An exception in a listener does not stop its channel. Bad records go to the
 * dead-letter topic with the reason in headers, a transient error is retried, a persistent one is
 * dead-lettered once the retries are spent, and the channel keeps flowing (readiness UP throughout).
 */
@QuarkusTest
@QuarkusTestResource(
        value = KafkaResource.class,
        initArgs = @ResourceArg(name = "territory.report.results-dir", value = "report-results"))
class ListenerResilienceTest {

    @Inject
    ReportConfig config;

    @Inject
    RunStore store;

    static void send(String topic, String key, byte[] value) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", TestKafka.bootstrapServers());
        try (var producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    /** The dead letter written by the report service for {@code key}, waiting up to {@code wait}. */
    static Map<String, String> deadLetter(String key, Duration wait) {
        Properties p = new Properties();
        p.put("bootstrap.servers", TestKafka.bootstrapServers());
        p.put("group.id", "dlq-reader-" + UUID.randomUUID());
        p.put("auto.offset.reset", "earliest");
        try (var consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.DEAD_LETTER));
            long deadline = System.nanoTime() + wait.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    String service = header(r, DeadLetterHeaders.SERVICE);
                    if (key.equals(r.key()) && "report-service".equals(service)) {
                        return Map.of(
                                "reason",
                                header(r, DeadLetterHeaders.REASON),
                                "topic",
                                header(r, DeadLetterHeaders.TOPIC),
                                "offset",
                                header(r, DeadLetterHeaders.OFFSET));
                    }
                }
            }
        }
        return null;
    }

    static String header(ConsumerRecord<String, byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    static RunRequested request(String runId) {
        return RunRequested.of(runId, ModelRef.local("/models/base"), ModelRef.local("/models/instruct"));
    }

    static void assertReady() {
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void anUnreadableProgressEventIsDeadLetteredAndTheChannelGoesOn() throws Exception {
        String key = "resilience-unreadable-" + UUID.randomUUID();
        send(Topics.RUNS_PROGRESS, key, "this is not an event".getBytes(StandardCharsets.UTF_8));
        Map<String, String> dlq = deadLetter(key, Duration.ofSeconds(30));
        assertThat(dlq).as("dead letter for " + key).isNotNull();
        assertThat(dlq.get("reason")).startsWith("not JSON");
        assertThat(dlq.get("topic")).isEqualTo(Topics.RUNS_PROGRESS);
        assertThat(dlq.get("offset")).matches("\\d+");
        // the same channel still processes what follows (a failure event, then progress on another run)
        String runId = "resilience-after-" + UUID.randomUUID();
        send(Topics.RUNS_FAILED, runId, EventCodec.encode(RunFailed.of(runId, "test", "failed on purpose")));
        awaitStatus(runId, "FAILED", Duration.ofSeconds(30));
        assertReady();
    }

    @Test
    void aTransientStoreErrorIsRetriedAndTheRecordKept() throws Exception {
        String runId = "resilience-transient-" + UUID.randomUUID().toString().substring(0, 8);
        Path blocker = Path.of(config.resultsDir()).resolve(runId);
        Files.writeString(blocker, "a file where the run's directory goes: the state cannot be written");
        send(Topics.RUNS_REQUESTED, runId, EventCodec.encode(request(runId)));
        Thread.sleep(700); // the first attempts fail (retries after 200, 400, 800 ms)
        Files.delete(blocker);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!Files.isRegularFile(blocker.resolve(RunStore.STATE_FILE)) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(blocker.resolve(RunStore.STATE_FILE)).isRegularFile();
        assertThat(store.get(runId).orElseThrow().request())
                .as("request kept on a retry")
                .isNotNull();
        assertThat(deadLetter(runId, Duration.ofSeconds(2))).isNull();
        assertReady();
    }

    @Test
    void aPersistentErrorIsDeadLetteredOnceTheRetriesAreSpentAndTheChannelGoesOn() throws Exception {
        String runId = "resilience-persistent-" + UUID.randomUUID().toString().substring(0, 8);
        Path blocker = Path.of(config.resultsDir()).resolve(runId);
        Files.writeString(blocker, "never removed");
        send(Topics.RUNS_FAILED, runId, EventCodec.encode(RunFailed.of(runId, "test", "failed on purpose")));
        Map<String, String> dlq = deadLetter(runId, Duration.ofSeconds(40));
        assertThat(dlq).as("dead letter for " + runId).isNotNull();
        assertThat(dlq.get("reason")).startsWith("gave up after 5 attempts: cannot write the state of run " + runId);
        String next = "resilience-next-" + UUID.randomUUID().toString().substring(0, 8);
        send(Topics.RUNS_FAILED, next, EventCodec.encode(RunFailed.of(next, "test", "failed on purpose")));
        awaitStatus(next, "FAILED", Duration.ofSeconds(30));
        assertReady();
    }

    @Test
    void anEventTheStoreRefusesIsDeadLetteredWithoutRetries() throws Exception {
        String runId = "../escape-" + UUID.randomUUID().toString().substring(0, 8);
        send(Topics.RUNS_FAILED, runId, EventCodec.encode(RunFailed.of(runId, "test", "bad id")));
        Map<String, String> dlq = deadLetter(runId, Duration.ofSeconds(30));
        assertThat(dlq).as("dead letter for " + runId).isNotNull();
        assertThat(dlq.get("reason")).isEqualTo("invalid run id '" + runId + "'");
        assertReady();
    }

    private void awaitStatus(String runId, String statusRegex, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        String status = null;
        while (System.nanoTime() < deadline) {
            status = store.get(runId).map(RunState::status).orElse(null);
            if (status != null && status.matches(statusRegex)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(
                "run " + runId + " not " + statusRegex + " within " + wait + " (status " + status + ")");
    }
}
