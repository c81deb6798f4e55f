package dev.territory.contracts;

import java.time.Instant;
import java.util.UUID;

/** Checks shared by the event records' constructors: each failure names the event and the field. */
final class Fields {
    private Fields() {}

    static <T> T required(String event, String field, T value) {
        if (value == null) {
            throw new IllegalArgumentException(event + ": missing field '" + field + "'");
        }
        if (value instanceof String s && s.isBlank()) {
            throw new IllegalArgumentException(event + ": field '" + field + "' is blank");
        }
        return value;
    }

    static void header(String event, String eventId, int schemaVersion, Instant occurredAt, String runId) {
        required(event, "eventId", eventId);
        required(event, "occurredAt", occurredAt);
        required(event, "runId", runId);
        if (schemaVersion != TerritoryEvent.SCHEMA_VERSION) {
            throw new IllegalArgumentException(event + ": unsupported schemaVersion " + schemaVersion
                    + " (this build reads " + TerritoryEvent.SCHEMA_VERSION + ")");
        }
    }

    static int nonNegative(String event, String field, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(event + ": field '" + field + "' must be >= 0, got " + value);
        }
        return value;
    }

    static int positive(String event, String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(event + ": field '" + field + "' must be > 0, got " + value);
        }
        return value;
    }

    /** A name-based UUID, so that an event recomputed after a restart keeps its id. */
    static String deterministicId(String... parts) {
        return UUID.nameUUIDFromBytes(String.join("\u0000", parts).getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .toString();
    }

    static String randomId() {
        return UUID.randomUUID().toString();
    }
}
