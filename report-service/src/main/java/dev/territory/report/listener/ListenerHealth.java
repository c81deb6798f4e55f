package dev.territory.report.listener;

import dev.territory.contracts.Channels;
import dev.territory.contracts.DeadLetterHeaders;
import dev.territory.kafka.messaging.AckedSends;
import dev.territory.report.ReportListeners;
import dev.territory.report.config.ReportConfig;
import dev.territory.report.telemetry.ReportMetrics;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.providers.extension.HealthCenter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

/**
 * The report service's {@link ListenerGuard} (dead letters to {@code territory.dead-letter} with the
 * same {@link DeadLetterHeaders} as the other services) and the readiness check that goes DOWN when a listener's
 * channel has stopped (recorded by the guard, or reported failed by SmallRye itself).
 */
@ApplicationScoped
public class ListenerHealth {

    @Inject
    @Channel(Channels.DEAD_LETTER_OUT)
    Emitter<byte[]> deadLetterOut;

    @Inject
    Instance<HealthCenter> messagingHealth;

    @Inject
    ReportConfig config;

    @Inject
    ReportMetrics metrics;

    @Produces
    @Singleton
    ListenerGuard guard() {
        return new ListenerGuard(config.listener().retries(), config.listener().backoff(), this::send);
    }

    @Inject
    Instance<ListenerGuard> guard;

    void send(ConsumerRecord<String, byte[]> record, String reason) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(DeadLetterHeaders.REASON, utf8(reason));
        headers.add(DeadLetterHeaders.SERVICE, utf8(ReportListeners.SERVICE));
        headers.add(DeadLetterHeaders.TOPIC, utf8(record.topic()));
        headers.add(DeadLetterHeaders.PARTITION, utf8(Integer.toString(record.partition())));
        headers.add(DeadLetterHeaders.OFFSET, utf8(Long.toString(record.offset())));
        CompletableFuture<Void> done = AckedSends.send(
                deadLetterOut,
                record.value() == null ? new byte[0] : record.value(),
                OutgoingKafkaRecordMetadata.<String>builder()
                        .withKey(record.key())
                        .withHeaders(headers)
                        .build());
        try {
            done.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while dead-lettering", e);
        } catch (Exception e) {
            throw new IllegalStateException("dead-letter topic not acknowledged: " + e.getMessage(), e);
        }
        // a record the guard retried and gave up on failed; any other was unusable from the start
        metrics.deadLettered(record.topic(), reason.startsWith(ListenerGuard.GAVE_UP) ? "failed" : "invalid");
    }

    @Readiness
    HealthCheck listenersAlive() {
        return () -> {
            HealthCheckResponseBuilder b = HealthCheckResponse.named("report-listeners");
            boolean up = true;
            for (var dead : guard.get().deadChannels().entrySet()) {
                b.withData(dead.getKey(), "stopped: " + dead.getValue());
                up = false;
            }
            if (messagingHealth.isResolvable()) {
                var liveness = messagingHealth.get().getLiveness();
                if (!liveness.isOk()) {
                    for (var c : liveness.getChannels()) {
                        if (!c.isOk()) {
                            b.withData(c.getChannel(), "failed: " + c.getMessage());
                        }
                    }
                    up = false;
                }
            }
            return b.status(up).build();
        };
    }

    private static byte[] utf8(String s) {
        return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
    }
}
