package dev.territory.hub;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The Hub-like test server with the fixture repositories, and the service's Hub settings pointing
 * at it (a fresh cache, the token the fixtures grant): the variables a pod would get from its
 * environment, given to the service through its configuration.
 */
public class FakeHubResource implements QuarkusTestResourceLifecycleManager {
    static FakeHub hub;
    static HubFixtures.Commits commits;
    static Path cache;

    @Override
    public Map<String, String> start() {
        try {
            hub = new FakeHub();
            commits = HubFixtures.populate(hub);
            cache = Files.createTempDirectory("territory-hub-cache");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of(
                "HF_ENDPOINT",
                hub.endpoint(),
                "HF_HUB_CACHE",
                cache.toString(),
                "HF_TOKEN",
                HubFixtures.GRANTED_TOKEN,
                "HF_HUB_OFFLINE",
                "0");
    }

    @Override
    public void stop() {
        if (hub != null) {
            hub.close();
        }
    }
}
