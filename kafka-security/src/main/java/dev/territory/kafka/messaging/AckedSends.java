package dev.territory.kafka.messaging;

import dev.territory.contracts.EventCodec;
import dev.territory.contracts.TerritoryEvent;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Emits a record and returns a future that completes when Kafka acknowledges it and fails when
 * Kafka refuses it, so a caller acknowledges what it consumed only after what it wrote has landed.
 * Shared by the services that send through SmallRye emitters (inference and report).
 */
public final class AckedSends {

    private AckedSends() {}

    public static CompletableFuture<Void> send(
            Emitter<byte[]> emitter, byte[] payload, OutgoingKafkaRecordMetadata<String> metadata) {
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

    public static CompletableFuture<Void> send(Emitter<byte[]> emitter, String key, TerritoryEvent event) {
        return send(
                emitter,
                EventCodec.encode(event),
                OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build());
    }
}
