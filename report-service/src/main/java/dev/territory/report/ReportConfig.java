package dev.territory.report;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Configuration of the report service ({@code territory.report.*}). */
@ConfigMapping(prefix = "territory.report")
public interface ReportConfig {

    /**
     * Directory holding one sub-directory per run (its state and files); survives restarts.
     * Default {@code results}, or the environment variable {@code TERRITORY_RESULTS_DIR}.
     */
    @WithDefault("results")
    String resultsDir();
}
