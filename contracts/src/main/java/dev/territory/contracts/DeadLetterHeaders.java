package dev.territory.contracts;

/**
 * Headers of a record on {@link Topics#DEAD_LETTER}, the same from every service. The record's
 * key and value are the unusable record's, unchanged, so an operator can read, fix and re-send it.
 */
public final class DeadLetterHeaders {
    private DeadLetterHeaders() {}

    /** Why the record cannot be used. */
    public static final String REASON = "territory-dlq-reason";
    /** The service that gave up on it. */
    public static final String SERVICE = "territory-dlq-service";
    /** Where it came from: topic, partition and offset. */
    public static final String TOPIC = "territory-dlq-topic";

    public static final String PARTITION = "territory-dlq-partition";
    public static final String OFFSET = "territory-dlq-offset";
}
