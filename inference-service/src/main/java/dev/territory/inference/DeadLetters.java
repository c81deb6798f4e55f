package dev.territory.inference;

import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

/**
 * Records this service cannot use go to {@code territory.dead-letter} unchanged (same key, same
 * bytes), with why in headers: {@code territory-dlq-reason}, {@code territory-dlq-service},
 * {@code territory-dlq-topic}, {@code territory-dlq-partition}, {@code territory-dlq-offset}. The
 * source partition moves on; an operator can read, fix and re-send them.
 */
@ApplicationScoped
public class DeadLetters {

    public static final String CHANNEL = "dead-letter-out";
    public static final String REASON = "territory-dlq-reason";
    public static final String SERVICE = "territory-dlq-service";
    public static final String TOPIC = "territory-dlq-topic";
    public static final String PARTITION = "territory-dlq-partition";
    public static final String OFFSET = "territory-dlq-offset";

    @Inject
    @Channel(CHANNEL)
    Emitter<byte[]> out;

    /** Sends the record and waits until Kafka acknowledged it. */
    public void send(String key, byte[] payload, String topic, int partition, long offset, String reason) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(REASON, utf8(reason));
        headers.add(SERVICE, utf8(RequestListener.SERVICE));
        headers.add(TOPIC, utf8(topic));
        headers.add(PARTITION, utf8(Integer.toString(partition)));
        headers.add(OFFSET, utf8(Long.toString(offset)));
        Publisher.send(out, payload == null ? new byte[0] : payload,
                OutgoingKafkaRecordMetadata.<String>builder().withKey(key).withHeaders(headers).build()).join();
    }

    private static byte[] utf8(String s) {
        return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
    }
}
