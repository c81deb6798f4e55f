package dev.territory.inference;

import dev.territory.contracts.Channels;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.Keys;
import dev.territory.contracts.ModelJobRequested;
import dev.territory.contracts.Role;
import dev.territory.contracts.RunFailed;
import dev.territory.contracts.RunProgress;
import dev.territory.contracts.RunRequestValidator;
import dev.territory.contracts.RunRequested;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Turns each valid {@link RunRequested} into two {@link ModelJobRequested} (one per role, key
 * {@code runId/role}) so that two replicas can run the two models; a request that cannot be run
 * becomes a {@link RunFailed} naming the problem. The offset is committed only after the jobs (or
 * the failure) are acknowledged by Kafka.
 */
@ApplicationScoped
public class RequestListener {

    static final String SERVICE = "inference-service";
    private static final Logger LOG = Logger.getLogger(RequestListener.class);

    @Inject
    Publisher publisher;

    @Inject
    dev.territory.inference.telemetry.InferenceMetrics metrics;

    @Incoming(Channels.RUN_REQUESTS_IN)
    @Blocking
    public void onRequest(byte[] payload) {
        RunRequested request;
        try {
            request = RunRequestValidator.validate(EventCodec.decode(payload, RunRequested.class));
        } catch (RuntimeException e) {
            String runId = EventCodec.runIdOf(payload).orElse(null);
            LOG.warnf("refused a run request (run %s): %s", runId, e.getMessage());
            if (runId != null) {
                publisher.failed(RunFailed.of(runId, SERVICE, e.getMessage())).join();
            }
            return;
        }
        LOG.infof("run %s accepted: %s vs %s, seeds %s, %d prompts", request.runId(), request.base().describe(),
                request.instruct().describe(), request.seeds(), request.prompts().resolve().size());
        metrics.runRequested(request.runId());
        CompletableFuture.allOf(
                publisher.progress(RunProgress.of(request.runId(), null, null, RunProgress.Stage.ACCEPTED, 0, 0, null)),
                publisher.job(Keys.runRole(request.runId(), Role.BASE), ModelJobRequested.of(request, Role.BASE)),
                publisher.job(Keys.runRole(request.runId(), Role.INSTRUCT), ModelJobRequested.of(request, Role.INSTRUCT)))
                .join();
    }
}
