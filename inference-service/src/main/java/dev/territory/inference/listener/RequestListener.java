package dev.territory.inference.listener;

import dev.territory.contracts.Channels;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.InvalidRunRequestException;
import dev.territory.contracts.Keys;
import dev.territory.contracts.ModelJobRequested;
import dev.territory.contracts.Role;
import dev.territory.contracts.RunFailed;
import dev.territory.contracts.RunProgress;
import dev.territory.contracts.RunRequestValidator;
import dev.territory.contracts.RunRequested;
import dev.territory.inference.RunRegistry;
import dev.territory.inference.messaging.DeadLetters;
import dev.territory.inference.messaging.Publisher;
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

    public static final String SERVICE = "inference-service";
    private static final Logger LOG = Logger.getLogger(RequestListener.class);

    @Inject
    Publisher publisher;

    @Inject
    dev.territory.inference.telemetry.InferenceMetrics metrics;

    @Inject
    DeadLetters deadLetters;

    @Inject
    RunRegistry registry;

    @Incoming(Channels.RUN_REQUESTS_IN)
    @Blocking
    public void onRequest(org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]> record) {
        byte[] payload = record.value();
        RunRequested request;
        try {
            request = RunRequestValidator.validate(EventCodec.decode(payload, RunRequested.class));
        } catch (RuntimeException e) {
            // a payload without a readable runId still names its run by its key (the documented key is the runId)
            String runId = EventCodec.runIdOf(payload)
                    .or(() -> java.util.Optional.ofNullable(record.key())
                            .filter(k -> RunRequestValidator.RUN_ID.matcher(k).matches()))
                    .orElse(null);
            LOG.warnf("refused a run request (run %s): %s", runId, e.getMessage());
            deadLetters.send(
                    record.key(), payload, record.topic(), record.partition(), record.offset(), e.getMessage());
            metrics.deadLettered(record.topic(), e instanceof InvalidRunRequestException ? "invalid" : "malformed");
            if (runId != null) {
                publisher.failed(RunFailed.of(runId, SERVICE, e.getMessage())).join();
            }
            return;
        }
        RunRegistry.Decision decision = registry.check(request);
        if (decision != RunRegistry.Decision.NEW) {
            String reason = decision == RunRegistry.Decision.DUPLICATE
                    ? "run " + request.runId() + " was already requested with this specification: not started again"
                    : "run " + request.runId() + " already exists with a different specification: request refused";
            LOG.warnf("%s", reason);
            deadLetters.send(record.key(), payload, record.topic(), record.partition(), record.offset(), reason);
            metrics.deadLettered(record.topic(), "invalid");
            return;
        }
        LOG.infof(
                "run %s accepted: %s vs %s, seeds %s, %d prompts",
                request.runId(),
                request.base().describe(),
                request.instruct().describe(),
                request.seeds(),
                request.prompts().resolve().size());
        metrics.runRequested(request.runId());
        CompletableFuture.allOf(
                        publisher.progress(
                                RunProgress.of(request.runId(), null, null, RunProgress.Stage.ACCEPTED, 0, 0, null)),
                        publisher.job(
                                Keys.runRole(request.runId(), Role.BASE), ModelJobRequested.of(request, Role.BASE)),
                        publisher.job(
                                Keys.runRole(request.runId(), Role.INSTRUCT),
                                ModelJobRequested.of(request, Role.INSTRUCT)))
                .join();
        registry.remember(request);
    }
}
