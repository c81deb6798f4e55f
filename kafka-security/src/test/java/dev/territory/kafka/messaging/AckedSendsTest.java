package dev.territory.kafka.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

/** The future follows the message's acknowledgement: open until then, done on ack, failed with the reason on nack. */
class AckedSendsTest {

    /** Keeps what is sent, as SmallRye's emitter hands it to the Kafka connector. */
    static final class RecordingEmitter implements Emitter<byte[]> {
        final List<Message<? extends byte[]>> sent = new ArrayList<>();

        @Override
        public CompletionStage<Void> send(byte[] payload) {
            throw new UnsupportedOperationException("AckedSends sends messages");
        }

        @Override
        public <M extends Message<? extends byte[]>> void send(M message) {
            sent.add(message);
        }

        @Override
        public void complete() {}

        @Override
        public void error(Exception e) {}

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public boolean hasRequests() {
            return true;
        }
    }

    @Test
    void completesOnlyWhenKafkaAcknowledges() {
        RecordingEmitter emitter = new RecordingEmitter();
        CompletableFuture<Void> done = AckedSends.send(
                emitter,
                new byte[] {1, 2},
                OutgoingKafkaRecordMetadata.<String>builder().withKey("run-1").build());
        assertThat(emitter.sent).hasSize(1);
        Message<? extends byte[]> message = emitter.sent.get(0);
        assertThat(message.getPayload()).containsExactly(1, 2);
        assertThat(message.getMetadata(OutgoingKafkaRecordMetadata.class))
                .hasValueSatisfying(m -> assertThat(m.getKey()).isEqualTo("run-1"));
        assertThat(done).isNotDone();
        message.ack();
        assertThat(done).isCompleted();
    }

    @Test
    void failsWithKafkasReasonWhenRefused() {
        RecordingEmitter emitter = new RecordingEmitter();
        CompletableFuture<Void> done = AckedSends.send(
                emitter,
                new byte[0],
                OutgoingKafkaRecordMetadata.<String>builder().build());
        IllegalStateException refused = new IllegalStateException("record too large");
        emitter.sent.get(0).nack(refused);
        assertThat(done).isCompletedExceptionally();
        assertThat(done.handle((v, e) -> e).join()).isSameAs(refused);
    }
}
