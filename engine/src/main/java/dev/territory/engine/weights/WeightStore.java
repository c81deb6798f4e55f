package dev.territory.engine.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.territory.engine.ModelException;
import dev.territory.engine.WeightFile;
import dev.territory.engine.decoder.Rounding;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The safetensors files of a model directory ({@code model.safetensors}, or the shards listed in
 * {@code model.safetensors.index.json}), with every tensor reachable by name. Tensors are read
 * through memory maps in row windows and converted to float32: BF16 by shifting its 16 bits left
 * (exact), F16 by the IEEE rule, then rounded to the compute dtype as torch's {@code .to(dtype)}
 * would ({@link Rounding}, per value on the host). DJL never sees a BFLOAT16 array (its JNI aborts
 * on them).
 *
 * <p>On a GPU, a tensor that needs no rounding goes to the device as stored: F32 bytes straight
 * from the map, BF16 and F16 as raw bytes widened there through a table of all 65536 values
 * ({@link #widen}, the same bits as the host's conversion). That moves half the bytes over PCIe
 * and leaves the host no per-value work: an 8 B model's bf16 weights load in about the time the
 * page cache takes to read them, instead of three to four times that.
 */
public final class WeightStore implements AutoCloseable {

    /** Bytes of float32 converted per window (and per native copy). */
    private static final int WINDOW_BYTES = 64 << 20;

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final Path dir;
    private final List<SafetensorsFile> files = new ArrayList<>();
    private final Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    private final Map<String, NDArray> widenTables = new HashMap<>(); // storage dtype and device -> (65536) float32
    private final List<NDManager> tableManagers = new ArrayList<>();
    private ByteBuffer scratch;

    private WeightStore(Path dir) {
        this.dir = dir;
    }

    /** Opens and validates the weight files of {@code dir}. */
    public static WeightStore open(Path dir) throws ModelException {
        WeightStore store = new WeightStore(dir);
        try {
            store.openFiles();
            return store;
        } catch (ModelException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    private void openFiles() throws ModelException {
        Path single = dir.resolve("model.safetensors");
        Path index = dir.resolve("model.safetensors.index.json");
        if (Files.isRegularFile(single)) {
            SafetensorsFile f =
                    SafetensorsFile.open(confined(single.getFileName().toString(), single.toString()));
            files.add(f);
            tensors.putAll(f.tensors());
            return;
        }
        if (!Files.isRegularFile(index)) {
            String hint = Files.exists(dir.resolve("pytorch_model.bin"))
                    ? " (pytorch_model.bin is not supported: convert it to safetensors)"
                    : "";
            throw new ModelException(dir + ": no model.safetensors or model.safetensors.index.json" + hint);
        }
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(index));
        } catch (IOException e) {
            throw new ModelException(
                    index + ": not valid JSON: "
                            + e.getMessage().lines().findFirst().orElse(""),
                    e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new ModelException(index + ": weight_map missing or empty");
        }
        Map<String, String> shardOf = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new ModelException(index + ": weight_map entry '" + e.getKey() + "' is not a file name");
            }
            shardOf.put(e.getKey(), e.getValue().asText());
        }
        Map<String, SafetensorsFile> opened = new LinkedHashMap<>();
        for (String name : new TreeSet<>(shardOf.values())) {
            Path shard = confined(name, index.toString());
            if (!Files.isRegularFile(shard)) {
                throw new ModelException(index + ": shard '" + name + "' does not exist in " + dir);
            }
            SafetensorsFile f = SafetensorsFile.open(shard);
            files.add(f);
            opened.put(name, f);
        }
        for (SafetensorsFile f : files) {
            for (TensorInfo t : f.tensors().values()) {
                TensorInfo prev = tensors.putIfAbsent(t.name(), t);
                if (prev != null) {
                    throw new ModelException(f.path() + ": tensor '" + t.name() + "' is also in "
                            + prev.file().path().getFileName());
                }
            }
        }
        for (Map.Entry<String, String> e : shardOf.entrySet()) {
            TensorInfo t = tensors.get(e.getKey());
            if (t == null || t.file() != opened.get(e.getValue())) {
                throw new ModelException(index + ": weight_map puts tensor '" + e.getKey() + "' in " + e.getValue()
                        + ", which does not contain it");
            }
        }
    }

    /**
     * Resolves a weight file name inside the model directory: no absolute names, no {@code ..}, and
     * no symlink whose target lies outside the directory (except a Hugging Face cache snapshot
     * pointing into its repository's {@code blobs/}).
     */
    private Path confined(String name, String where) throws ModelException {
        Path rel = Path.of(name);
        if (name.isEmpty()
                || rel.isAbsolute()
                || name.contains("\\")
                || Arrays.stream(name.split("/")).anyMatch(".."::equals)) {
            throw new ModelException(where + ": weight file name '" + name + "' escapes the model directory");
        }
        Path resolved = dir.resolve(rel).normalize();
        if (!Files.exists(resolved)) {
            return resolved;
        }
        try {
            Path realDir = dir.toRealPath();
            Path real = resolved.toRealPath();
            if (real.startsWith(realDir)) {
                return resolved;
            }
            Path snapshots = realDir.getParent();
            if (snapshots != null
                    && snapshots.getFileName() != null
                    && snapshots.getFileName().toString().equals("snapshots")
                    && snapshots.getParent() != null
                    && real.startsWith(snapshots.getParent().resolve("blobs"))) {
                return resolved;
            }
        } catch (IOException e) {
            throw new ModelException(where + ": cannot resolve weight file '" + name + "': " + e.getMessage(), e);
        }
        throw new ModelException(where + ": weight file '" + name + "' is a link that escapes the model directory");
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public List<WeightFile> weightFiles() {
        List<WeightFile> out = new ArrayList<>();
        for (SafetensorsFile f : files) {
            out.add(new WeightFile(f.path().getFileName().toString(), f.size(), f.path()));
        }
        return out;
    }

    /** Parameters in the files: the elements of every tensor their headers list. */
    public long parameterCount() {
        long n = 0;
        for (TensorInfo t : tensors.values()) {
            n = Math.addExact(n, t.elementCount());
        }
        return n;
    }

    /** Refuses the model when a floating-point weight is NaN or infinite ({@link FiniteWeights}; reads every tensor once). */
    public void requireFinite() throws ModelException {
        for (SafetensorsFile f : files) {
            FiniteWeights.check(f);
        }
    }

    /** The storage dtypes of the tensors, e.g. "BF16" or "F32+BF16". */
    public String storageDtype() {
        return String.join(
                "+",
                new TreeSet<>(tensors.values().stream().map(TensorInfo::dtype).toList()));
    }

    /**
     * Reads tensor {@code name} into a new float32 array of {@code manager}, every value rounded by
     * {@code rounding}. The caller has checked that it exists and has the expected shape.
     */
    public NDArray load(String name, NDManager manager, Rounding rounding) throws ModelException {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new ModelException(dir + ": tensor '" + name + "' is missing");
        }
        if (!StorageDtype.loadable(t.dtype())) {
            throw new ModelException(t.file().path() + ": tensor '" + name + "' has dtype " + t.dtype()
                    + " (supported: F32, BF16, F16)");
        }
        long[] shape = t.shape().length == 0 ? new long[] {1} : t.shape();
        long rows = shape[0];
        long rowElems = rows == 0 ? 0 : t.elementCount() / Math.max(rows, 1);
        if (t.shape().length == 0) {
            rowElems = 1;
        }
        int elemSize = StorageDtype.size(t.dtype());
        long rowsPerWindow = Math.max(1, WINDOW_BYTES / Math.max(1, rowElems * 4));
        if (rowElems * 4 > WINDOW_BYTES) {
            throw new ModelException(t.file().path() + ": tensor '" + name + "' has rows of " + rowElems
                    + " elements, too long to convert");
        }
        boolean gpu = manager.getDevice().isGpu();
        boolean asStored = gpu && (!rounding.active() || storedExactly(t.dtype(), rounding));
        List<NDArray> parts = new ArrayList<>();
        try {
            for (long r = 0; r < rows || (rows == 0 && r == 0); r += rowsPerWindow) {
                long n = Math.min(rowsPerWindow, rows - r);
                long elems = n * rowElems;
                ByteBuffer src = t.file().map(t, r * rowElems * elemSize, elems * elemSize);
                long[] partShape = shape.clone();
                partShape[0] = n;
                if (asStored) {
                    // DJL copies a buffer to a GPU at once (no reference kept to the map)
                    parts.add(
                            t.dtype().equals("F32")
                                    ? manager.create(
                                            src.order(ByteOrder.nativeOrder()), new Shape(partShape), DataType.FLOAT32)
                                    : widen(src, new Shape(partShape), widenTable(t.dtype(), manager), manager));
                    if (rows == 0) {
                        break;
                    }
                    continue;
                }
                ByteBuffer dst = scratch((int) (elems * 4));
                FloatBuffer values = dst.asFloatBuffer();
                toFloat32(t.dtype(), src, values, (int) elems);
                if (rounding.active() && !storedExactly(t.dtype(), rounding)) {
                    for (int i = 0; i < elems; i++) {
                        values.put(i, rounding.round(values.get(i)));
                    }
                }
                dst.limit((int) (elems * 4));
                NDArray view = manager.create(dst, new Shape(partShape), DataType.FLOAT32);
                if (gpu) {
                    parts.add(view); // already a copy on the device
                } else {
                    // on the CPU DJL wraps a direct buffer without copying it: copy into torch-owned
                    // memory at once, since the scratch buffer is reused for the next window
                    parts.add(view.duplicate());
                    view.close();
                }
                if (rows == 0) {
                    break;
                }
            }
            if (parts.size() == 1) {
                NDArray only = parts.get(0);
                return t.shape().length == 0 ? only.reshape(new Shape()) : only;
            }
            NDArray all = NDArrays.concat(new NDList(parts), 0);
            parts.forEach(NDArray::close);
            return all;
        } catch (RuntimeException e) {
            parts.forEach(NDArray::close);
            throw e;
        }
    }

    /**
     * Copies 16-bit stored values ({@code src}: little-endian BF16 or F16, {@code shape.size()} of
     * them) to {@code manager}'s device as bytes and widens them to float32 there: each value's
     * bits index {@code table}, which holds the float32 of every 16-bit pattern.
     */
    static NDArray widen(ByteBuffer src, Shape shape, NDArray table, NDManager manager) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray bytes = scope.create(src, new Shape(shape.size(), 2), DataType.UINT8); // (N, 2): low, high byte
            NDArray wide = bytes.toType(DataType.INT32, false);
            NDArray bits = wide.get(":, 1").mul(256).add(wide.get(":, 0")).toType(DataType.INT64, false); // (N,)
            NDArray values = table.take(scope, bits).reshape(shape);
            values.attach(manager);
            return values;
        }
    }

    /** The float32 value of each of the 65536 bit patterns of {@code dtype} (BF16 or F16), on {@code manager}'s device. */
    private NDArray widenTable(String dtype, NDManager manager) {
        return widenTables.computeIfAbsent(dtype + "@" + manager.getDevice(), k -> {
            NDManager owner = manager.newSubManager(); // freed with the store: only the load needs it
            tableManagers.add(owner);
            return owner.create(widenTableValues(dtype));
        });
    }

    /** The float32 of every 16-bit pattern of {@code dtype}, by the host's conversion ({@link #toFloat32}). */
    static float[] widenTableValues(String dtype) {
        ByteBuffer patterns = ByteBuffer.allocate(2 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 1 << 16; i++) {
            patterns.putShort((short) i);
        }
        patterns.flip();
        float[] out = new float[1 << 16];
        toFloat32(dtype, patterns, FloatBuffer.wrap(out), out.length);
        return out;
    }

    private ByteBuffer scratch(int bytes) {
        if (scratch == null || scratch.capacity() < bytes) {
            scratch = ByteBuffer.allocateDirect(Math.max(bytes, 1 << 16)).order(ByteOrder.nativeOrder());
        }
        scratch.clear();
        return scratch;
    }

    /** Whether every value of a {@code dtype} tensor is already a value of the rounding's dtype. */
    private static boolean storedExactly(String dtype, Rounding rounding) {
        return (dtype.equals("BF16") && rounding == Rounding.BFLOAT16)
                || (dtype.equals("F16") && rounding == Rounding.FLOAT16);
    }

    static void toFloat32(String dtype, ByteBuffer src, FloatBuffer dst, int count) {
        switch (dtype) {
            case "F32" -> dst.put(src.asFloatBuffer().limit(count));
            case "BF16" -> {
                ShortBuffer s = src.asShortBuffer();
                for (int i = 0; i < count; i++) {
                    dst.put(i, Float.intBitsToFloat((s.get(i) & 0xFFFF) << 16));
                }
            }
            case "F16" -> {
                ShortBuffer s = src.asShortBuffer();
                for (int i = 0; i < count; i++) {
                    dst.put(i, halfToFloat(s.get(i)));
                }
            }
            default -> throw new IllegalArgumentException(dtype);
        }
    }

    /** IEEE 754 binary16 to binary32, exact (subnormals, infinities and NaN included). */
    public static float halfToFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            float v = mant * 0x1p-24f; // subnormal: mant * 2^-24, exact in float32
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    @Override
    public void close() {
        tableManagers.forEach(NDManager::close);
        tableManagers.clear();
        widenTables.clear();
        files.forEach(SafetensorsFile::close);
        files.clear();
    }
}
