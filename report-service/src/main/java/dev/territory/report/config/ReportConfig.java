package dev.territory.report.config;

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

    /** How listeners treat a record they fail on ({@link ListenerGuard}). */
    Listener listener();

    interface Listener {
        /** Retries of a transient (I/O) error before the record is dead-lettered. */
        @WithDefault("4")
        int retries();

        /** Wait before the first retry; doubled for each next one. */
        @WithDefault("PT0.2S")
        java.time.Duration backoff();
    }

    /** Access to the HTTP API ({@link ApiAccess}). */
    Auth auth();

    interface Auth {
        /** {@code open}: anyone may read; {@code authenticated}: reading needs a known API key too. */
        @WithDefault("open")
        String read();

        /** A mounted file of API keys ({@code role:key} per line), e.g. a Kubernetes secret. */
        java.util.Optional<String> apiKeysFile();

        /** The environment variable holding API keys ({@code role:key}, comma-separated). */
        @WithDefault("TERRITORY_API_KEYS")
        String apiKeysEnv();
    }
}
