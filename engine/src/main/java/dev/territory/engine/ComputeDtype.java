package dev.territory.engine;

/**
 * Dtype the forward pass computes in, as the notebook names it ({@code torch_dtype}). Every dtype
 * runs in float32 arrays: bfloat16 and float16 are emulated by rounding to them wherever Hugging
 * Face transformers holds a tensor in that dtype ({@link dev.territory.engine.decoder.Rounding}
 * lists the points), since DJL cannot hold bfloat16 arrays.
 */
public enum ComputeDtype {
    FLOAT32("float32"),
    BFLOAT16("bfloat16"),
    FLOAT16("float16");

    /** The notebook's dtype ({@code torch_dtype=torch.bfloat16}): the default of the e11-v3 protocol. */
    public static final ComputeDtype NOTEBOOK = BFLOAT16;

    private final String id;

    ComputeDtype(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /**
     * Bytes a weight takes once loaded: 4 for every dtype, since bfloat16 and float16 weights are
     * held as float32 arrays of rounded values.
     */
    public int bytesPerParameter() {
        return 4;
    }

    /** Parses {@code float32} / {@code bfloat16} / {@code float16}; anything else is an IllegalArgumentException listing them. */
    public static ComputeDtype fromId(String id) {
        for (ComputeDtype d : values()) {
            if (d.id.equalsIgnoreCase(id)) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown dtype '" + id + "' (known: float32, bfloat16, float16)");
    }
}
