package dev.territory.report;

import dev.territory.contracts.Channels;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.ModelLoaded;
import dev.territory.contracts.RoleMetricsComputed;
import dev.territory.contracts.RunCompleted;
import dev.territory.contracts.RunFailed;
import dev.territory.contracts.RunProgress;
import dev.territory.contracts.RunRequested;
import dev.territory.contracts.RunStatisticsComputed;
import dev.territory.contracts.SeedMetricsComputed;
import dev.territory.contracts.TerritoryEvent;
import dev.territory.kafka.messaging.AckedSends;
import dev.territory.report.config.ReportConfig;
import dev.territory.report.listener.ListenerGuard;
import dev.territory.report.telemetry.ReportMetrics;
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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Follows every run through its events and, once both models' over-seeds metrics and
 * descriptions and the run's statistics are in, writes the report and emits {@link RunCompleted}. Each handler is
 * idempotent (a repeated event changes nothing; a completed run is not rebuilt), and a message is
 * acknowledged only after the store wrote the change, so a restart replays what was not kept.
 */
@ApplicationScoped
public class ReportListeners {

    public static final String SERVICE = "report-service";
    private static final Logger LOG = Logger.getLogger(ReportListeners.class);

    @Inject
    RunStore store;

    @Inject
    ListenerGuard guard;

    @Inject
    ReportConfig config;

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
        decode(payload, GATED_ELSEWHERE)
                .filter(RunRequested.class::isInstance)
                .map(RunRequested.class::cast)
                .ifPresent(r -> {
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
        decode(payload, DEAD_LETTER).ifPresent(e -> {
            if (e instanceof RoleMetricsComputed m) {
                store.recordRoleMetrics(m);
                tryComplete(m.runId());
            } else if (e instanceof SeedMetricsComputed sm) {
                store.recordSeedMetrics(sm);
            } else if (e instanceof RunStatisticsComputed st) {
                store.recordStatistics(st);
                tryComplete(st.runId());
            }
        });
    }

    @Incoming(Channels.FAILED_IN)
    @Blocking
    public void onFailed(ConsumerRecord<String, byte[]> record) {
        guard.handle(Channels.FAILED_IN, record, this::onFailed);
    }

    void onFailed(byte[] payload) {
        decode(payload, DEAD_LETTER)
                .filter(RunFailed.class::isInstance)
                .map(RunFailed.class::cast)
                .ifPresent(f -> {
                    RunState s = store.markFailed(f.runId(), f.service() + ": " + f.reason());
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
            ReportBuilder.Built built = ReportBuilder.build(s, store.runDir(runId), this::completedRunDir);
            store.markCompleted(runId, built.line(), built.architectureInvariant(), built.files());
            metrics.runCompleted(
                    runId,
                    s.request() == null ? null : Duration.between(s.request().occurredAt(), Instant.now()),
                    null);
            LOG.infof("run %s completed: %s", runId, built.line());
            send(
                            completed,
                            runId,
                            RunCompleted.of(
                                    runId,
                                    built.verdict(),
                                    built.architectureInvariant(),
                                    "/runs/" + runId + "/files/results.json",
                                    built.files()))
                    .join();
        } catch (Exception e) {
            LOG.errorf(e, "run %s: report failed", runId);
            String reason = "report: " + e.getMessage();
            store.markFailed(runId, SERVICE + ": " + reason);
            send(failed, runId, RunFailed.of(runId, SERVICE, reason)).join();
        }
    }

    private Optional<Path> completedRunDir(String runId) {
        return store.get(runId)
                .filter(r -> RunState.COMPLETED.equals(r.status()))
                .map(r -> store.runDir(runId));
    }

    /**
     * Unreadable requests are dead-lettered by the service that gates them (inference); this service
     * skips them. Unreadable progress, metrics and failure events are
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
