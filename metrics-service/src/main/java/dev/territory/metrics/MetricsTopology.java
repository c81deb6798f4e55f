package dev.territory.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.territory.contracts.EntropyVectorComputed;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.Keys;
import dev.territory.contracts.Role;
import dev.territory.contracts.RoleMetricsComputed;
import dev.territory.contracts.RunFailed;
import dev.territory.contracts.RunStatisticsComputed;
import dev.territory.contracts.SeedMetricsComputed;
import dev.territory.contracts.TerritoryEvent;
import dev.territory.statistics.MetricsJson;
import dev.territory.statistics.NotebookMetrics;
import dev.territory.statistics.PromptReductions;
import dev.territory.statistics.RoleMetrics;
import dev.territory.statistics.SeedMetrics;
import dev.territory.statistics.StatisticsBlock;
import dev.territory.statistics.Uncertainty;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
 *   └─ seed-aggregator [store seed-aggregates: run/role/seed → count, run/role/seed#prompt → entropies,
 *        and for the run's first seed run/role/seed~prompt → the whole vector]
 *        collects promptCount vectors, one per prompt index (a repeat is ignored), then emits
 *        SeedMetricsComputed once (the first seed's with its prompts' vectors) and keeps only "emitted"
 *                                                                  ─────────▶ metrics.computed (key runId)
 * metrics.computed (key runId: every seed of both models of a run is in one partition)
 *   └─ role-aggregator [store role-aggregates: run/role → seeds held, run/role#seed → seed event,
 *        run/role#role → the role's metrics event]
 *        collects one SeedMetricsComputed per seed, then emits RoleMetricsComputed once; once both models'
 *        are out, computes the run's statistics (StatisticsBlock: bootstrap, permutation test, head
 *        redundancy, protocol comparison, head extras) from the first seed's prompts and emits
 *        RunStatisticsComputed once ──────────────────────────────────────▶ metrics.computed
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
        addAggregation(topology, topics, listener, "vector-decoder");
        return topology;
    }

    /**
     * What the gated and the ungated topology share: the seed aggregator on the checked vectors of
     * processor {@code vectorsParent}, the role aggregator on the metrics topic, their stores and sinks.
     */
    static void addAggregation(
            Topology topology, TopicNames topics, AggregationListener listener, String vectorsParent) {
        var strings = Serdes.String();
        var bytes = Serdes.ByteArray();
        topology.addProcessor("seed-aggregator", () -> new SeedAggregator(listener), vectorsParent);
        topology.addStateStore(seedStore(), "seed-aggregator");
        topology.addSource("seed-metrics", strings.deserializer(), bytes.deserializer(), topics.metrics());
        topology.addProcessor("role-aggregator", () -> new RoleAggregator(listener), "seed-metrics");
        topology.addStateStore(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ROLE_STORE), strings, bytes),
                "role-aggregator");
        topology.addSink(
                "metrics-sink",
                topics.metrics(),
                strings.serializer(),
                bytes.serializer(),
                "seed-aggregator",
                "role-aggregator");
        topology.addSink(
                "failed-sink",
                topics.failed(),
                strings.serializer(),
                bytes.serializer(),
                "seed-aggregator",
                "role-aggregator");
    }

    /**
     * The seed store, with Kafka Streams' record cache: between commits, a key written again (the
     * aggregate's count, once per vector) goes to RocksDB and the changelog once, and a vector put and
     * deleted in the same interval (a seed completed from a backlog) never goes there at all.
     * Commits flush the cache first, so exactly-once recovery is unchanged.
     */
    static StoreBuilder<KeyValueStore<String, byte[]>> seedStore() {
        return Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(SEED_STORE), Serdes.String(), Serdes.ByteArray())
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
            if (firstSeed(state)) {
                store.put(promptKey(key, vector.promptIndex()), write(SeedMetricsComputed.Prompt.of(vector)));
            }
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
            List<SeedMetricsComputed.Prompt> prompts = new ArrayList<>();
            if (firstSeed(state)) {
                try (KeyValueIterator<String, byte[]> it = store.prefixScan(key + "~", new StringSerializer())) {
                    while (it.hasNext()) {
                        var kv = it.next();
                        held.add(kv.key);
                        prompts.add(read(kv.value, SeedMetricsComputed.Prompt.class));
                    }
                }
            }
            held.forEach(store::delete); // only "emitted" is needed from now on
            store.put(key, write(state.completed()));
            try {
                SeedMetricsComputed event = seedMetrics(state, vectors, prompts);
                context.forward(
                        new Record<>(vector.runId(), EventCodec.encode(event), record.timestamp()), "metrics-sink");
                listener.aggregateCompleted(vector.runId(), vector.role(), "seed");
            } catch (RuntimeException e) {
                LOG.errorf(e, "metrics of %s cannot be computed", key);
                fail(
                        context,
                        vector.runId(),
                        "metrics of " + key + " cannot be computed: " + e.getMessage(),
                        record.timestamp());
            }
        }
    }

    /** The run's first seed: its vectors are kept whole, for the run's statistics. */
    static boolean firstSeed(SeedState state) {
        return state.seed() == state.seeds().get(0);
    }

    /** Store key of one whole vector of the first seed: {@code run/role/seed~00000017}. */
    static String promptKey(String aggregateKey, int promptIndex) {
        return vectorKey(aggregateKey, promptIndex).replace('#', '~');
    }

    /** Store key of one vector: {@code run/role/seed#00000017}; the '#' keeps seed 42's prefix from matching seed 420's. */
    static String vectorKey(String aggregateKey, int promptIndex) {
        String digits = Integer.toString(promptIndex);
        return aggregateKey + "#" + "00000000".substring(Math.min(8, digits.length())) + digits;
    }

    /** A vector as the store holds it: little-endian float32, row-major (4 bytes per head). */
    static byte[] float32Bytes(float[][] matrix) {
        int heads = matrix.length == 0 ? 0 : matrix[0].length;
        ByteBuffer buffer =
                ByteBuffer.allocate(matrix.length * heads * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] row : matrix) {
            for (float v : row) {
                buffer.putFloat(v);
            }
        }
        return buffer.array();
    }

    /** A stored vector (little-endian float32, layer-major) back as doubles. */
    static double[][] storedVector(byte[] value, int layers, int heads) {
        int raw = layers * heads * Float.BYTES;
        if (value.length != raw) {
            throw new IllegalStateException("a stored vector has " + value.length + " bytes, " + layers + "x" + heads
                    + " float32 values need " + raw);
        }
        FloatBuffer floats =
                ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        double[][] d = new double[layers][heads];
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                d[l][h] = floats.get();
            }
        }
        return d;
    }

    /** Computes the notebook's per-seed metrics from the complete set of stored vectors; {@code prompts} rides along. */
    static SeedMetricsComputed seedMetrics(
            SeedState state, Map<Integer, byte[]> vectors, List<SeedMetricsComputed.Prompt> prompts) {
        int layers = state.shape().numLayers();
        int heads = state.shape().numHeads();
        double[][][] perPrompt = new double[state.promptCount()][][];
        if (vectors.size() != state.promptCount()) {
            throw new IllegalStateException("holds " + vectors.size() + " vectors, expected " + state.promptCount());
        }
        for (Map.Entry<Integer, byte[]> e : vectors.entrySet()) {
            perPrompt[e.getKey()] = storedVector(e.getValue(), layers, heads);
        }
        SeedMetrics metrics =
                NotebookMetrics.seed(state.seed(), perPrompt, state.shape().numKvHeads());
        return new SeedMetricsComputed(
                SeedMetricsComputed.idFor(state.runId(), state.role(), state.seed()),
                TerritoryEvent.SCHEMA_VERSION,
                Instant.now(),
                state.runId(),
                state.role(),
                state.seed(),
                state.seeds(),
                state.promptCount(),
                state.shape(),
                state.dtype(),
                state.protocol(),
                state.engineVersion(),
                MetricsJson.toJson(metrics),
                prompts);
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
                LOG.warnf(
                        "skipped an unreadable record on the metrics topic (key %s): %s", record.key(), e.getMessage());
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
                for (int seed :
                        seedEvent.seeds()) { // the run's order: the notebook takes structure from the first seed
                    seeds.add(
                            MetricsJson.readSeed(seedEvent(key, seed, seedEvent).metrics()));
                }
                int first = seedEvent.seeds().get(0);
                for (int seed : state.seeds()) {
                    if (seed != first) { // the first seed's prompts wait for the other model's, for the statistics
                        store.delete(seedEventKey(key, seed));
                    }
                }
                RoleMetrics role = NotebookMetrics.aggregate(seeds);
                RoleMetricsComputed out = new RoleMetricsComputed(
                        RoleMetricsComputed.idFor(seedEvent.runId(), seedEvent.role()),
                        TerritoryEvent.SCHEMA_VERSION,
                        Instant.now(),
                        seedEvent.runId(),
                        seedEvent.role(),
                        seedEvent.seeds(),
                        seedEvent.promptCount(),
                        seedEvent.shape(),
                        seedEvent.dtype(),
                        seedEvent.protocol(),
                        seedEvent.engineVersion(),
                        MetricsJson.roleDocument(role));
                byte[] encoded = EventCodec.encode(out);
                context.forward(new Record<>(seedEvent.runId(), encoded, record.timestamp()), "metrics-sink");
                listener.aggregateCompleted(seedEvent.runId(), seedEvent.role(), "role");
                store.put(roleEventKey(key), encoded);
                statisticsIfBothModels(seedEvent.runId(), first, record.timestamp());
            } catch (RuntimeException e) {
                LOG.errorf(e, "over-seeds metrics of %s cannot be computed", key);
                fail(
                        context,
                        seedEvent.runId(),
                        "over-seeds metrics of " + key + " cannot be computed: " + e.getMessage(),
                        record.timestamp());
            }
        }

        /**
         * Once both models' metrics are out, the run's statistics from the first seed's prompts of both; then only
         * the roles' "emitted" states remain.
         */
        private void statisticsIfBothModels(String runId, int firstSeed, long timestamp) {
            Map<Role, RoleMetricsComputed> roles = new LinkedHashMap<>();
            Map<Role, SeedMetricsComputed> prompts = new LinkedHashMap<>();
            for (Role r : Role.values()) {
                String roleKey = Keys.runRole(runId, r);
                byte[] roleEvent = store.get(roleEventKey(roleKey));
                if (roleEvent == null) {
                    return; // the other model's metrics are still to come
                }
                roles.put(r, EventCodec.decode(roleEvent, RoleMetricsComputed.class));
                byte[] seedEvent = store.get(seedEventKey(roleKey, firstSeed));
                if (seedEvent != null) {
                    prompts.put(r, EventCodec.decode(seedEvent, SeedMetricsComputed.class));
                }
            }
            for (Role r : Role.values()) {
                store.delete(roleEventKey(Keys.runRole(runId, r)));
                store.delete(seedEventKey(Keys.runRole(runId, r), firstSeed));
            }
            try {
                RunStatisticsComputed out = statistics(runId, roles, prompts);
                context.forward(new Record<>(runId, EventCodec.encode(out), timestamp), "metrics-sink");
                listener.aggregateCompleted(runId, Role.BASE, "run");
            } catch (RuntimeException e) {
                LOG.errorf(e, "statistics of run %s cannot be computed", runId);
                fail(
                        context,
                        runId,
                        "statistics of run " + runId + " cannot be computed: " + e.getMessage(),
                        timestamp);
            }
        }

        /** One seed's event: the one in hand, or the stored bytes. */
        private SeedMetricsComputed seedEvent(String key, int seed, SeedMetricsComputed current) {
            if (seed == current.seed()) {
                return current;
            }
            byte[] stored = store.get(seedEventKey(key, seed));
            if (stored == null) {
                throw new IllegalStateException("the metrics event of seed " + seed + " is missing from the store");
            }
            return EventCodec.decode(stored, SeedMetricsComputed.class);
        }
    }

    private static final String SEED_METRICS = SeedMetricsComputed.class.getSimpleName();

    /** Store key of a role's metrics event, held until the other model's is out: {@code run/role#role}. */
    static String roleEventKey(String roleKey) {
        return roleKey + "#role";
    }

    /**
     * The run's statistics block from both models' over-seeds metrics and their first seed's prompts (the
     * bootstrap and permutation settings are {@link Uncertainty.Options#defaults()}).
     */
    static RunStatisticsComputed statistics(
            String runId, Map<Role, RoleMetricsComputed> roles, Map<Role, SeedMetricsComputed> firstSeed) {
        RoleMetricsComputed base = roles.get(Role.BASE);
        List<PromptReductions> prompts = new ArrayList<>();
        firstSeed.values().forEach(e -> prompts.addAll(PromptReductions.of(e)));
        StatisticsBlock block = StatisticsBlock.compute(
                new StatisticsBlock.Run(
                        base.seeds(), base.protocol(), base.shape().numKvHeads()),
                MetricsJson.readRoleDocument(base.metrics()),
                MetricsJson.readRoleDocument(roles.get(Role.INSTRUCT).metrics()),
                prompts,
                Uncertainty.Options.defaults());
        return RunStatisticsComputed.of(runId, block.json(), block.uncertaintyJson());
    }

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
            return JSON.readValue(bytes, type);
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
