package dev.territory.engine;

import java.util.Arrays;
import java.util.stream.Collectors;

/** How a head's attention matrix is reduced to one normalized entropy. */
public enum Protocol {
    /** The notebook's: mean over all padded query rows, normalized by log2 of the non-zero weight count. */
    E11_V3("e11-v3"),
    /** Mean over real (non-padding) query rows only, normalized as e11-v3. */
    MASKED("masked"),
    /** As masked, normalized by log2 of the number of keys the real query rows could attend to. */
    ATTENDABLE("attendable");

    private final String id;

    Protocol(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Protocol fromId(String id) {
        for (Protocol p : values()) {
            if (p.id.equals(id)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown protocol '" + id + "' (known: "
                + Arrays.stream(values()).map(Protocol::id).collect(Collectors.joining(", ")) + ")");
    }
}
