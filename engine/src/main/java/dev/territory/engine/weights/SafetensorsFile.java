package dev.territory.engine.weights;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.territory.engine.ModelException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file opened for reading: the header is validated up front, tensor bytes are
 * memory-mapped on demand ({@link FileChannel#map}), never read into one byte[].
 *
 * <p>Layout: 8-byte little-endian header length N, N bytes of JSON, then the data area. Each
 * header entry is {@code name: {dtype, shape, data_offsets: [begin, end]}} relative to the data area.
 */
public final class SafetensorsFile implements AutoCloseable {

    /** Same bound as the reference safetensors implementation (100 MB of header JSON). */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final Path path;
    private final FileChannel channel;
    private final long fileSize;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;

    private SafetensorsFile(Path path, FileChannel channel, long fileSize, long dataStart) {
        this.path = path;
        this.channel = channel;
        this.fileSize = fileSize;
        this.dataStart = dataStart;
        this.tensors = new LinkedHashMap<>();
    }

    /** Opens and validates {@code path}; the message of any failure names the file. */
    public static SafetensorsFile open(Path path) throws ModelException {
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new ModelException(path + ": cannot open safetensors file: " + e.getMessage(), e);
        }
        try {
            SafetensorsFile file = readHeader(path, channel);
            return file;
        } catch (ModelException | RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static SafetensorsFile readHeader(Path path, FileChannel channel) throws ModelException {
        try {
            long size = channel.size();
            if (size < 8) {
                throw new ModelException(
                        path + ": not a safetensors file (" + size + " bytes, shorter than the 8-byte header length)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            // unsigned: a negative long is a length of 2^63 or more
            if (headerLen < 2 || headerLen > MAX_HEADER_BYTES || headerLen > size - 8) {
                throw new ModelException(path + ": safetensors header length " + Long.toUnsignedString(headerLen)
                        + " is invalid (file has " + size + " bytes, header limit " + MAX_HEADER_BYTES + ")");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(channel, header, 8);
            JsonNode root;
            try {
                root = JSON.readTree(header.array());
            } catch (IOException e) {
                throw new ModelException(
                        path + ": safetensors header is not valid JSON: "
                                + e.getMessage().lines().findFirst().orElse(""),
                        e);
            }
            if (root == null || !root.isObject()) {
                throw new ModelException(path + ": safetensors header is not a JSON object");
            }
            SafetensorsFile file = new SafetensorsFile(path, channel, size, 8 + headerLen);
            file.parseEntries(root);
            return file;
        } catch (IOException e) {
            throw new ModelException(path + ": cannot read safetensors header: " + e.getMessage(), e);
        }
    }

    private void parseEntries(JsonNode root) throws ModelException {
        long dataSize = fileSize - dataStart;
        List<TensorInfo> bySpan = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            if (name.equals("__metadata__")) {
                continue;
            }
            JsonNode t = e.getValue();
            String where = path + ": tensor '" + name + "'";
            if (!t.isObject()) {
                throw new ModelException(where + ": header entry is not an object");
            }
            String dtype = t.path("dtype").asText(null);
            int elemSize = dtype == null ? -1 : StorageDtype.size(dtype);
            if (elemSize < 0) {
                throw new ModelException(where + ": unknown dtype " + t.get("dtype"));
            }
            JsonNode shapeNode = t.get("shape");
            if (shapeNode == null || !shapeNode.isArray()) {
                throw new ModelException(where + ": shape missing or not an array");
            }
            long[] shape = new long[shapeNode.size()];
            long elements = 1;
            try {
                for (int i = 0; i < shape.length; i++) {
                    JsonNode d = shapeNode.get(i);
                    if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
                        throw new ModelException(where + ": bad shape " + shapeNode);
                    }
                    shape[i] = d.asLong();
                    elements = Math.multiplyExact(elements, shape[i]);
                }
                elements = Math.multiplyExact(elements, (long) elemSize);
            } catch (ArithmeticException ex) {
                throw new ModelException(where + ": shape " + shapeNode + " overflows");
            }
            JsonNode offs = t.get("data_offsets");
            if (offs == null
                    || !offs.isArray()
                    || offs.size() != 2
                    || !offs.get(0).isIntegralNumber()
                    || !offs.get(1).isIntegralNumber()
                    || !offs.get(0).canConvertToLong()
                    || !offs.get(1).canConvertToLong()) {
                throw new ModelException(where + ": data_offsets must be [begin, end], got " + offs);
            }
            long begin = offs.get(0).asLong();
            long end = offs.get(1).asLong();
            if (begin < 0 || end < begin || end > dataSize) {
                throw new ModelException(where + ": data_offsets [" + begin + ", " + end + "] outside the data area of "
                        + dataSize + " bytes");
            }
            if (end - begin != elements) {
                throw new ModelException(where + ": shape " + shapeNode + " x " + dtype + " is " + elements
                        + " bytes but data_offsets span " + (end - begin) + " bytes");
            }
            TensorInfo info = new TensorInfo(name, dtype, shape, begin, end, this);
            tensors.put(name, info);
            bySpan.add(info);
        }
        bySpan.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        for (int i = 1; i < bySpan.size(); i++) {
            TensorInfo prev = bySpan.get(i - 1);
            TensorInfo cur = bySpan.get(i);
            if (cur.begin() < prev.end() && cur.end() > cur.begin()) {
                throw new ModelException(path + ": tensors '" + prev.name() + "' [" + prev.begin() + ", " + prev.end()
                        + ") and '" + cur.name() + "' [" + cur.begin() + ", " + cur.end() + ") overlap");
            }
        }
    }

    public Path path() {
        return path;
    }

    public long size() {
        return fileSize;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /**
     * Maps {@code length} bytes of a tensor starting {@code offset} bytes into it (little-endian,
     * read-only). {@code length} must stay below 2 GiB: callers read big tensors in row windows.
     */
    public ByteBuffer map(TensorInfo t, long offset, long length) throws ModelException {
        try {
            MappedByteBuffer buf = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin() + offset, length);
            return buf.order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new ModelException(path + ": cannot map tensor '" + t.name() + "': " + e.getMessage(), e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += n;
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing useful to do
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }
}
