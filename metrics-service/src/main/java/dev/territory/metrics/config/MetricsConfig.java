package dev.territory.metrics.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Configuration of the metrics service ({@code territory.metrics.*}). */
@ConfigMapping(prefix = "territory.metrics")
public interface MetricsConfig {

    Topics topics();

    /**
     * How long Kafka Streams may take to stop at shutdown before the process exits without it
     * ({@link StreamsShutdown}); well inside Kubernetes' 30 s grace period.
     */
    @WithDefault("PT10S")
    Duration closeTimeout();

    interface Topics {
        /** Topic the entropy vectors arrive on. */
        @WithDefault(dev.territory.contracts.Topics.ENTROPY_VECTORS)
        String vectors();

        /** Topic the per-seed and per-role metrics go to (and per-seed metrics are read back from). */
        @WithDefault(dev.territory.contracts.Topics.METRICS_COMPUTED)
        String metrics();

        /** Topic for RunFailed when metrics cannot be computed. */
        @WithDefault(dev.territory.contracts.Topics.RUNS_FAILED)
        String failed();
    }
}
