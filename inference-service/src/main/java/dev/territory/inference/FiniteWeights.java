package dev.territory.inference;

import com.fasterxml.jackson.databind.JsonNode;
import dev.territory.contracts.EventCodec;
import dev.territory.engine.ModelException;
import dev.territory.engine.WeightFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Refuses a model whose floating-point weights hold NaN or infinity (issue 7): such a model gives
 * NaN entropies that would otherwise only be dropped vector by vector. Runs after the engine has
 * validated the files (so the header and offsets are known to be sound), reading each tensor once
 * through a memory map; the message names the file, the tensor and the first bad element.
 */
final class FiniteWeights {
    private FiniteWeights() {}

    static void check(List<? extends WeightFile> files) throws ModelException {
        for (WeightFile f : files) {
            check(f);
        }
    }

    private static void check(WeightFile f) throws ModelException {
        try (FileChannel channel = FileChannel.open(f.path())) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(len, 0);
            long headerLength = len.getLong(0);
            ByteBuffer header = ByteBuffer.allocate(Math.toIntExact(headerLength));
            channel.read(header, 8);
            JsonNode tensors = EventCodec.mapper().readTree(header.array());
            long dataStart = 8 + headerLength;
            for (Iterator<Map.Entry<String, JsonNode>> it = tensors.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> t = it.next();
                String dtype = t.getValue().path("dtype").asText();
                int width = switch (dtype) {
                    case "F32" -> 4;
                    case "F16", "BF16" -> 2;
                    default -> 0;
                };
                if (width == 0) {
                    continue;
                }
                long begin = t.getValue().path("data_offsets").path(0).asLong();
                long end = t.getValue().path("data_offsets").path(1).asLong();
                for (long chunk = begin; chunk < end; chunk += 1L << 30) {
                    long size = Math.min(end - chunk, 1L << 30);
                    MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + chunk, size);
                    map.order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i + width <= size; i += width) {
                        if (!finite(map, i, dtype)) {
                            long element = (chunk - begin + i) / width;
                            throw new ModelException(f.path() + ": tensor '" + t.getKey() + "' holds a non-finite value ("
                                    + value(map, i, dtype) + ") at element " + element + "; refusing the model");
                        }
                    }
                }
            }
        } catch (IOException | ArithmeticException e) {
            throw new ModelException(f.path() + ": cannot check the weights for non-finite values: " + e.getMessage(), e);
        }
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
