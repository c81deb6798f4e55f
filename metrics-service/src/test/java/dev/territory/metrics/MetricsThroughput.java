package dev.territory.metrics;

import dev.territory.contracts.EntropyVectorComputed;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.Role;
import dev.territory.contracts.RoleMetricsComputed;
import dev.territory.contracts.TerritoryEvent;
import dev.territory.kafka.local.LocalKafka;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
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

/**
 * Throughput of the metrics topology on the local broker, for 32 x 32 vectors (Llama-3.1-8B's
 * shape): all vectors are produced first, then the topology (exactly_once_v2, as deployed) is
 * started and timed until the last RoleMetricsComputed is committed. Not a unit test; run with
 * {@code mvn -pl metrics-service test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.territory.metrics.MetricsThroughput [-Dexec.args="RUNS PROMPTS"]}.
 */
public final class MetricsThroughput {

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int prompts = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        List<Integer> seeds = List.of(42, 123, 456);
        String prefix = "bench-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        var topics = new MetricsTopology.TopicNames(prefix + "vectors", prefix + "metrics", prefix + "failed");
        try (LocalKafka kafka = LocalKafka.startTemporary()) {
            kafka.ensureTopics(Map.of(topics.vectors(), 4, topics.metrics(), 1, topics.failed(), 1));
            Random random = new Random(1);
            long vectors = 0;
            try (var producer = new KafkaProducer<String, byte[]>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    kafka.bootstrapServers(), ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd", ProducerConfig.LINGER_MS_CONFIG, 10),
                    new StringSerializer(), new ByteArraySerializer())) {
                for (int r = 0; r < runs; r++) {
                    for (Role role : Role.values()) {
                        for (int seed : seeds) {
                            for (int p = 0; p < prompts; p++) {
                                float[][] e = new float[32][32];
                                for (float[] row : e) {
                                    for (int h = 0; h < 32; h++) {
                                        row[h] = 0.5f + 0.5f * random.nextFloat();
                                    }
                                }
                                var v = EntropyVectorComputed.of("run" + r, role, seed, seeds, p, prompts, 100, "llama", 8,
                                        "float32", "e11-v3", "bench", e);
                                producer.send(new ProducerRecord<>(topics.vectors(), v.key(), EventCodec.encode(v)));
                                vectors++;
                            }
                        }
                    }
                }
            }
            Properties p = new Properties();
            p.put(StreamsConfig.APPLICATION_ID_CONFIG, prefix + "app");
            p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
            p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Integer.getInteger("commitMs", 100));
            p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.getInteger("threads", 1));
            p.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("bench-state").toString());
            p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
            p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
            p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), 8 << 20);
            long start = System.nanoTime();
            int roles = 0;
            try (KafkaStreams streams = new KafkaStreams(MetricsTopology.build(topics, AggregationListener.NONE), p);
                    var consumer = new KafkaConsumer<String, byte[]>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                            kafka.bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG, prefix + "reader",
                            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                            "read_committed"), new StringDeserializer(), new ByteArrayDeserializer())) {
                streams.start();
                consumer.subscribe(List.of(topics.metrics()));
                long first = 0;
                while (roles < runs * 2) {
                    for (var rec : consumer.poll(Duration.ofMillis(100))) {
                        if (first == 0) {
                            first = System.nanoTime();
                        }
                        TerritoryEvent e = EventCodec.decode(rec.value());
                        roles += e instanceof RoleMetricsComputed ? 1 : 0;
                    }
                }
                var mx = java.lang.management.ManagementFactory.getThreadMXBean();
                java.util.Arrays.stream(mx.dumpAllThreads(false, false))
                        .sorted(java.util.Comparator.comparingLong(t -> -mx.getThreadCpuTime(t.getThreadId())))
                        .limit(8).forEach(t -> System.out.printf("  cpu %.1f s  %s%n", mx.getThreadCpuTime(t.getThreadId()) / 1e9,
                                t.getThreadName().length() > 60 ? t.getThreadName().substring(t.getThreadName().length() - 60) : t.getThreadName()));
                System.out.printf("first metrics event after %.1f s; after it %.0f vectors/s%n", (first - start) / 1e9,
                        (vectors - prompts) / ((System.nanoTime() - first) / 1e9));
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf("metrics topology: %d vectors (32 x 32) of %d runs x 2 models x %d seeds x %d prompts in %.1f s "
                        + "(including Streams start-up): %.0f vectors/s%n", vectors, runs, seeds.size(), prompts, seconds,
                        vectors / seconds);
            }
        }
        System.exit(0);
    }
}
