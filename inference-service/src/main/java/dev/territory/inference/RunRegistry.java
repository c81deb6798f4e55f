package dev.territory.inference;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.ModelJobRequested;
import dev.territory.contracts.RunRequested;
import dev.territory.contracts.Topics;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Which runs have been started, so that a {@link RunRequested} delivered twice starts one run and
 * a second request with the same {@code runId} but another specification is refused.
 *
 * <p>The record of a started run is its two model jobs on {@link Topics#MODEL_JOBS}, which carry
 * the whole request: the registry is rebuilt from that topic on first use (so it survives
 * restarts and needs no store of its own), then kept up to date by {@link #remember}. Requests
 * are consumed from a single-partition topic by one replica at a time, so one registry decides.
 * Two requests are the same run when they are equal without {@code eventId} and {@code occurredAt}.
 */
@ApplicationScoped
public class RunRegistry {

    private static final Logger LOG = Logger.getLogger(RunRegistry.class);

    /** What to do with a request. */
    public enum Decision {
        NEW,
        DUPLICATE,
        CONFLICT
    }

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @ConfigProperty(name = "mp.messaging.outgoing.model-jobs-out.topic", defaultValue = Topics.MODEL_JOBS)
    String jobsTopic;

    private Map<String, String> specs;

    public synchronized Decision check(RunRequested request) {
        String known = specs().get(request.runId());
        if (known == null) {
            return Decision.NEW;
        }
        return known.equals(spec(request)) ? Decision.DUPLICATE : Decision.CONFLICT;
    }

    public synchronized void remember(RunRequested request) {
        specs().put(request.runId(), spec(request));
    }

    /** The request without what differs between two deliveries of the same run. */
    static String spec(RunRequested request) {
        ObjectNode tree = EventCodec.mapper().valueToTree(request);
        tree.remove(List.of("eventId", "occurredAt"));
        return tree.toString();
    }

    private Map<String, String> specs() {
        if (specs == null) {
            specs = load();
        }
        return specs;
    }

    private Map<String, String> load() {
        Map<String, Object> config = new HashMap<>();
        kafkaConfig.forEach((k, v) -> {
            if (!k.startsWith("mp.") && !k.contains("serializer") && !k.contains("deserializer")) {
                config.put(k, v);
            }
        });
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        Map<String, String> out = new HashMap<>();
        long start = System.nanoTime();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(jobsTopic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(jobsTopic, p.partition()))
                    .toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (parts.stream().anyMatch(p -> consumer.position(p, Duration.ofSeconds(30)) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("reading " + jobsTopic + " to its end took over 60 s");
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    readJob(r.value()).ifPresent(job -> out.putIfAbsent(job.runId(), spec(job.request())));
                }
            }
        }
        LOG.infof(
                "run registry: %d runs started before, read from %s in %.1f s",
                out.size(), jobsTopic, (System.nanoTime() - start) / 1e9);
        return out;
    }

    private static Optional<ModelJobRequested> readJob(byte[] value) {
        try {
            return Optional.of(EventCodec.decode(value, ModelJobRequested.class));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
