package dev.territory.reliability;

import dev.territory.contracts.EventCodec;
import dev.territory.contracts.EventFormatException;
import dev.territory.contracts.TerritoryEvent;
import dev.territory.contracts.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Everything the pipeline writes, read committed from the broker's direct listener (not through
 * the proxy, so the record keeps flowing to the tests during an outage), and a producer for the
 * tests' own input.
 */
final class EventLog implements AutoCloseable {

    /** One record as the tests see it. */
    record Rec(String topic, int partition, long offset, String key, byte[] value, Map<String, String> headers) {
        String text() {
            return value == null ? null : new String(value, StandardCharsets.UTF_8);
        }

        Optional<TerritoryEvent> event() {
            try {
                return Optional.of(EventCodec.decode(value));
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        }

        <T extends TerritoryEvent> Optional<T> event(Class<T> type) {
            return event().filter(type::isInstance).map(type::cast);
        }
    }

    static final List<String> WATCHED = List.of(
            Topics.RUNS_REQUESTED,
            Topics.MODEL_JOBS,
            Topics.ENTROPY_VECTORS,
            Topics.METRICS_COMPUTED,
            Topics.RUNS_PROGRESS,
            Topics.RUNS_COMPLETED,
            Topics.RUNS_FAILED,
            Topics.DEAD_LETTER);

    private final List<Rec> records = new ArrayList<>();
    private final KafkaProducer<String, byte[]> producer;
    private final Thread reader;
    private volatile boolean closed;

    EventLog(String bootstrap) {
        producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(),
                new ByteArraySerializer());
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false),
                new StringDeserializer(),
                new ByteArrayDeserializer());
        List<TopicPartition> parts = new ArrayList<>();
        for (String t : WATCHED) {
            consumer.partitionsFor(t, Duration.ofSeconds(30))
                    .forEach(p -> parts.add(new TopicPartition(t, p.partition())));
        }
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        reader = new Thread(
                () -> {
                    try (consumer) {
                        while (!closed) {
                            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                                Map<String, String> headers = new LinkedHashMap<>();
                                for (Header h : r.headers()) {
                                    headers.put(
                                            h.key(),
                                            h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
                                }
                                synchronized (records) {
                                    records.add(
                                            new Rec(r.topic(), r.partition(), r.offset(), r.key(), r.value(), headers));
                                    records.notifyAll();
                                }
                            }
                        }
                    } catch (org.apache.kafka.common.errors.InterruptException
                            | org.apache.kafka.common.errors.WakeupException e) {
                        // closing
                    }
                },
                "event-log");
        reader.setDaemon(true);
        reader.start();
    }

    /** Sends a record and waits for the broker's acknowledgement. */
    void send(String topic, String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot send to " + topic + ": " + e.getMessage(), e);
        }
    }

    void send(String topic, String key, String value) {
        send(topic, key, value.getBytes(StandardCharsets.UTF_8));
    }

    List<Rec> all(Predicate<Rec> filter) {
        synchronized (records) {
            return records.stream().filter(filter).toList();
        }
    }

    /**
     * The events of {@code type} among the records of one topic and key, each decoded strictly: a
     * record there that this build cannot read fails the test with the codec's reason (a stale
     * contracts jar on the classpath would otherwise read as "no events").
     */
    <T extends TerritoryEvent> List<T> decoded(String topic, String key, Class<T> type) {
        return all(r -> r.topic().equals(topic) && key.equals(r.key())).stream()
                .map(r -> {
                    try {
                        return EventCodec.decode(r.value());
                    } catch (EventFormatException e) {
                        throw new AssertionError(
                                topic + " offset " + r.offset() + " (key " + key + ") does not decode: "
                                        + e.getMessage(),
                                e);
                    }
                })
                .filter(type::isInstance)
                .map(type::cast)
                .toList();
    }

    List<Rec> topic(String topic) {
        return all(r -> r.topic().equals(topic));
    }

    /** Waits until a record matching {@code filter} arrives; fails naming {@code what}. */
    Rec await(String what, Predicate<Rec> filter, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (records) {
            while (true) {
                for (Rec r : records) {
                    if (filter.test(r)) {
                        return r;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
                }
                try {
                    records.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted waiting for " + what);
                }
            }
        }
    }

    /** The first RunFailed or RunCompleted of a run. */
    Rec awaitOutcome(String runId, Duration timeout) {
        return await(
                "RunFailed or RunCompleted of run " + runId,
                r -> runId.equals(r.key())
                        && (r.topic().equals(Topics.RUNS_FAILED) || r.topic().equals(Topics.RUNS_COMPLETED)),
                timeout);
    }

    @Override
    public void close() {
        closed = true;
        producer.close(Duration.ofSeconds(2));
    }
}
