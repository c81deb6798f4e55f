package dev.territory.inference;

import com.fasterxml.jackson.databind.JsonNode;
import dev.territory.contracts.EventCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/** Counts the parameters of a safetensors file from its header (the tensors are not read). */
final class SafetensorsParameters {
    private static final long MAX_HEADER = 100L << 20;

    private SafetensorsParameters() {}

    /** Parameters in the file, or -1 when its header cannot be read. */
    static long count(Path file) {
        try (FileChannel channel = FileChannel.open(file)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            if (channel.read(len, 0) != 8) {
                return -1;
            }
            long headerLength = len.getLong(0);
            if (headerLength <= 0 || headerLength > MAX_HEADER || headerLength > channel.size() - 8) {
                return -1;
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            channel.read(header, 8);
            JsonNode tensors = EventCodec.mapper().readTree(header.array());
            long total = 0;
            for (Iterator<Map.Entry<String, JsonNode>> it = tensors.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> t = it.next();
                if (t.getKey().equals("__metadata__")) {
                    continue;
                }
                long n = 1;
                for (JsonNode d : t.getValue().path("shape")) {
                    n = Math.multiplyExact(n, d.asLong());
                }
                total = Math.addExact(total, n);
            }
            return total;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
