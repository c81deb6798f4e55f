package dev.territory.inference;

import dev.territory.contracts.Channels;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.TerritoryEvent;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
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
        return send(jobs, key, event);
    }

    public CompletableFuture<Void> vector(String key, TerritoryEvent event) {
        return send(vectors, key, event);
    }

    public CompletableFuture<Void> progress(TerritoryEvent event) {
        return send(progress, event.runId(), event);
    }

    public CompletableFuture<Void> failed(TerritoryEvent event) {
        return send(failed, event.runId(), event);
    }

    private static CompletableFuture<Void> send(Emitter<byte[]> emitter, String key, TerritoryEvent event) {
        return send(emitter, EventCodec.encode(event), OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build());
    }

    /** Emits {@code payload} with {@code metadata}; the future completes when Kafka acknowledges it and fails when Kafka refuses it. */
    static CompletableFuture<Void> send(Emitter<byte[]> emitter, byte[] payload, OutgoingKafkaRecordMetadata<String> metadata) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        emitter.send(Message.of(payload)
                .addMetadata(metadata)
                .withAck(() -> {
                    done.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(e -> {
                    done.completeExceptionally(e);
                    return CompletableFuture.completedFuture(null);
                }));
        return done;
    }
}
