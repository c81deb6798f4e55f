package dev.territory.engine;

/** Dtype the forward pass computes in (softmax and the entropy reduction are always float32). */
public enum ComputeDtype {
    FLOAT32("float32"),
    FLOAT16("float16");

    private final String id;

    ComputeDtype(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** Parses {@code float32} / {@code float16}; anything else is an IllegalArgumentException listing both. */
    public static ComputeDtype fromId(String id) {
        for (ComputeDtype d : values()) {
            if (d.id.equalsIgnoreCase(id)) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown dtype '" + id + "' (known: float32, float16)");
    }
}
