package dev.territory.report;

import dev.territory.contracts.Topics;
import dev.territory.kafka.local.LocalKafka;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;
import java.util.stream.Collectors;

/** The JVM's shared local broker, with the service's topics, for @QuarkusTest. */
public class KafkaResource implements QuarkusTestResourceLifecycleManager {
    @Override
    public Map<String, String> start() {
        LocalKafka kafka = LocalKafka.shared();
        kafka.ensureTopics(Topics.ALL.stream().collect(Collectors.toMap(Topics.Spec::name, Topics.Spec::partitions)));
        try {
            return Map.of("kafka.bootstrap.servers", kafka.bootstrapServers(),
                    "territory.report.results-dir", java.nio.file.Files.createTempDirectory("report-results").toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {}
}

