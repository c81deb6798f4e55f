package dev.territory.metrics;

import dev.territory.contracts.Role;
import dev.territory.metrics.telemetry.AggregationMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.apache.kafka.streams.Topology;

/** Hands the topology to quarkus-kafka-streams, with Micrometer counters as its listener. */
@ApplicationScoped
public class TopologyProducer {

    @Produces
    Topology topology(MetricsConfig config, MeterRegistry registry, AggregationMetrics metrics) {
        var topics = new MetricsTopology.TopicNames(config.topics().vectors(), config.topics().metrics(),
                config.topics().failed());
        return GatedTopology.fromConfig(topics, new MicrometerListener(registry, metrics)); // dead-letters unusable vectors
    }

    /** Counters named in docs (README, metrics section); labels are bounded: run and role, never prompt. */
    static final class MicrometerListener implements AggregationListener {
        private final MeterRegistry registry;
        private final AggregationMetrics metrics;

        MicrometerListener(MeterRegistry registry, AggregationMetrics metrics) {
            this.registry = registry;
            this.metrics = metrics;
        }

        @Override
        public void vectorAccepted(String runId, Role role, int seed) {
            metrics.vectorAccepted(runId, role, seed);
            Counter.builder("territory.metrics.vectors.consumed").description("entropy vectors counted into an aggregate")
                    .tag("run", runId).tag("model", role.id()).register(registry).increment();
        }

        @Override
        public void vectorDuplicate(String runId) {
            metrics.vectorDuplicate(runId);
            Counter.builder("territory.metrics.vectors.duplicate").description("entropy vectors already counted, ignored")
                    .tag("run", runId).register(registry).increment();
        }

        @Override
        public void vectorRejected(String runId, String reason) {
            metrics.vectorRejected(runId, reason);
            Counter.builder("territory.metrics.vectors.rejected").description("entropy vectors that could not be used")
                    .tag("run", runId).register(registry).increment();
        }

        @Override
        public void aggregateCompleted(String runId, Role role, String level) {
            metrics.aggregateCompleted(runId, role, level);
            Counter.builder("territory.metrics.aggregates.completed").description("metrics events emitted")
                    .tag("run", runId).tag("model", role.id()).tag("level", level).register(registry).increment();
        }
    }
}
