package dev.territory.cli;

import dev.territory.statistics.Uncertainty;
import picocli.CommandLine.Option;

/**
 * The uncertainty settings (bootstrap, permutation test), shared by {@code territory metrics} and {@code territory analyze}
 * (a picocli mixin: {@code @Mixin StatisticsOptions statistics}).
 */
final class StatisticsOptions {

    @Option(
            names = "--bootstrap",
            paramLabel = "N",
            defaultValue = "2000",
            description =
                    "bootstrap resamples over prompts (default ${DEFAULT-VALUE}); 0 skips bootstrap and permutation test")
    int resamples;

    @Option(
            names = "--permutations",
            paramLabel = "N",
            defaultValue = "10000",
            description = "paired permutations (default ${DEFAULT-VALUE}); all 2^prompts are enumerated when fewer")
    int permutations;

    @Option(
            names = "--stat-seed",
            paramLabel = "SEED",
            defaultValue = "42",
            description = "seed of the bootstrap and permutation random generator (default ${DEFAULT-VALUE})")
    long statSeed;

    @Option(
            names = "--level",
            paramLabel = "L",
            defaultValue = "0.95",
            description = "interval level (default ${DEFAULT-VALUE})")
    double level;

    /** The settings, or null for {@code --bootstrap 0}; bad values name their option. */
    Uncertainty.Options options() {
        if (resamples == 0) {
            return null;
        }
        if (resamples < 0) {
            throw new IllegalArgumentException("--bootstrap: resamples must be >= 0, got " + resamples);
        }
        if (permutations < 1) {
            throw new IllegalArgumentException("--permutations: must be >= 1, got " + permutations);
        }
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("--level: must be between 0 and 1 (exclusive), got " + level);
        }
        return new Uncertainty.Options(resamples, permutations, statSeed, level);
    }
}
