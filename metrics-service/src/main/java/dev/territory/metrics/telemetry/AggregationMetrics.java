package dev.territory.metrics.telemetry;

import dev.territory.contracts.Role;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The metrics service's meters, named as in docs/metrics.md; its methods mirror the topology's
 * {@code AggregationListener} so that each listener callback is one call here. Labels are bounded
 * ({@code outcome} and {@code level} fixed sets, {@code role} an enum; per-run series kept for the
 * {@code territory.telemetry.max-runs} most recent runs).
 */
@ApplicationScoped
public class AggregationMetrics {
    private static final Set<String> LEVELS = Set.of("seed", "role", "run");
    private static final Set<String> REASONS = Set.of("malformed", "invalid", "failed");

    private final MeterRegistry registry;
    private final int maxRuns;
    private final Counter accepted;
    private final Counter duplicate;
    private final Counter rejected;
    /** runId -> (role/seed -> vectors accepted); insertion order = age. Guarded by itself. */
    private final LinkedHashMap<String, Map<String, Collected>> runs = new LinkedHashMap<>();

    @Inject
    public AggregationMetrics(
            MeterRegistry registry,
            @ConfigProperty(name = "territory.telemetry.max-runs", defaultValue = "50") int maxRuns) {
        if (maxRuns < 1) {
            throw new IllegalArgumentException("territory.telemetry.max-runs must be >= 1, got " + maxRuns);
        }
        this.registry = registry;
        this.maxRuns = maxRuns;
        accepted = vectors("new");
        duplicate = vectors("duplicate");
        rejected = vectors("rejected");
        for (String level : LEVELS) {
            aggregates(level);
        }
        for (String reason : REASONS) {
            deadLetters("none", reason);
        }
    }

    void onStart(@Observes @Initialized(ApplicationScoped.class) Object event) {
        // constructing the bean registered the fixed series
    }

    private Counter vectors(String outcome) {
        return Counter.builder("territory.vectors.consumed")
                .tag("outcome", outcome)
                .description("Entropy vectors consumed: new (counted into an aggregate), duplicate (ignored), rejected")
                .register(registry);
    }

    private Counter aggregates(String level) {
        return Counter.builder("territory.aggregates.completed")
                .tag("level", level)
                .description("Metrics events emitted for complete aggregates (exactly once each)")
                .register(registry);
    }

    /** A vector was counted into the (runId, role, seed) aggregate. */
    public void vectorAccepted(String runId, Role role, int seed) {
        accepted.increment();
        collected(runId, role, seed).incrementAndGet();
    }

    /** A vector already counted (same run, role, seed, prompt) was ignored. */
    public void vectorDuplicate(String runId) {
        duplicate.increment();
    }

    /** A vector could not be used (malformed, inconsistent); the reason stays in the logs. */
    public void vectorRejected(String runId, String reason) {
        rejected.increment();
    }

    /** A metrics event was emitted; {@code level} is "seed", "role" or "run" (the run's statistics). */
    public void aggregateCompleted(String runId, Role role, String level) {
        String l = level == null ? "" : level.toLowerCase(Locale.ROOT);
        if (!LEVELS.contains(l)) {
            throw new IllegalArgumentException("aggregate level must be seed, role or run, got " + level);
        }
        aggregates(l).increment();
    }

    /** A message went to the dead-letter topic; reason is one of malformed, invalid, failed. */
    public void deadLettered(String sourceTopic, String reason) {
        String r = reason == null ? "failed" : reason.toLowerCase(Locale.ROOT);
        deadLetters(sourceTopic, REASONS.contains(r) ? r : "failed").increment();
    }

    private Counter deadLetters(String sourceTopic, String reason) {
        return Counter.builder("territory.dead.letter.messages")
                .tags("topic", sourceTopic, "reason", reason)
                .description("Messages sent to the dead-letter topic, by source topic and reason")
                .register(registry);
    }

    private AtomicInteger collected(String runId, Role role, int seed) {
        List<Meter> evicted = new ArrayList<>();
        Collected c;
        synchronized (runs) {
            Map<String, Collected> perRun = runs.get(runId);
            if (perRun == null) {
                while (runs.size() >= maxRuns) {
                    String oldest = runs.keySet().iterator().next();
                    for (Collected old : runs.remove(oldest).values()) {
                        evicted.add(old.gauge);
                    }
                }
                perRun = new LinkedHashMap<>();
                runs.put(runId, perRun);
            }
            c = perRun.computeIfAbsent(role.id() + "/" + seed, k -> new Collected(registry, runId, role, seed));
        }
        evicted.forEach(registry::remove);
        return c.count;
    }

    private static final class Collected {
        final AtomicInteger count = new AtomicInteger();
        final Meter gauge;

        Collected(MeterRegistry registry, String runId, Role role, int seed) {
            gauge = Gauge.builder("territory.aggregate.vectors.collected", count, AtomicInteger::get)
                    .tags("run", runId, "role", role.id(), "seed", Integer.toString(seed))
                    .description("Vectors counted into the (run, role, seed) aggregate by this process")
                    .register(registry);
        }
    }
}
