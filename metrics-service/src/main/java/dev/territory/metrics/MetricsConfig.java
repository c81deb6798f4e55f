package dev.territory.metrics;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Configuration of the metrics service ({@code territory.metrics.*}). */
@ConfigMapping(prefix = "territory.metrics")
public interface MetricsConfig {

    Topics topics();

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
