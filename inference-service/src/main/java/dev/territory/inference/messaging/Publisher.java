package dev.territory.inference.messaging;

import dev.territory.contracts.Channels;
import dev.territory.contracts.TerritoryEvent;
import dev.territory.kafka.messaging.AckedSends;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

/** The service's outgoing events, each sent with its key; the returned future completes when Kafka acknowledged it. */
@ApplicationScoped
public class Publisher {

    @Inject
    @Channel(Channels.MODEL_JOBS_OUT)
    Emitter<byte[]> jobs;

    @Inject
    @Channel(Channels.ENTROPY_VECTORS_OUT)
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 4096)
    Emitter<byte[]> vectors;

    @Inject
    @Channel(Channels.PROGRESS_OUT)
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 4096)
    Emitter<byte[]> progress;

    @Inject
    @Channel(Channels.FAILED_OUT)
    Emitter<byte[]> failed;

    public CompletableFuture<Void> job(String key, TerritoryEvent event) {
        return AckedSends.send(jobs, key, event);
    }

    public CompletableFuture<Void> vector(String key, TerritoryEvent event) {
        return AckedSends.send(vectors, key, event);
    }

    public CompletableFuture<Void> progress(TerritoryEvent event) {
        return AckedSends.send(progress, event.runId(), event);
    }

    public CompletableFuture<Void> failed(TerritoryEvent event) {
        return AckedSends.send(failed, event.runId(), event);
    }
}
