package dev.territory.contracts;

/** An event that cannot be read: not JSON, unknown type or schema version, a missing or mistyped field. */
public class EventFormatException extends RuntimeException {
    public EventFormatException(String message) {
        super(message);
    }

    public EventFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
