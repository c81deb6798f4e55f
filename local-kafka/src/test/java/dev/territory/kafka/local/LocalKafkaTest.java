package dev.territory.kafka.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalKafkaTest {

    @Test
    void restartOnTheSameDirectoryKeepsTopicsAndRecords(@TempDir Path dir) throws Exception {
        int port;
        try (LocalKafka kafka = LocalKafka.start(dir, 0)) {
            port = kafka.port();
            kafka.ensureTopics(Map.of("t", 2));
            try (var producer = new KafkaProducer<String, String>(
                    Map.of("bootstrap.servers", kafka.bootstrapServers()),
                    new StringSerializer(),
                    new StringSerializer())) {
                producer.send(new ProducerRecord<>("t", "k", "before restart")).get();
            }
        }
        assertThat(dir.resolve("kraft-logs/meta.properties")).exists();
        String metaBefore = Files.readString(dir.resolve("kraft-logs/meta.properties"));
        try (LocalKafka kafka = LocalKafka.start(dir, 0)) {
            assertThat(kafka.port()).isEqualTo(port);
            assertThat(Files.readString(dir.resolve("kraft-logs/meta.properties")))
                    .isEqualTo(metaBefore);
            assertThat(kafka.admin()
                            .describeTopics(List.of("t"))
                            .allTopicNames()
                            .get()
                            .get("t")
                            .partitions())
                    .hasSize(2);
            assertThat(readAll(kafka, "t")).containsExactly("before restart");
        }
    }

    private static List<String> readAll(LocalKafka kafka, String topic) {
        List<String> values = new ArrayList<>();
        try (var consumer = new KafkaConsumer<String, String>(
                Map.of("bootstrap.servers", kafka.bootstrapServers(), "group.id", "g", "auto.offset.reset", "earliest"),
                new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 20_000;
            while (values.isEmpty() && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
        }
        return values;
    }
}
