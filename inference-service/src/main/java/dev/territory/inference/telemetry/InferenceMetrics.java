package dev.territory.inference.telemetry;

import dev.territory.contracts.Role;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The inference service's meters, named as in docs/metrics.md (the contract the Grafana dashboard
 * and the deploy-check tests read). Service code calls these methods; nothing here knows Kafka.
 *
 * <p>Labels are bounded: {@code role} and {@code outcome} are enums, {@code seed} and {@code run}
 * come from requests, and the per-run series are kept for the {@code territory.telemetry.max-runs}
 * most recent runs only (older runs' series are removed). No label ever holds a prompt.
 */
@ApplicationScoped
public class InferenceMetrics {
    /** Default number of runs whose per-run series are kept. */
    public static final int DEFAULT_MAX_RUNS = 50;

    private final MeterRegistry registry;
    private final int maxRuns;
    private final Counter runsRequested;
    private final Map<Role, Timer> forwardPass = new EnumMap<>(Role.class);
    private final Map<Role, Counter> forwardTokens = new EnumMap<>(Role.class);
    private final Map<Role, Timer> modelLoad = new EnumMap<>(Role.class);
    private final Map<Role, DistributionSummary> modelLoadSize = new EnumMap<>(Role.class);
    private final Map<Role, Timer> modelDownload = new EnumMap<>(Role.class);
    private final Map<Role, Counter> modelDownloadBytes = new EnumMap<>(Role.class);
    private final Counter jobsSucceeded;
    private final Counter jobsFailed;
    private final AtomicInteger jobsActive = new AtomicInteger();
    private final Counter modelCacheHits;
    private final Counter modelCacheMisses;
    private final Counter modelCacheEvictions;
    private final AtomicLong modelCacheResident = new AtomicLong();
    /** runId -> (role/seed -> progress); insertion order = age, for eviction. Guarded by itself. */
    private final LinkedHashMap<String, Map<String, Progress>> runs = new LinkedHashMap<>();

    @Inject
    public InferenceMetrics(
            MeterRegistry registry,
            @ConfigProperty(name = "territory.telemetry.max-runs", defaultValue = "50") int maxRuns) {
        if (maxRuns < 1) {
            throw new IllegalArgumentException("territory.telemetry.max-runs must be >= 1, got " + maxRuns);
        }
        this.registry = registry;
        this.maxRuns = maxRuns;
        this.runsRequested = Counter.builder("territory.runs")
                .tag("state", "requested")
                .description("Runs by the state they entered; requested: RunRequested consumed")
                .register(registry);
        for (Role role : Role.values()) {
            forwardPass.put(
                    role,
                    Timer.builder("territory.forward.pass")
                            .tag("role", role.id())
                            .description("One prompt's forward pass including the per-head entropy reduction")
                            .publishPercentileHistogram()
                            .minimumExpectedValue(Duration.ofMillis(1))
                            .maximumExpectedValue(Duration.ofMinutes(5))
                            .register(registry));
            forwardTokens.put(
                    role,
                    Counter.builder("territory.forward.tokens")
                            .tag("role", role.id())
                            .description("Tokens through the forward pass; tokens/s = rate()")
                            .register(registry));
            modelLoad.put(
                    role,
                    Timer.builder("territory.model.load")
                            .tag("role", role.id())
                            .description("Time to load a model's weights and tokenizer")
                            .register(registry));
            modelLoadSize.put(
                    role,
                    DistributionSummary.builder("territory.model.load.size")
                            .tag("role", role.id())
                            .baseUnit(BaseUnits.BYTES)
                            .description("Bytes of weights loaded per model load")
                            .register(registry));
            modelDownload.put(
                    role,
                    Timer.builder("territory.model.download")
                            .tag("role", role.id())
                            .description("Time to download a Hub model's missing files into the Hub cache")
                            .register(registry));
            modelDownloadBytes.put(
                    role,
                    Counter.builder("territory.model.download.bytes")
                            .tag("role", role.id())
                            .baseUnit(BaseUnits.BYTES)
                            .description("Bytes downloaded from the Hub into the Hub cache")
                            .register(registry));
        }
        this.jobsSucceeded = Counter.builder("territory.model.jobs")
                .tag("outcome", "succeeded")
                .description("Model jobs (one run, one role) finished")
                .register(registry);
        this.jobsFailed = Counter.builder("territory.model.jobs")
                .tag("outcome", "failed")
                .description("Model jobs (one run, one role) finished")
                .register(registry);
        Gauge.builder("territory.model.jobs.active", jobsActive, AtomicInteger::get)
                .description("Model jobs in progress in this replica (loading or computing)")
                .register(registry);
        this.modelCacheHits = Counter.builder("territory.model.cache.hits")
                .description("Model jobs that found their model loaded (the model cache)")
                .register(registry);
        this.modelCacheMisses = Counter.builder("territory.model.cache.misses")
                .description("Model jobs that loaded their model (not in the model cache)")
                .register(registry);
        this.modelCacheEvictions = Counter.builder("territory.model.cache.evictions")
                .description("Loaded models closed to make room, or because their directory changed")
                .register(registry);
        Gauge.builder("territory.model.cache.resident", modelCacheResident, AtomicLong::get)
                .baseUnit(BaseUnits.BYTES)
                .description("Weight bytes (in the compute dtype) of the models loaded in this replica")
                .register(registry);
        DeadLetters.register(registry);
    }

    /** Makes CDI create the bean at start-up so that every fixed series is scraped from the first scrape. */
    void onStart(@Observes @Initialized(ApplicationScoped.class) Object event) {
        // constructing the bean registered the meters
    }

    /** A RunRequested was consumed (counted once per request event this replica handles). */
    public void runRequested(String runId) {
        runsRequested.increment();
    }

    /** A model job (runId, role) starts: loading begins. Pair with {@link #jobFinished}. */
    public void jobStarted(String runId, Role role) {
        jobsActive.incrementAndGet();
    }

    /** A model job ended, successfully or not. */
    public void jobFinished(String runId, Role role, boolean succeeded) {
        jobsActive.updateAndGet(n -> Math.max(0, n - 1));
        (succeeded ? jobsSucceeded : jobsFailed).increment();
    }

    /** A model was loaded: how long it took and the bytes of weights read. */
    public void modelLoaded(Role role, Duration took, long bytes) {
        modelLoad.get(role).record(took);
        modelLoadSize.get(role).record(bytes);
    }

    /** A job found its model in the model cache. */
    public void modelCacheHit() {
        modelCacheHits.increment();
    }

    /** A job's model was not in the model cache and is loaded. */
    public void modelCacheMiss() {
        modelCacheMisses.increment();
    }

    /** The model cache closed an idle model to make room, or because its directory changed. */
    public void modelCacheEviction() {
        modelCacheEvictions.increment();
    }

    /** Weight bytes of the models now loaded in this replica (all model caches). */
    public void modelCacheResidentBytes(long bytes) {
        modelCacheResident.set(bytes);
    }

    /**
     * A Hub model was resolved: {@code bytes} downloaded in {@code took}. A model found complete in
     * the cache (nothing downloaded) is not a download and records nothing.
     */
    public void modelDownloaded(Role role, long bytes, Duration took) {
        if (bytes <= 0) {
            return;
        }
        modelDownload.get(role).record(took);
        modelDownloadBytes.get(role).increment(bytes);
    }

    /** Declares how many prompts (runId, role, seed) will produce. */
    public void expectPrompts(String runId, Role role, int seed, int expected) {
        progress(runId, role, seed).expected.set(expected);
    }

    /**
     * The vector of prompt {@code promptIndex} of (runId, role, seed) was published, computed over
     * {@code tokens} real tokens. Idempotent for the progress gauge: a prompt published twice (a
     * replayed job) counts once there; the token counter counts the work done.
     */
    public void vectorPublished(String runId, Role role, int seed, int promptIndex, int tokens) {
        Progress p = progress(runId, role, seed);
        synchronized (p) {
            p.doneSet.set(promptIndex);
            p.done.set(p.doneSet.cardinality());
        }
        forwardTokens.get(role).increment(tokens);
    }

    /**
     * One forward pass over a batch of {@code prompts} prompts took {@code batch}: recorded as
     * {@code prompts} observations of batch / prompts (the per-prompt latency the dashboard shows).
     */
    public void forwardPasses(Role role, Duration batch, int prompts) {
        if (prompts <= 0) {
            return;
        }
        Duration perPrompt = batch.dividedBy(prompts);
        Timer t = forwardPass.get(role);
        for (int i = 0; i < prompts; i++) {
            t.record(perPrompt);
        }
    }

    /** A message went to the dead-letter topic; reason is one of malformed, invalid, failed. */
    public void deadLettered(String sourceTopic, String reason) {
        DeadLetters.increment(registry, sourceTopic, reason);
    }

    private Progress progress(String runId, Role role, int seed) {
        List<Meter> evicted = new ArrayList<>();
        Progress p;
        synchronized (runs) {
            Map<String, Progress> perRun = runs.get(runId);
            if (perRun == null) {
                while (runs.size() >= maxRuns) {
                    String oldest = runs.keySet().iterator().next();
                    for (Progress old : runs.remove(oldest).values()) {
                        evicted.addAll(old.meters);
                    }
                }
                perRun = new LinkedHashMap<>();
                runs.put(runId, perRun);
            }
            p = perRun.computeIfAbsent(role.id() + "/" + seed, k -> new Progress(registry, runId, role, seed));
        }
        evicted.forEach(registry::remove);
        return p;
    }

    /** Progress gauges of one (run, role, seed). */
    private static final class Progress {
        final AtomicInteger done = new AtomicInteger();
        final AtomicInteger expected = new AtomicInteger();
        final BitSet doneSet = new BitSet();
        final List<Meter> meters;

        Progress(MeterRegistry registry, String runId, Role role, int seed) {
            String s = Integer.toString(seed);
            meters = List.of(
                    Gauge.builder("territory.run.prompts.done", done, AtomicInteger::get)
                            .tags("run", runId, "role", role.id(), "seed", s)
                            .description("Prompts whose entropy vector was published")
                            .register(registry),
                    Gauge.builder("territory.run.prompts.expected", expected, AtomicInteger::get)
                            .tags("run", runId, "role", role.id(), "seed", s)
                            .description("Prompts the (run, role, seed) will produce")
                            .register(registry));
        }
    }

    /** The dead-letter counter, with its bounded reasons. */
    static final class DeadLetters {
        static final Set<String> REASONS = Set.of("malformed", "invalid", "failed");

        static void register(MeterRegistry registry) {
            // so the series exists before the first dead letter: rate() and alerts then see 0, not "no data"
            for (String reason : REASONS) {
                counter(registry, "none", reason);
            }
        }

        static void increment(MeterRegistry registry, String sourceTopic, String reason) {
            String r = reason == null ? "failed" : reason.toLowerCase(Locale.ROOT);
            counter(registry, sourceTopic, REASONS.contains(r) ? r : "failed").increment();
        }

        private static Counter counter(MeterRegistry registry, String sourceTopic, String reason) {
            return Counter.builder("territory.dead.letter.messages")
                    .tags("topic", sourceTopic, "reason", reason)
                    .description("Messages sent to the dead-letter topic, by source topic and reason")
                    .register(registry);
        }
    }
}
