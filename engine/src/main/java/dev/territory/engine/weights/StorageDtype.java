package dev.territory.engine.weights;

import java.util.Map;

/** Safetensors dtype names and element sizes; only F32, BF16 and F16 can be loaded. */
public final class StorageDtype {
    private static final Map<String, Integer> SIZES = Map.ofEntries(
            Map.entry("BOOL", 1),
            Map.entry("U8", 1),
            Map.entry("I8", 1),
            Map.entry("F8_E5M2", 1),
            Map.entry("F8_E4M3", 1),
            Map.entry("I16", 2),
            Map.entry("U16", 2),
            Map.entry("F16", 2),
            Map.entry("BF16", 2),
            Map.entry("I32", 4),
            Map.entry("U32", 4),
            Map.entry("F32", 4),
            Map.entry("F64", 8),
            Map.entry("I64", 8),
            Map.entry("U64", 8));

    private StorageDtype() {}

    /** Bytes per element, or -1 for a name safetensors does not define. */
    public static int size(String dtype) {
        return SIZES.getOrDefault(dtype, -1);
    }

    public static boolean loadable(String dtype) {
        return dtype.equals("F32") || dtype.equals("BF16") || dtype.equals("F16");
    }
}
