package dev.territory.report.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/** The report service's meters, named as in docs/metrics.md. No per-run labels here. */
@ApplicationScoped
public class ReportMetrics {
    private final MeterRegistry registry;
    private final Counter completed;
    private final Counter failed;
    private final Timer runDuration;
    private final Timer reportWrite;

    @Inject
    public ReportMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.completed = Counter.builder("territory.runs")
                .tag("state", "completed")
                .description("Runs by the state they entered; completed: RunCompleted emitted")
                .register(registry);
        this.failed = Counter.builder("territory.runs")
                .tag("state", "failed")
                .description("Runs by the state they entered; failed: RunFailed seen on territory.runs.failed")
                .register(registry);
        this.runDuration = Timer.builder("territory.run.duration")
                .description("From RunRequested.occurredAt to RunCompleted")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofSeconds(1))
                .maximumExpectedValue(Duration.ofHours(12))
                .register(registry);
        this.reportWrite = Timer.builder("territory.report.write")
                .description("Time to turn both roles' metrics into verdict, comparison and results.json")
                .register(registry);
        for (String reason : Set.of("malformed", "invalid", "failed")) {
            deadLetters("none", reason);
        }
    }

    void onStart(@Observes @Initialized(ApplicationScoped.class) Object event) {
        // constructing the bean registered the fixed series
    }

    /** RunCompleted was emitted; {@code sinceRequested} (may be null) is the run's wall time. */
    public void runCompleted(String runId, Duration sinceRequested, Duration reportTime) {
        completed.increment();
        if (sinceRequested != null) {
            runDuration.record(sinceRequested);
        }
        if (reportTime != null) {
            reportWrite.record(reportTime);
        }
    }

    /** A RunFailed was seen (consumed from territory.runs.failed, or emitted by this service). */
    public void runFailed(String runId) {
        failed.increment();
    }

    /** A message went to the dead-letter topic; reason is one of malformed, invalid, failed. */
    public void deadLettered(String sourceTopic, String reason) {
        String r = reason == null ? "failed" : reason.toLowerCase(Locale.ROOT);
        deadLetters(sourceTopic, Set.of("malformed", "invalid", "failed").contains(r) ? r : "failed")
                .increment();
    }

    private Counter deadLetters(String sourceTopic, String reason) {
        return Counter.builder("territory.dead.letter.messages")
                .tags("topic", sourceTopic, "reason", reason)
                .description("Messages sent to the dead-letter topic, by source topic and reason")
                .register(registry);
    }
}
