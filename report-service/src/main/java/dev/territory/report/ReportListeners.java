package dev.territory.report;

import dev.territory.contracts.Channels;
import dev.territory.contracts.EntropyVectorComputed;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.ModelLoaded;
import dev.territory.contracts.RoleMetricsComputed;
import dev.territory.contracts.RunCompleted;
import dev.territory.contracts.RunFailed;
import dev.territory.contracts.RunProgress;
import dev.territory.contracts.RunRequested;
import dev.territory.contracts.TerritoryEvent;
import dev.territory.report.telemetry.ReportMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/**
 * Follows every run through its events and, once both models' over-seeds metrics and
 * descriptions are in, writes the report and emits {@link RunCompleted}. Each handler is
 * idempotent (a repeated event changes nothing; a completed run is not rebuilt), and a message is
 * acknowledged only after the store wrote the change, so a restart replays what was not kept.
 */
@ApplicationScoped
public class ReportListeners {

    static final String SERVICE = "report-service";
    private static final Logger LOG = Logger.getLogger(ReportListeners.class);

    @Inject
    RunStore store;

    @Inject
    ListenerGuard guard;

    @Inject
    ReportConfig config;

    @Inject
    MeterRegistry registry;

    @Inject
    ReportMetrics metrics;

    @Inject
    @Channel(Channels.COMPLETED_OUT)
    Emitter<byte[]> completed;

    @Inject
    @Channel(Channels.FAILED_OUT)
    Emitter<byte[]> failed;

    @Produces
    @Singleton
    static RunStore runStore(ReportConfig config) {
        return new RunStore(Path.of(config.resultsDir()));
    }

    @Incoming(Channels.REPORT_REQUESTS_IN)
    @Blocking
    public void onRequest(ConsumerRecord<String, byte[]> record) {
        guard.handle(Channels.REPORT_REQUESTS_IN, record, this::onRequest);
    }

    void onRequest(byte[] payload) {
        decode(payload, GATED_ELSEWHERE).filter(RunRequested.class::isInstance).map(RunRequested.class::cast).ifPresent(r -> {
            store.recordRequest(r);
            tryComplete(r.runId());
        });
    }

    @Incoming(Channels.PROGRESS_IN)
    @Blocking
    public void onProgress(ConsumerRecord<String, byte[]> record) {
        guard.handle(Channels.PROGRESS_IN, record, this::onProgress);
    }

    void onProgress(byte[] payload) {
        decode(payload, DEAD_LETTER).ifPresent(e -> {
            if (e instanceof RunProgress p) {
                store.recordProgress(p);
            } else if (e instanceof ModelLoaded m) {
                store.recordModel(m.runId(), m.role(), m.model());
                tryComplete(m.runId());
            }
        });
    }

    @Incoming(Channels.METRICS_IN)
    @Blocking
    public void onMetrics(ConsumerRecord<String, byte[]> record) {
        guard.handle(Channels.METRICS_IN, record, this::onMetrics);
    }

    void onMetrics(byte[] payload) {
        decode(payload, DEAD_LETTER).filter(RoleMetricsComputed.class::isInstance).map(RoleMetricsComputed.class::cast).ifPresent(m -> {
            store.recordRoleMetrics(m);
            tryComplete(m.runId());
        });
    }

    /** Per-prompt entropy vectors (topic territory.entropy.vectors): the first seed's feed the report's uncertainty. */
    static final String ENTROPIES_IN = "entropies-in";

    @Incoming(ENTROPIES_IN)
    @Blocking
    public void onEntropies(ConsumerRecord<String, byte[]> record) {
        guard.handle(ENTROPIES_IN, record, this::onEntropies);
    }

    void onEntropies(byte[] payload) {
        decode(payload, GATED_ELSEWHERE).filter(EntropyVectorComputed.class::isInstance).map(EntropyVectorComputed.class::cast)
                .ifPresent(this::keepVector);
    }

    private synchronized void keepVector(EntropyVectorComputed v) {
        RunState s = store.get(v.runId()).orElse(null);
        if (s != null && s.finished()) {
            return; // replayed vectors of a finished run
        }
        try {
            if (ReportBuilder.keepVector(store.runDir(v.runId()), v)) {
                tryComplete(v.runId());
            }
        } catch (java.io.IOException | IllegalArgumentException e) {
            LOG.warnf("run %s: entropy vector not kept: %s", v.runId(), e.getMessage());
        }
    }

    @Incoming(Channels.FAILED_IN)
    @Blocking
    public void onFailed(ConsumerRecord<String, byte[]> record) {
        guard.handle(Channels.FAILED_IN, record, this::onFailed);
    }

    void onFailed(byte[] payload) {
        decode(payload, DEAD_LETTER).filter(RunFailed.class::isInstance).map(RunFailed.class::cast).ifPresent(f -> {
            RunState s = store.markFailed(f.runId(), f.service() + ": " + f.reason());
            registry.counter("territory.report.runs", "state", "failed").increment();
            metrics.runFailed(f.runId());
            LOG.infof("run %s failed: %s", f.runId(), s.failure());
        });
    }

    private synchronized void tryComplete(String runId) {
        RunState s = store.get(runId).orElse(null);
        if (s == null || s.finished() || !ReportBuilder.ready(s)) {
            return;
        }
        try {
            boolean waiting = config.awaitVectors()
                    ? ReportBuilder.vectorsMissing(store.runDir(runId), s.request().prompts().resolve().size())
                    : ReportBuilder.vectorsPending(store.runDir(runId));
            if (waiting) {
                return; // the first seed's vectors are still arriving: the next one completes the run
            }
            ReportBuilder.Built built = ReportBuilder.build(s, store.runDir(runId), this::completedRunDir);
            store.markCompleted(runId, built.line(), built.architectureInvariant(), built.files());
            registry.counter("territory.report.runs", "state", "completed").increment();
            metrics.runCompleted(runId, s.request() == null ? null : Duration.between(s.request().occurredAt(), Instant.now()), null);
            LOG.infof("run %s completed: %s", runId, built.line());
            send(completed, runId, RunCompleted.of(runId, built.verdict(), built.architectureInvariant(),
                    "/runs/" + runId + "/files/results.json", built.files())).join();
        } catch (Exception e) {
            LOG.errorf(e, "run %s: report failed", runId);
            String reason = "report: " + e.getMessage();
            store.markFailed(runId, SERVICE + ": " + reason);
            send(failed, runId, RunFailed.of(runId, SERVICE, reason)).join();
        }
    }

    private Optional<Path> completedRunDir(String runId) {
        return store.get(runId).filter(r -> RunState.COMPLETED.equals(r.status())).map(r -> store.runDir(runId));
    }

    /**
     * Unreadable requests and vectors are dead-lettered by the service that gates them (inference,
     * metrics); this service skips them. Unreadable progress, metrics and failure events are
     * dead-lettered here ({@link ListenerGuard}).
     */
    private static final boolean GATED_ELSEWHERE = false;
    private static final boolean DEAD_LETTER = true;

    private static Optional<TerritoryEvent> decode(byte[] payload, boolean deadLetter) {
        try {
            return Optional.of(EventCodec.decode(payload));
        } catch (RuntimeException e) {
            if (deadLetter) {
                throw new ListenerGuard.BadRecord(e.getMessage());
            }
            LOG.warnf("skipped an unreadable event: %s", e.getMessage());
            return Optional.empty();
        }
    }

    private static CompletableFuture<Void> send(Emitter<byte[]> emitter, String key, TerritoryEvent event) {
        return AckedSends.send(emitter, key, event);
    }
}
