package dev.territory.inference.listener;

import dev.territory.contracts.Channels;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.RunFailed;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * The runs that failed anywhere (every replica reads all of {@code runs.failed}, in a consumer
 * group of its own), so that the other model of a failed run is not computed for nothing: a job
 * of a failed run is skipped, and a running one stops after its current seed.
 */
@ApplicationScoped
public class FailedRuns {

    private static final int REMEMBERED = 10_000;

    private final Set<String> failed = Collections.newSetFromMap(Collections.synchronizedMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED;
        }
    }));

    @Incoming(Channels.FAILED_IN)
    public void onFailed(byte[] payload) {
        try {
            failed.add(EventCodec.decode(payload, RunFailed.class).runId());
        } catch (RuntimeException ignored) {
            // not a RunFailed: nothing to remember
        }
    }

    public boolean failed(String runId) {
        return failed.contains(runId);
    }
}
