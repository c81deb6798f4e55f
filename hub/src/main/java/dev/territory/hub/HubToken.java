package dev.territory.hub;

import java.util.Objects;

/**
 * A Hub access token. Its value leaves this class only as the {@code Authorization} header of a
 * request to the configured endpoint: {@link #toString()} is redacted and no message of this
 * module contains it.
 */
public final class HubToken {

    private final String value;
    private final String source;

    private HubToken(String value, String source) {
        this.value = value;
        this.source = source;
    }

    /**
     * @param value  the token (surrounding whitespace is removed)
     * @param source where it came from, for messages: {@code "HF_TOKEN"} or a file path
     */
    public static HubToken of(String value, String source) {
        Objects.requireNonNull(value, "value");
        String v = value.strip();
        if (v.isEmpty()) {
            throw new IllegalArgumentException("empty Hub token from " + source);
        }
        return new HubToken(v, source);
    }

    /** Where the token came from ({@code HF_TOKEN} or a file path); safe to print. */
    public String source() {
        return source;
    }

    String bearerHeader() {
        return "Bearer " + value;
    }

    @Override
    public String toString() {
        return "HubToken[from " + source + ", value hidden]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HubToken t && t.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }
}
