package dev.territory.inference.messaging;

import dev.territory.contracts.Channels;
import dev.territory.contracts.DeadLetterHeaders;
import dev.territory.inference.listener.RequestListener;
import dev.territory.kafka.messaging.AckedSends;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

/**
 * Records this service cannot use go to {@code territory.dead-letter} unchanged (same key, same
 * bytes), with why in {@link DeadLetterHeaders}. The source partition moves on; an operator can
 * read, fix and re-send them.
 */
@ApplicationScoped
public class DeadLetters {

    @Inject
    @Channel(Channels.DEAD_LETTER_OUT)
    Emitter<byte[]> out;

    /** Sends the record and waits until Kafka acknowledged it. */
    public void send(String key, byte[] payload, String topic, int partition, long offset, String reason) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(DeadLetterHeaders.REASON, utf8(reason));
        headers.add(DeadLetterHeaders.SERVICE, utf8(RequestListener.SERVICE));
        headers.add(DeadLetterHeaders.TOPIC, utf8(topic));
        headers.add(DeadLetterHeaders.PARTITION, utf8(Integer.toString(partition)));
        headers.add(DeadLetterHeaders.OFFSET, utf8(Long.toString(offset)));
        AckedSends.send(
                        out,
                        payload == null ? new byte[0] : payload,
                        OutgoingKafkaRecordMetadata.<String>builder()
                                .withKey(key)
                                .withHeaders(headers)
                                .build())
                .join();
    }

    private static byte[] utf8(String s) {
        return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
    }
}
