package dev.territory.report.listener;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/**
 * The edge of every Kafka listener of the report service. Without it an exception in a
 * listener nacks the record and SmallRye's default failure strategy stops the channel for good
 * while the service still reports ready. Here:
 * <ul>
 *   <li>a record the service cannot use ({@link BadRecord}, or any error that is not transient)
 *       goes to the dead-letter topic with the reason in headers, and the partition moves on;</li>
 *   <li>a transient error (I/O: a full or unwritable results directory) is retried with a doubling
 *       backoff, and dead-lettered with the reason once the retries are spent;</li>
 *   <li>only when even the dead letter cannot be written does the record escape (the channel stops,
 *       the offset stays uncommitted so a restart replays it) and the channel is recorded as dead,
 *       which {@link ListenerHealth} reports as readiness DOWN.</li>
 * </ul>
 */
public final class ListenerGuard {

    private static final Logger LOG = Logger.getLogger(ListenerGuard.class);
    /** How the reason of a record whose transient errors outlasted the retries begins. */
    public static final String GAVE_UP = "gave up after ";

    /** A record that can never be processed (unreadable, invalid): dead-lettered at once. */
    public static final class BadRecord extends RuntimeException {
        public BadRecord(String reason) {
            super(reason);
        }
    }

    /** Where records that cannot be processed go; throws when it could not write one. */
    @FunctionalInterface
    public interface DeadLetterSink {
        void send(ConsumerRecord<String, byte[]> record, String reason);
    }

    private final int retries;
    private final Duration backoff;
    private final DeadLetterSink deadLetters;
    private final Map<String, String> deadChannels = new ConcurrentHashMap<>();

    public ListenerGuard(int retries, Duration backoff, DeadLetterSink deadLetters) {
        this.retries = retries;
        this.backoff = backoff;
        this.deadLetters = deadLetters;
    }

    /** Runs {@code body} on the record's value under the rules above. */
    public void handle(String channel, ConsumerRecord<String, byte[]> record, Consumer<byte[]> body) {
        for (int attempt = 1; ; attempt++) {
            try {
                body.accept(record.value());
                return;
            } catch (BadRecord e) {
                deadLetter(channel, record, e.getMessage());
                return;
            } catch (RuntimeException e) {
                if (transientError(e) && attempt <= retries) {
                    long wait = backoff.toMillis() << (attempt - 1);
                    LOG.warnf(
                            "%s: %s (attempt %d of %d, retrying in %d ms)",
                            channel, describe(e), attempt, retries + 1, wait);
                    sleep(wait);
                    continue;
                }
                String reason = transientError(e) ? GAVE_UP + attempt + " attempts: " + describe(e) : describe(e);
                LOG.errorf(
                        e,
                        "%s: record %s-%d@%d dead-lettered: %s",
                        channel,
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        reason);
                deadLetter(channel, record, reason);
                return;
            }
        }
    }

    private void deadLetter(String channel, ConsumerRecord<String, byte[]> record, String reason) {
        try {
            deadLetters.send(record, reason);
        } catch (RuntimeException e) {
            String why = "cannot dead-letter " + record.topic() + "-" + record.partition() + "@" + record.offset()
                    + " (" + reason + "): " + describe(e);
            deadChannels.put(channel, why);
            LOG.errorf(e, "%s stops: %s", channel, why);
            throw new IllegalStateException(why, e);
        }
    }

    /** Channels stopped because a record could neither be processed nor dead-lettered, with why. */
    public Map<String, String> deadChannels() {
        return Map.copyOf(deadChannels);
    }

    static boolean transientError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException
                    || t instanceof UncheckedIOException
                    || t instanceof java.util.concurrent.TimeoutException
                    || t instanceof org.apache.kafka.common.errors.RetriableException) {
                return true;
            }
        }
        return false;
    }

    static String describe(Throwable e) {
        String m = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != e && (root.getMessage() == null || !m.contains(root.getMessage()))) {
            m += " (" + root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage())
                    + ")";
        }
        return m;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while retrying", e);
        }
    }
}
