package dev.territory.hub;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Resolves one model in a separate JVM, for {@link TwoProcessTest}: args endpoint, cache dir,
 * reference. Prints {@code dir=<directory> downloaded=<files> bytes=<bytes>}; exit 1 on failure.
 */
public final class ResolveInChildProcess {

    public static void main(String[] args) {
        try {
            HubConfig config = new HubConfig(
                    args[0],
                    Path.of(args[1]),
                    Optional.empty(),
                    false,
                    3,
                    Duration.ofMillis(5),
                    Duration.ofMillis(20),
                    Duration.ofSeconds(2));
            ResolvedModel m = new ModelResolver(config).resolve(args[2], null);
            System.out.println("dir=" + m.directory() + " downloaded="
                    + m.stats().filesDownloaded() + " bytes=" + m.stats().bytesDownloaded());
        } catch (RuntimeException e) {
            e.printStackTrace();
            System.exit(1);
        }
    }
}
