package dev.territory.engine.weights;

import dev.territory.engine.ModelException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;

/**
 * Refuses a model whose floating-point weights hold NaN or infinity: such a model gives NaN
 * entropies that would otherwise only be dropped vector by vector. Runs on files whose header and
 * offsets {@link SafetensorsFile} has validated, reading each tensor once through a memory map;
 * the message names the file, the tensor and the first bad element.
 *
 * <p>It runs on every load, so it must not cost much next to the load itself (an 8B model holds 15
 * GiB of weights): tensors are checked in parallel, eight bytes at a time, and the element-by-element
 * scan runs only on a word that holds a bad value, to name it. When several tensors hold one, the
 * first in header order is named, so the message does not depend on thread timing.
 */
final class FiniteWeights {
    private static final long WINDOW = 1L << 30;
    // in every 16-bit lane: the exponent bits of a bfloat16 (0x7f80) or of a float16 (0x7c00)
    private static final long BF16_EXPONENTS = 0x7f807f807f807f80L;
    private static final long F16_EXPONENTS = 0x7c007c007c007c00L;
    private static final long LANE_LOW_16 = 0x0001000100010001L;
    private static final long LANE_HIGH_16 = 0x8000800080008000L;

    private FiniteWeights() {}

    static void check(SafetensorsFile file) throws ModelException {
        List<TensorInfo> tensors = List.copyOf(file.tensors().values());
        Optional<ModelException> firstBad = tensors.parallelStream()
                .map(t -> {
                    try {
                        check(file, t);
                        return (ModelException) null;
                    } catch (ModelException e) {
                        return e;
                    }
                })
                .filter(e -> e != null)
                .findFirst(); // encounter order: the first bad tensor of the header
        if (firstBad.isPresent()) {
            throw firstBad.get();
        }
    }

    private static void check(SafetensorsFile file, TensorInfo t) throws ModelException {
        int width = switch (t.dtype()) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default -> 0;
        };
        if (width == 0) {
            return;
        }
        long bytes = t.end() - t.begin();
        for (long chunk = 0; chunk < bytes; chunk += WINDOW) {
            long size = Math.min(bytes - chunk, WINDOW);
            ByteBuffer map = file.map(t, chunk, size);
            int words = (int) (size / 8);
            for (int w = 0; w < words; w++) {
                if (!finiteWord(map.getLong(w * 8), t.dtype())) {
                    scan(file, t, map, chunk, w * 8, w * 8 + 8, width);
                }
            }
            scan(file, t, map, chunk, words * 8, (int) size, width);
        }
    }

    /** Throws for the first non-finite element in [from, to) of the mapped window. */
    private static void scan(
            SafetensorsFile file, TensorInfo t, ByteBuffer map, long chunk, int from, int to, int width)
            throws ModelException {
        for (int i = from; i + width <= to; i += width) {
            if (!finite(map, i, t.dtype())) {
                long element = (chunk + i) / width;
                throw new ModelException(file.path() + ": tensor '" + t.name() + "' holds a non-finite value ("
                        + value(map, i, t.dtype()) + ") at element " + element + "; refusing the model");
            }
        }
    }

    /**
     * False when a lane of the little-endian word has all exponent bits set (NaN or infinity). A lane
     * is bad when its masked exponent equals the mask, i.e. when {@code (word & mask) ^ mask} has a
     * zero lane; the zero-lane test is the usual borrow trick, exact for lanes whose top bit is clear.
     */
    static boolean finiteWord(long word, String dtype) {
        return switch (dtype) {
            case "F32" -> (word & 0x7f800000L) != 0x7f800000L && (word & 0x7f80000000000000L) != 0x7f80000000000000L;
            case "F16" -> !hasZeroLane16((word & F16_EXPONENTS) ^ F16_EXPONENTS);
            default -> !hasZeroLane16((word & BF16_EXPONENTS) ^ BF16_EXPONENTS); // BF16
        };
    }

    private static boolean hasZeroLane16(long v) {
        return ((v - LANE_LOW_16) & ~v & LANE_HIGH_16) != 0;
    }

    private static boolean finite(ByteBuffer b, int i, String dtype) {
        return switch (dtype) {
            case "F32" -> (b.getInt(i) & 0x7f800000) != 0x7f800000;
            case "F16" -> (b.getShort(i) & 0x7c00) != 0x7c00;
            default -> (b.getShort(i) & 0x7f80) != 0x7f80; // BF16
        };
    }

    private static String value(ByteBuffer b, int i, String dtype) {
        return switch (dtype) {
            case "F32" -> Float.toString(b.getFloat(i));
            case "F16" -> (b.getShort(i) & 0x3ff) != 0 ? "NaN" : b.getShort(i) < 0 ? "-Infinity" : "Infinity";
            default -> Float.toString(Float.intBitsToFloat((b.getShort(i) & 0xffff) << 16));
        };
    }
}
