package dev.territory.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.contracts.EntropyVectorComputed;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.Float32Codec;
import dev.territory.contracts.Keys;
import dev.territory.contracts.RoleMetricsComputed;
import dev.territory.contracts.RunFailed;
import dev.territory.contracts.SeedMetricsComputed;
import dev.territory.contracts.TerritoryEvent;
import dev.territory.statistics.MetricsJson;
import dev.territory.statistics.NotebookMetrics;
import dev.territory.statistics.RoleMetrics;
import dev.territory.statistics.SeedMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.jboss.logging.Logger;

/**
 * The metrics service's Kafka Streams topology: two stateful steps, each idempotent, with their
 * state in changelogged stores, run under {@code exactly_once_v2} so that a store update and the
 * events it causes commit together (a restart neither loses nor repeats an aggregate).
 *
 * <pre>
 * entropy.vectors (key run/role/seed)
 *   └─ seed-aggregator [store seed-aggregates: run/role/seed → count, run/role/seed#prompt → vector]
 *        collects promptCount vectors, one per prompt index (a repeat is ignored), then emits
 *        SeedMetricsComputed once and keeps only "emitted" ─────────────▶ metrics.computed (key runId)
 * metrics.computed (key runId: every seed of a run is in one partition)
 *   └─ role-aggregator [store role-aggregates, key run/role]
 *        collects one SeedMetricsComputed per seed, then emits RoleMetricsComputed once ─▶ metrics.computed
 * failures (metrics that cannot be computed) ─▶ runs.failed
 * </pre>
 */
public final class MetricsTopology {

    public static final String SEED_STORE = "seed-aggregates";
    public static final String ROLE_STORE = "role-aggregates";
    static final String SERVICE = "metrics-service";

    private static final Logger LOG = Logger.getLogger(MetricsTopology.class);
    private static final ObjectMapper JSON = EventCodec.mapper();

    private MetricsTopology() {}

    /** Topic names the topology reads and writes. */
    public record TopicNames(String vectors, String metrics, String failed) {}

    public static Topology build(TopicNames topics, AggregationListener listener) {
        var strings = Serdes.String();
        var bytes = Serdes.ByteArray();
        Topology topology = new Topology();
        topology.addSource("vectors", strings.deserializer(), bytes.deserializer(), topics.vectors());
        topology.addProcessor("vector-decoder", () -> new VectorDecoder(listener), "vectors");
        topology.addProcessor("seed-aggregator", () -> new SeedAggregator(listener), "vector-decoder");
        topology.addStateStore(seedStore(), "seed-aggregator");
        topology.addSource("seed-metrics", strings.deserializer(), bytes.deserializer(), topics.metrics());
        topology.addProcessor("role-aggregator", () -> new RoleAggregator(listener), "seed-metrics");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ROLE_STORE), strings, bytes),
                "role-aggregator");
        topology.addSink("metrics-sink", topics.metrics(), strings.serializer(), bytes.serializer(),
                "seed-aggregator", "role-aggregator");
        topology.addSink("failed-sink", topics.failed(), strings.serializer(), bytes.serializer(),
                "seed-aggregator", "role-aggregator");
        return topology;
    }

    /**
     * The seed store, with Kafka Streams' record cache: between commits, a key written again (the
     * aggregate's count, once per vector) goes to RocksDB and the changelog once, and a vector put and
     * deleted in the same interval (a seed completed from a backlog) never goes there at all.
     * Commits flush the cache first, so exactly-once recovery is unchanged.
     */
    static StoreBuilder<KeyValueStore<String, byte[]>> seedStore() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SEED_STORE), Serdes.String(), Serdes.ByteArray())
                .withCachingEnabled();
    }

    /** The ungated topology's front: decodes each vector, drops an unreadable one with a log line. */
    static final class VectorDecoder implements Processor<String, byte[], String, CheckedVector> {
        private final AggregationListener listener;
        private ProcessorContext<String, CheckedVector> context;

        VectorDecoder(AggregationListener listener) {
            this.listener = listener;
        }

        @Override
        public void init(ProcessorContext<String, CheckedVector> context) {
            this.context = context;
        }

        @Override
        public void process(Record<String, byte[]> record) {
            CheckedVector checked;
            try {
                checked = CheckedVector.decode(record.value());
            } catch (RuntimeException e) {
                String runId = EventCodec.runIdOf(record.value()).orElse("?");
                LOG.warnf("rejected a vector (run %s, key %s): %s", runId, record.key(), e.getMessage());
                listener.vectorRejected(runId, e.getMessage());
                return;
            }
            context.forward(record.withValue(checked));
        }
    }

    /** Collects the (decoded, checked) vectors of one (run, role, seed) and emits its metrics once. */
    static final class SeedAggregator implements Processor<String, CheckedVector, String, byte[]> {
        private final AggregationListener listener;
        private ProcessorContext<String, byte[]> context;
        private KeyValueStore<String, byte[]> store;

        SeedAggregator(AggregationListener listener) {
            this.listener = listener;
        }

        @Override
        public void init(ProcessorContext<String, byte[]> context) {
            this.context = context;
            this.store = context.getStateStore(SEED_STORE);
        }

        @Override
        public void process(Record<String, CheckedVector> record) {
            EntropyVectorComputed vector = record.value().vector();
            String key = vector.key();
            SeedState state = read(store.get(key), SeedState.class);
            if (state == null) {
                state = SeedState.first(vector);
            } else if (state.emitted()) {
                listener.vectorDuplicate(vector.runId());
                return;
            } else {
                String mismatch = state.mismatch(vector);
                if (mismatch != null) {
                    LOG.warnf("rejected vector %s: %s", key + "/" + vector.promptIndex(), mismatch);
                    listener.vectorRejected(vector.runId(), mismatch);
                    return;
                }
            }
            String vectorKey = vectorKey(key, vector.promptIndex());
            if (store.get(vectorKey) != null) {
                listener.vectorDuplicate(vector.runId());
                return;
            }
            store.put(vectorKey, float32Bytes(record.value().entropies()));
            state = state.plusOne();
            listener.vectorAccepted(vector.runId(), vector.role(), vector.seed());
            if (state.received() < state.promptCount()) {
                store.put(key, write(state));
                return;
            }
            TreeMap<Integer, byte[]> vectors = new TreeMap<>();
            List<String> held = new ArrayList<>();
            try (KeyValueIterator<String, byte[]> it = store.prefixScan(key + "#", new StringSerializer())) {
                while (it.hasNext()) {
                    var kv = it.next();
                    held.add(kv.key);
                    vectors.put(Integer.parseInt(kv.key.substring(key.length() + 1)), kv.value);
                }
            }
            held.forEach(store::delete); // only "emitted" is needed from now on
            store.put(key, write(state.completed()));
            try {
                SeedMetricsComputed event = seedMetrics(state, vectors);
                context.forward(new Record<>(vector.runId(), EventCodec.encode(event), record.timestamp()), "metrics-sink");
                listener.aggregateCompleted(vector.runId(), vector.role(), "seed");
            } catch (RuntimeException e) {
                LOG.errorf(e, "metrics of %s cannot be computed", key);
                fail(context, vector.runId(), "metrics of " + key + " cannot be computed: " + e.getMessage(), record.timestamp());
            }
        }
    }

    /** Store key of one vector: {@code run/role/seed#00000017}; the '#' keeps seed 42's prefix from matching seed 420's. */
    static String vectorKey(String aggregateKey, int promptIndex) {
        String digits = Integer.toString(promptIndex);
        return aggregateKey + "#" + "00000000".substring(Math.min(8, digits.length())) + digits;
    }

    /** A vector as the store holds it: little-endian float32, row-major (4 bytes per head). */
    static byte[] float32Bytes(float[][] matrix) {
        int heads = matrix.length == 0 ? 0 : matrix[0].length;
        ByteBuffer buffer = ByteBuffer.allocate(matrix.length * heads * Float.BYTES)
                .order(ByteOrder.LITTLE_ENDIAN);
        for (float[] row : matrix) {
            for (float v : row) {
                buffer.putFloat(v);
            }
        }
        return buffer.array();
    }

    /**
     * A stored vector back as doubles. Stores written before the float32 format hold the event's
     * base64 text instead (a different length): both are read, so an upgrade mid-run loses nothing.
     */
    static double[][] storedVector(byte[] value, int layers, int heads) {
        int raw = layers * heads * Float.BYTES;
        if (value.length != raw) {
            float[][] f = Float32Codec.decode(
                    new String(value, StandardCharsets.US_ASCII), layers, heads);
            double[][] d = new double[layers][heads];
            for (int l = 0; l < layers; l++) {
                for (int h = 0; h < heads; h++) {
                    d[l][h] = f[l][h];
                }
            }
            return d;
        }
        FloatBuffer floats = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        double[][] d = new double[layers][heads];
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                d[l][h] = floats.get();
            }
        }
        return d;
    }

    /** Computes the notebook's per-seed metrics from the complete set of stored vectors. */
    static SeedMetricsComputed seedMetrics(SeedState state, Map<Integer, byte[]> vectors) {
        int layers = state.shape().numLayers();
        int heads = state.shape().numHeads();
        double[][][] perPrompt = new double[state.promptCount()][][];
        if (vectors.size() != state.promptCount()) {
            throw new IllegalStateException("holds " + vectors.size() + " vectors, expected " + state.promptCount());
        }
        for (Map.Entry<Integer, byte[]> e : vectors.entrySet()) {
            perPrompt[e.getKey()] = storedVector(e.getValue(), layers, heads);
        }
        SeedMetrics metrics = NotebookMetrics.seed(state.seed(), perPrompt, state.shape().numKvHeads());
        return new SeedMetricsComputed(SeedMetricsComputed.idFor(state.runId(), state.role(), state.seed()),
                TerritoryEvent.SCHEMA_VERSION, Instant.now(), state.runId(), state.role(), state.seed(), state.seeds(),
                state.promptCount(), state.shape(), state.dtype(), state.protocol(), state.engineVersion(),
                MetricsJson.toJson(metrics));
    }

    /** Collects the per-seed metrics of one (run, role) and emits the over-seeds metrics once. */
    static final class RoleAggregator implements Processor<String, byte[], String, byte[]> {
        private final AggregationListener listener;
        private ProcessorContext<String, byte[]> context;
        private KeyValueStore<String, byte[]> store;

        RoleAggregator(AggregationListener listener) {
            this.listener = listener;
        }

        @Override
        public void init(ProcessorContext<String, byte[]> context) {
            this.context = context;
            this.store = context.getStateStore(ROLE_STORE);
        }

        @Override
        public void process(Record<String, byte[]> record) {
            SeedMetricsComputed seedEvent;
            try {
                if (!EventCodec.typeOf(record.value()).map(SEED_METRICS::equals).orElse(false)) {
                    return; // our own RoleMetricsComputed, read back (not parsed: thousands of numbers): nothing to do
                }
                seedEvent = EventCodec.decode(record.value(), SeedMetricsComputed.class);
            } catch (RuntimeException e) {
                LOG.warnf("skipped an unreadable record on the metrics topic (key %s): %s", record.key(), e.getMessage());
                return;
            }
            String key = Keys.runRole(seedEvent.runId(), seedEvent.role());
            RoleState state = read(store.get(key), RoleState.class);
            if (state == null) {
                state = RoleState.empty();
            }
            if (state.emitted() || state.holds(seedEvent.seed())) {
                return;
            }
            // each seed's event is kept as it came, under its own key: the state itself stays small
            store.put(seedEventKey(key, seedEvent.seed()), record.value());
            state = state.plus(seedEvent.seed());
            if (!state.seeds().containsAll(seedEvent.seeds())) {
                store.put(key, write(state));
                return;
            }
            store.put(key, write(RoleState.completed()));
            try {
                List<SeedMetrics> seeds = new ArrayList<>();
                for (int seed : seedEvent.seeds()) { // the run's order: the notebook takes structure from the first seed
                    seeds.add(MetricsJson.readSeed(seedEvent(state, key, seed, seedEvent).metrics()));
                }
                for (int seed : state.seeds()) {
                    store.delete(seedEventKey(key, seed));
                }
                RoleMetrics role = NotebookMetrics.aggregate(seeds);
                ObjectNode metrics = MetricsJson.toJson(role);
                metrics.set("seed_spread", MetricsJson.toJson(role.seedSpread()));
                metrics.set("warnings", JSON.valueToTree(role.warnings()));
                RoleMetricsComputed out = new RoleMetricsComputed(
                        RoleMetricsComputed.idFor(seedEvent.runId(), seedEvent.role()), TerritoryEvent.SCHEMA_VERSION,
                        Instant.now(), seedEvent.runId(), seedEvent.role(), seedEvent.seeds(), seedEvent.promptCount(),
                        seedEvent.shape(), seedEvent.dtype(), seedEvent.protocol(), seedEvent.engineVersion(), metrics);
                context.forward(new Record<>(seedEvent.runId(), EventCodec.encode(out), record.timestamp()), "metrics-sink");
                listener.aggregateCompleted(seedEvent.runId(), seedEvent.role(), "role");
            } catch (IOException | RuntimeException e) {
                LOG.errorf(e, "over-seeds metrics of %s cannot be computed", key);
                fail(context, seedEvent.runId(), "over-seeds metrics of " + key + " cannot be computed: " + e.getMessage(),
                        record.timestamp());
            }
        }

        /** One seed's event: the one in hand, one a store of an earlier build held in the state, or the stored bytes. */
        private SeedMetricsComputed seedEvent(RoleState state, String key, int seed, SeedMetricsComputed current)
                throws IOException {
            if (seed == current.seed()) {
                return current;
            }
            JsonNode legacy = state.seedEvents() == null ? null : state.seedEvents().get(seed);
            if (legacy != null) {
                return JSON.treeToValue(legacy, SeedMetricsComputed.class);
            }
            byte[] stored = store.get(seedEventKey(key, seed));
            if (stored == null) {
                throw new IllegalStateException("the metrics event of seed " + seed + " is missing from the store");
            }
            return EventCodec.decode(stored, SeedMetricsComputed.class);
        }
    }

    private static final String SEED_METRICS = SeedMetricsComputed.class.getSimpleName();

    /** Store key of one seed's metrics event: {@code run/role#seed} (role keys have no '#'). */
    static String seedEventKey(String roleKey, int seed) {
        return roleKey + "#" + seed;
    }

    private static void fail(ProcessorContext<String, byte[]> context, String runId, String reason, long timestamp) {
        RunFailed failed = RunFailed.of(runId, SERVICE, reason);
        context.forward(new Record<>(runId, EventCodec.encode(failed), timestamp), "failed-sink");
    }

    private static <T> T read(byte[] bytes, Class<T> type) {
        if (bytes == null) {
            return null;
        }
        try {
            // lenient: a store written by an older build may hold fields this one dropped
            return JSON.readerFor(type).without(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .readValue(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt " + type.getSimpleName() + " in the state store", e);
        }
    }

    private static byte[] write(Object state) {
        try {
            return JSON.writeValueAsBytes(state);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
