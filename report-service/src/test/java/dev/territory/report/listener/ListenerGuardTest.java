package dev.territory.report.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** ListenerGuard's rules without a broker: retries, dead letters, and a channel recorded dead. */
class ListenerGuardTest {

    static final ConsumerRecord<String, byte[]> RECORD =
            new ConsumerRecord<>("territory.runs.progress", 2, 17L, "k", new byte[] {1});

    @Test
    void transientErrorsAreRetriedThenTheRecordIsProcessed() {
        List<String> letters = new ArrayList<>();
        ListenerGuard guard = new ListenerGuard(3, Duration.ofMillis(1), (r, reason) -> letters.add(reason));
        int[] calls = {0};
        guard.handle("progress-in", RECORD, v -> {
            if (++calls[0] < 3) {
                throw new UncheckedIOException(new java.io.IOException("disk full"));
            }
        });
        assertThat(calls[0]).isEqualTo(3);
        assertThat(letters).isEmpty();
        assertThat(guard.deadChannels()).isEmpty();
    }

    @Test
    void otherErrorsAreDeadLetteredAtOnceWithTheirReason() {
        List<String> letters = new ArrayList<>();
        ListenerGuard guard = new ListenerGuard(3, Duration.ofMillis(1), (r, reason) -> letters.add(reason));
        int[] calls = {0};
        guard.handle("progress-in", RECORD, v -> {
            calls[0]++;
            throw new IllegalArgumentException("invalid run id '..'");
        });
        assertThat(calls[0]).isEqualTo(1);
        assertThat(letters).containsExactly("invalid run id '..'");
    }

    @Test
    void aRecordThatCanNeitherBeProcessedNorDeadLetteredStopsTheChannelAndSaysSo() {
        ListenerGuard guard = new ListenerGuard(0, Duration.ofMillis(1), (r, reason) -> {
            throw new IllegalStateException("dead-letter topic not acknowledged: broker gone");
        });
        assertThatThrownBy(() -> guard.handle("progress-in", RECORD, v -> {
                    throw new ListenerGuard.BadRecord("not JSON");
                }))
                .isInstanceOf(IllegalStateException.class);
        assertThat(guard.deadChannels()).containsOnlyKeys("progress-in");
        assertThat(guard.deadChannels().get("progress-in"))
                .isEqualTo(
                        "cannot dead-letter territory.runs.progress-2@17 (not JSON): dead-letter topic not acknowledged: broker gone");
    }
}
