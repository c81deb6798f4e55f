package dev.territory.cli;

import dev.territory.contracts.EntropyVectorComputed;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.ModelRef;
import dev.territory.contracts.Role;
import dev.territory.contracts.RunRequested;
import dev.territory.contracts.Topics;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code bench --metrics-vectors N}: how fast the packaged metrics service consumes entropy
 * vectors from a real local broker. The vectors (32 x 32, Llama-3.1-8B's shape, seeded random
 * entropies) and their runs' requests are produced first, as the inference service writes them;
 * then metrics-service starts as a process with its own configuration, and its
 * {@code territory_vectors_consumed_total{outcome="new"}} counter is read every 100 ms until every
 * vector is counted (the runs' metrics events follow once each run's statistics are computed,
 * which this does not time). The rate is taken between the first and the last
 * reading with vectors counted, so JVM and Kafka Streams start-up are reported apart.
 */
final class MetricsBench {

    static final int LAYERS = 32;
    static final int HEADS = 32;
    static final List<Integer> SEEDS = List.of(42, 123, 456);

    /** What one benchmark measured. */
    record Result(
            long vectors,
            long counted,
            int promptsPerSeed,
            int runs,
            double startupS,
            double consumeS,
            double vectorsPerS,
            double totalS,
            double vectorsPerSWithStartup) {}

    private MetricsBench() {}

    /**
     * @param vectors at least this many vectors are produced: whole runs of 2 models x 3 seeds x {@code promptsPerSeed}
     */
    static Result run(Path home, long vectors, int promptsPerSeed, PrintStream err) throws Exception {
        int perRun = 2 * SEEDS.size() * promptsPerSeed;
        int runs = (int) Math.max(1, (vectors + perRun - 1) / perRun);
        long total = (long) runs * perRun;
        Path state = Files.createTempDirectory("territory-bench-metrics");
        try (UpCommand.Stack stack = UpCommand.Stack.startBroker(home, state, err)) {
            String prefix = "bench-" + UUID.randomUUID().toString().substring(0, 8) + "-";
            produce(stack.bootstrapServers(), prefix, runs, promptsPerSeed, total, err);

            err.println("bench: starting metrics-service (its log: " + state.resolve("logs/metrics-service.log") + ")");
            long launched = System.nanoTime();
            stack.startAndAwait("metrics-service");
            String metricsUrl = stack.serviceUrl("metrics-service") + "/q/metrics";
            HttpClient http = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(2))
                    .build();
            long firstAt = 0;
            long firstCount = 0;
            long lastAt = 0;
            long lastCount = 0;
            try (ProgressBar bar = new ProgressBar("metrics-service", total)) {
                long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
                while (lastCount < total) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("metrics-service consumed " + lastCount + " of " + total
                                + " vectors in 10 minutes; see " + state.resolve("logs/metrics-service.log"));
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted while waiting for metrics-service", e);
                    }
                    long count = consumedVectors(http, metricsUrl);
                    long now = System.nanoTime();
                    if (count > 0 && firstAt == 0) {
                        firstAt = now;
                        firstCount = count;
                    }
                    if (count > lastCount) {
                        lastAt = now;
                        lastCount = count;
                        bar.update(count);
                    }
                }
            }
            double startup = (firstAt - launched) / 1e9;
            double consume = (lastAt - firstAt) / 1e9;
            double totalS = (lastAt - launched) / 1e9;
            return new Result(
                    total,
                    lastCount,
                    promptsPerSeed,
                    runs,
                    startup,
                    consume,
                    consume > 0 ? (lastCount - firstCount) / consume : Double.NaN,
                    totalS,
                    total / totalS);
        } finally {
            deleteTree(state);
        }
    }

    /** The runs' requests (the service's gate refuses vectors of runs nobody requested), then every vector. */
    private static void produce(String bootstrap, String prefix, int runs, int prompts, long total, PrintStream err) {
        Random random = new Random(8);
        try (var producer = new KafkaProducer<String, byte[]>(
                        Map.of(
                                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                bootstrap,
                                ProducerConfig.COMPRESSION_TYPE_CONFIG,
                                "zstd",
                                ProducerConfig.LINGER_MS_CONFIG,
                                10),
                        new StringSerializer(),
                        new ByteArraySerializer());
                ProgressBar bar = new ProgressBar("producing vectors", total)) {
            long sent = 0;
            for (int r = 0; r < runs; r++) {
                String runId = prefix + r;
                RunRequested request =
                        RunRequested.of(runId, ModelRef.local("/bench/base"), ModelRef.local("/bench/instruct"));
                producer.send(new ProducerRecord<>(Topics.RUNS_REQUESTED, runId, EventCodec.encode(request)));
            }
            producer.flush(); // requests before vectors, as in a real run
            for (int r = 0; r < runs; r++) {
                for (Role role : Role.values()) {
                    for (int seed : SEEDS) {
                        for (int p = 0; p < prompts; p++) {
                            float[][] entropies = new float[LAYERS][HEADS];
                            for (float[] row : entropies) {
                                for (int h = 0; h < HEADS; h++) {
                                    row[h] = 0.5f + 0.5f * random.nextFloat();
                                }
                            }
                            var vector = EntropyVectorComputed.of(
                                    prefix + r,
                                    role,
                                    seed,
                                    SEEDS,
                                    p,
                                    prompts,
                                    128,
                                    "llama",
                                    8,
                                    "float32",
                                    "e11-v3",
                                    "bench",
                                    entropies);
                            producer.send(new ProducerRecord<>(
                                    Topics.ENTROPY_VECTORS, vector.key(), EventCodec.encode(vector)));
                            if (++sent % 1000 == 0) {
                                bar.update(sent);
                            }
                        }
                    }
                }
            }
            producer.flush();
            bar.update(sent);
        }
    }

    /** The service's {@code territory_vectors_consumed_total{outcome="new"}}, 0 while it cannot be read. */
    static long consumedVectors(HttpClient http, String metricsUrl) {
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(metricsUrl))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? counter(response.body()) : 0;
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    /** The accepted-vectors counter in a Prometheus text exposition. */
    static long counter(String exposition) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith("territory_vectors_consumed_total{") && line.contains("outcome=\"new\"")) {
                return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    private static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory: best effort
        }
    }
}
