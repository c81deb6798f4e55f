package dev.territory.metrics;

import dev.territory.contracts.DeadLetterHeaders;
import dev.territory.contracts.EntropyVectorComputed;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.RunRequested;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.jboss.logging.Logger;

/**
 * {@link MetricsTopology} with a gate in front of its seed aggregator: a vector that
 * cannot be counted (unreadable, a payload whose length does not match its shape, a non-finite
 * entropy, a run nobody requested) goes to the dead-letter topic unchanged, with the reason in
 * headers, instead of being dropped with a log line; the partition keeps flowing and the
 * aggregates never see it. Same processors, stores and sinks as {@link MetricsTopology#build}
 * otherwise, so state written by either topology is read by the other.
 *
 * <pre>
 * entropy.vectors ─▶ vector-gate ─▶ seed-aggregator ─▶ (as MetricsTopology)
 *                        └─ rejected ─▶ dead-letter (DeadLetterHeaders: reason, service, topic, partition, offset)
 * runs.requested ─▶ global store known-runs (runId → requested), read by the gate
 * </pre>
 */
public final class GatedTopology {

    public static final String KNOWN_RUNS_STORE = "known-runs";

    private static final Logger LOG = Logger.getLogger(GatedTopology.class);

    private GatedTopology() {}

    /**
     * @param requests topic of the run requests (for the unknown-run check)
     * @param deadLetter where rejected vectors go
     * @param requireKnownRun whether a vector of a run never requested is rejected
     */
    public static Topology build(
            MetricsTopology.TopicNames topics,
            String requests,
            String deadLetter,
            boolean requireKnownRun,
            AggregationListener listener) {
        var strings = Serdes.String();
        var bytes = Serdes.ByteArray();
        Topology topology = new Topology();
        topology.addGlobalStore(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(KNOWN_RUNS_STORE), strings, bytes)
                        .withLoggingDisabled(),
                "requests",
                strings.deserializer(),
                bytes.deserializer(),
                requests,
                "known-runs-writer",
                KnownRunsWriter::new);
        topology.addSource("vectors", strings.deserializer(), bytes.deserializer(), topics.vectors());
        topology.addProcessor(
                "vector-gate", () -> new VectorGate(topics.vectors(), requireKnownRun, listener), "vectors");
        MetricsTopology.addAggregation(topology, topics, listener, "vector-gate");
        topology.addSink("dead-letter-sink", deadLetter, strings.serializer(), bytes.serializer(), "vector-gate");
        return topology;
    }

    /** Keeps the ids of requested runs (any decodable RunRequested; refusals are the inference service's business). */
    static final class KnownRunsWriter implements Processor<String, byte[], Void, Void> {
        private KeyValueStore<String, byte[]> store;

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            store = context.getStateStore(KNOWN_RUNS_STORE);
        }

        @Override
        public void process(Record<String, byte[]> record) {
            try {
                RunRequested r = EventCodec.decode(record.value(), RunRequested.class);
                store.put(r.runId(), new byte[] {1});
            } catch (RuntimeException ignored) {
                // an unreadable request starts no run: its vectors, if any, are unknown
            }
        }
    }

    /**
     * Passes usable vectors, decoded (the seed aggregator does not parse them again), to the seed
     * aggregator as {@link CheckedVector}s; dead-letters the others, as they came, with the reason.
     */
    static final class VectorGate implements Processor<String, byte[], String, Object> {
        private final String sourceTopic;
        private final boolean requireKnownRun;
        private final AggregationListener listener;
        private ProcessorContext<String, Object> context;
        private KeyValueStore<String, byte[]> knownRuns;

        VectorGate(String sourceTopic, boolean requireKnownRun, AggregationListener listener) {
            this.sourceTopic = sourceTopic;
            this.requireKnownRun = requireKnownRun;
            this.listener = listener;
        }

        @Override
        public void init(ProcessorContext<String, Object> context) {
            this.context = context;
            this.knownRuns = context.getStateStore(KNOWN_RUNS_STORE);
        }

        @Override
        public void process(Record<String, byte[]> record) {
            CheckedVector vector;
            try {
                vector = CheckedVector.decode(record.value());
            } catch (RuntimeException e) {
                deadLetter(record, e.getMessage(), "malformed");
                return;
            }
            String reason = problem(record.key(), vector.vector(), vector.entropies());
            if (reason == null) {
                context.forward(record.withValue(vector), "seed-aggregator");
                return;
            }
            deadLetter(record, reason, "invalid");
        }

        private void deadLetter(Record<String, byte[]> record, String reason, String kind) {
            String runId = EventCodec.runIdOf(record.value()).orElse("?");
            LOG.warnf("dead-lettered a vector (run %s, key %s): %s", runId, record.key(), reason);
            listener.vectorRejected(runId, reason);
            Headers headers = record.headers();
            headers.add(DeadLetterHeaders.REASON, utf8(reason));
            headers.add(DeadLetterHeaders.SERVICE, utf8(MetricsTopology.SERVICE));
            headers.add(DeadLetterHeaders.TOPIC, utf8(sourceTopic));
            context.recordMetadata().ifPresent(m -> {
                headers.add(DeadLetterHeaders.PARTITION, utf8(Integer.toString(m.partition())));
                headers.add(DeadLetterHeaders.OFFSET, utf8(Long.toString(m.offset())));
            });
            context.forward(record.withHeaders(headers), "dead-letter-sink");
            listener.deadLettered(sourceTopic, kind);
        }

        /** Why the decoded vector cannot be counted, or null. */
        String problem(String key, EntropyVectorComputed vector, float[][] matrix) {
            if (key != null && !key.equals(vector.key())) {
                return "key '" + key + "' differs from the vector's run/role/seed '" + vector.key() + "'";
            }
            for (int l = 0; l < matrix.length; l++) {
                for (int h = 0; h < matrix[l].length; h++) {
                    float e = matrix[l][h];
                    if (!Float.isFinite(e)) {
                        return "entropy of layer " + l + " head " + h + " is " + e + " (entropies must be finite)";
                    }
                }
            }
            if (requireKnownRun && knownRuns.get(vector.runId()) == null) {
                return "unknown run '" + vector.runId() + "': no RunRequested for it";
            }
            return null;
        }
    }

    /**
     * The gated topology as configured: {@code territory.dead-letter.topic} (default
     * {@code territory.dead-letter}), {@code territory.dead-letter.requests-topic} (default
     * {@code territory.runs.requested}), {@code territory.dead-letter.require-known-run} (default true).
     */
    public static Topology fromConfig(MetricsTopology.TopicNames topics, AggregationListener listener) {
        var config = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        String deadLetter = config.getOptionalValue("territory.dead-letter.topic", String.class)
                .orElse(dev.territory.contracts.Topics.DEAD_LETTER);
        String requests = config.getOptionalValue("territory.dead-letter.requests-topic", String.class)
                .orElse(dev.territory.contracts.Topics.RUNS_REQUESTED);
        boolean requireKnownRun = config.getOptionalValue("territory.dead-letter.require-known-run", Boolean.class)
                .orElse(true);
        return build(topics, requests, deadLetter, requireKnownRun, listener);
    }

    private static byte[] utf8(String s) {
        return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
    }
}
