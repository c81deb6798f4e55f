package dev.territory.metrics.telemetry;

import dev.territory.contracts.Role;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The metrics service's meters, named as in docs/metrics.md. Labels are bounded ({@code role},
 * {@code outcome}, {@code level} are enums; per-run series kept for the
 * {@code territory.telemetry.max-runs} most recent runs).
 */
@ApplicationScoped
public class AggregationMetrics {
    /** Which aggregate completed: one (run, role, seed), or one (run, role) over its seeds. */
    public enum Level { SEED, ROLE }

    private final MeterRegistry registry;
    private final int maxRuns;
    private final Map<Role, Counter> vectorsNew = new EnumMap<>(Role.class);
    private final Map<Role, Counter> vectorsDuplicate = new EnumMap<>(Role.class);
    private final Map<Level, Counter> aggregates = new EnumMap<>(Level.class);
    private final Timer aggregateCompute;
    /** runId -> (role/seed -> collected gauge state); insertion order = age. Guarded by itself. */
    private final LinkedHashMap<String, Map<String, Collected>> runs = new LinkedHashMap<>();

    @Inject
    public AggregationMetrics(MeterRegistry registry,
            @ConfigProperty(name = "territory.telemetry.max-runs", defaultValue = "50") int maxRuns) {
        if (maxRuns < 1) {
            throw new IllegalArgumentException("territory.telemetry.max-runs must be >= 1, got " + maxRuns);
        }
        this.registry = registry;
        this.maxRuns = maxRuns;
        for (Role role : Role.values()) {
            vectorsNew.put(role, vectors(role, "new"));
            vectorsDuplicate.put(role, vectors(role, "duplicate"));
        }
        for (Level level : Level.values()) {
            aggregates.put(level, Counter.builder("territory.aggregates.completed")
                    .tag("level", level.name().toLowerCase(Locale.ROOT))
                    .description("Metrics events emitted for complete aggregates").register(registry));
        }
        aggregateCompute = Timer.builder("territory.aggregate.compute")
                .description("Time to compute the notebook metrics of one complete aggregate").register(registry);
        for (String reason : Set.of("malformed", "invalid", "failed")) {
            deadLetters("none", reason);
        }
    }

    void onStart(@Observes @Initialized(ApplicationScoped.class) Object event) {
        // constructing the bean registered the fixed series
    }

    private Counter vectors(Role role, String outcome) {
        return Counter.builder("territory.vectors.consumed").tags("role", role.id(), "outcome", outcome)
                .description("Entropy vectors consumed; duplicate = already in the aggregate, ignored")
                .register(registry);
    }

    /** An entropy vector was consumed; {@code duplicate} when its (run, role, seed, prompt) was already held. */
    public void vectorConsumed(Role role, boolean duplicate) {
        (duplicate ? vectorsDuplicate : vectorsNew).get(role).increment();
    }

    /** How many distinct vectors (run, role, seed) holds, of how many expected ({@code promptCount}). */
    public void aggregateProgress(String runId, Role role, int seed, int collected, int expected) {
        Collected c = collected(runId, role, seed);
        c.collected.set(collected);
        c.expected.set(expected);
    }

    /** A complete aggregate's metrics event was emitted (exactly once per aggregate). */
    public void aggregateCompleted(Level level, Duration computeTime) {
        aggregates.get(level).increment();
        if (computeTime != null) {
            aggregateCompute.record(computeTime);
        }
    }

    /** A message went to the dead-letter topic; reason is one of malformed, invalid, failed. */
    public void deadLettered(String sourceTopic, String reason) {
        String r = reason == null ? "failed" : reason.toLowerCase(Locale.ROOT);
        deadLetters(sourceTopic, Set.of("malformed", "invalid", "failed").contains(r) ? r : "failed").increment();
    }

    private Counter deadLetters(String sourceTopic, String reason) {
        return Counter.builder("territory.dead.letter.messages").tags("topic", sourceTopic, "reason", reason)
                .description("Messages sent to the dead-letter topic, by source topic and reason").register(registry);
    }

    private Collected collected(String runId, Role role, int seed) {
        List<Meter> evicted = new ArrayList<>();
        Collected c;
        synchronized (runs) {
            Map<String, Collected> perRun = runs.get(runId);
            if (perRun == null) {
                while (runs.size() >= maxRuns) {
                    String oldest = runs.keySet().iterator().next();
                    for (Collected old : runs.remove(oldest).values()) {
                        evicted.addAll(old.meters);
                    }
                }
                perRun = new LinkedHashMap<>();
                runs.put(runId, perRun);
            }
            c = perRun.computeIfAbsent(role.id() + "/" + seed, k -> new Collected(registry, runId, role, seed));
        }
        evicted.forEach(registry::remove);
        return c;
    }

    private static final class Collected {
        final AtomicInteger collected = new AtomicInteger();
        final AtomicInteger expected = new AtomicInteger();
        final List<Meter> meters;

        Collected(MeterRegistry registry, String runId, Role role, int seed) {
            String s = Integer.toString(seed);
            meters = List.of(
                    Gauge.builder("territory.aggregate.vectors.collected", collected, AtomicInteger::get)
                            .tags("run", runId, "role", role.id(), "seed", s)
                            .description("Distinct vectors held for the (run, role, seed) aggregate").register(registry),
                    Gauge.builder("territory.aggregate.vectors.expected", expected, AtomicInteger::get)
                            .tags("run", runId, "role", role.id(), "seed", s)
                            .description("Vectors the (run, role, seed) aggregate needs (promptCount)").register(registry));
        }
    }
}
