package dev.territory.metrics;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import dev.territory.contracts.EntropyVectorComputed;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.RoleMetricsComputed;
import dev.territory.contracts.Topics;
import dev.territory.kafka.test.KafkaResource;
import dev.territory.kafka.test.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
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

/** The packaged wiring: configuration, topic names, the Streams app, health and Micrometer names. */
@QuarkusTest
@QuarkusTestResource(
        value = KafkaResource.class,
        initArgs = @ResourceArg(name = "kafka-streams.state.dir", value = "metrics-state"))
class MetricsServiceTest {

    @Test
    void vectorsOnTheConfiguredTopicBecomeMetricsAndCounters() {
        String runId = "svc-" + UUID.randomUUID();
        try (var producer = new KafkaProducer<String, byte[]>(
                Map.of("bootstrap.servers", TestKafka.bootstrapServers()),
                new StringSerializer(),
                new ByteArraySerializer())) {
            for (EntropyVectorComputed v : ReferenceFixture.vectors(runId)) {
                producer.send(new ProducerRecord<>(Topics.ENTROPY_VECTORS, v.key(), EventCodec.encode(v)));
            }
        }
        List<RoleMetricsComputed> roles = new ArrayList<>();
        try (var consumer = new KafkaConsumer<String, byte[]>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        TestKafka.bootstrapServers(),
                        ConsumerConfig.GROUP_ID_CONFIG,
                        "test-" + runId,
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest",
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed"),
                new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.METRICS_COMPUTED));
            long deadline = System.currentTimeMillis() + 90_000;
            while (roles.size() < 2 && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (runId.equals(r.key()) && EventCodec.decode(r.value()) instanceof RoleMetricsComputed m) {
                        roles.add(m);
                    }
                });
            }
        }
        assertThat(roles).hasSize(2);
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("territory_vectors_consumed_total{outcome=\"new\"}"))
                .body(containsString("territory_aggregates_completed_total{level=\"role\"}"));
    }
}
