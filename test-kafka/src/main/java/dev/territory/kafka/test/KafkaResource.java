package dev.territory.kafka.test;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;

/**
 * The shared test broker ({@link TestKafka}) for a {@code @QuarkusTest}: sets
 * {@code kafka.bootstrap.servers}. Each init argument names a further property that gets a fresh
 * temporary directory, its value the directory's name prefix, e.g.
 * {@code @ResourceArg(name = "kafka-streams.state.dir", value = "metrics-state")}.
 */
public class KafkaResource implements QuarkusTestResourceLifecycleManager {
    private Map<String, String> tempDirs = Map.of();

    @Override
    public void init(Map<String, String> initArgs) {
        tempDirs = Map.copyOf(initArgs);
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", TestKafka.bootstrapServers());
        tempDirs.forEach((property, prefix) -> {
            try {
                config.put(property, Files.createTempDirectory(prefix).toString());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a temporary directory for " + property, e);
            }
        });
        return config;
    }

    @Override
    public void stop() {}
}
