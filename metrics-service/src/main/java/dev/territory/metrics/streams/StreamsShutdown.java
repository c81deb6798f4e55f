package dev.territory.metrics.streams;

import dev.territory.metrics.config.MetricsConfig;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.streams.KafkaStreams;
import org.jboss.logging.Logger;

/**
 * Stops Kafka Streams within {@code territory.metrics.close-timeout} at shutdown. quarkus-kafka-streams
 * closes it without a timeout, and with the broker gone a stream thread can wait minutes for its
 * transaction commit ({@code max.block.ms}), its producer's unsent records ({@code delivery.timeout.ms})
 * and its group leave. This observer runs first; when the client has not stopped in time the
 * process exits without it, as after a kill: the open transaction is aborted (by the broker, or
 * fenced by the next instance), so nothing is counted twice.
 */
@ApplicationScoped
public class StreamsShutdown {

    private static final Logger LOG = Logger.getLogger(StreamsShutdown.class);

    void onStop(@Observes @Priority(1) ShutdownEvent event, KafkaStreams streams, MetricsConfig config) {
        long t0 = System.nanoTime();
        if (streams.close(config.closeTimeout())) {
            LOG.infof("Kafka Streams stopped in %.1f s", (System.nanoTime() - t0) / 1e9);
            return;
        }
        LOG.warnf(
                "Kafka Streams not stopped within %d s (broker unreachable?): exiting without it; "
                        + "its open transaction is aborted",
                config.closeTimeout().toSeconds());
        if (LaunchMode.current() == LaunchMode.NORMAL) { // never halt a test JVM
            Runtime.getRuntime().halt(1);
        }
    }
}
