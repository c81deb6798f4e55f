package dev.territory.engine.entropy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Accumulates, per layer and head, the column sums of the attention probabilities over the
 * counted query rows, chunk by chunk, so that no (T x T) matrix outlives its chunk. Optionally
 * also the sum over real query rows of each row's entropy in bits.
 *
 * <p>With a model spread over devices, a chunk's probabilities are on its layer's device: each
 * chunk is reduced there, and only the (B, H, T) result moves to the accumulators' device (the
 * scope's), so that every layer's sums end on one device.
 */
final class ColumnStatistics implements AttentionObserver {

    private final NDManager scope;
    private final NDArray rowWeights; // (B, 1, T, 1) 1 for counted query rows, or null for all rows
    private final NDArray realRows; // (B, 1, T) 1 for real query rows (row entropies)
    private final boolean rowEntropy;
    private final NDArray[] columnSums; // per layer (B, H, T) float32
    private final NDArray[] rowEntropySums; // per layer (B, H) float32
    private final NDArray[] realColumnSums; // per layer (B, H, T) float32 over real rows, or null

    /**
     * @param scope manager the accumulators live in (outlives every chunk)
     * @param layers number of decoder layers
     * @param rowWeights (B, 1, T, 1) float32 weights of the query rows, null to count every row
     * @param realRows (B, 1, T) float32 1 for real query rows; also gives the width T
     * @param alsoRealRows accumulate the column sums over the real query rows as well
     *     ({@link #realColumnSums()}), so that protocols counting different rows come from one pass
     */
    ColumnStatistics(
            NDManager scope,
            int layers,
            NDArray rowWeights,
            NDArray realRows,
            boolean rowEntropy,
            boolean alsoRealRows) {
        this.scope = scope;
        this.rowWeights = rowWeights;
        this.realRows = java.util.Objects.requireNonNull(realRows, "realRows");
        this.rowEntropy = rowEntropy;
        this.columnSums = new NDArray[layers];
        this.rowEntropySums = new NDArray[layers];
        this.realColumnSums = alsoRealRows ? new NDArray[layers] : null;
    }

    @Override
    public void onChunk(int layer, int rowStart, NDArray probs) {
        long c = probs.getShape().get(2);
        String rows = ":, :, " + rowStart + ":" + (rowStart + c);
        NDArray counted = rowWeights == null ? probs : probs.mul(local(rowWeights.get(rows + ", :"), probs));
        columnSums[layer] =
                addColumns(columnSums[layer], home(counted.sum(new int[] {2}))); // (B, H, C, K) -> (B, H, K)
        if (realColumnSums != null) {
            NDArray real = probs.mul(local(realRows.get(rows), probs).expandDims(-1)); // weights (B, 1, C, 1)
            realColumnSums[layer] = addColumns(realColumnSums[layer], home(real.sum(new int[] {2})));
        }
        if (rowEntropy) {
            NDArray safe = probs.add(probs.eq(0f).toType(DataType.FLOAT32, false));
            NDArray perRow = probs.mul(safe.log2()).sum(new int[] {-1}).neg(); // (B, H, C) bits
            NDArray real = perRow.mul(local(realRows.get(rows), probs)).sum(new int[] {2}); // (B, H)
            rowEntropySums[layer] = accumulate(rowEntropySums[layer], home(real));
        }
    }

    /**
     * Adds a chunk's (B, H, K) column sums to keys [0, K) of the layer's (B, H, T) accumulator, in
     * place (the later keys' weights are 0 in this chunk); the first chunk starts it from zeros.
     */
    private NDArray addColumns(NDArray acc, NDArray partial) {
        Shape shape = partial.getShape();
        long t = realRows.getShape().get(2);
        if (acc == null) {
            acc = scope.zeros(new Shape(shape.get(0), shape.get(1), t), partial.getDataType(), scope.getDevice());
        }
        if (shape.get(2) == t) {
            acc.addi(partial);
        } else {
            NDArray keys = acc.get(new NDIndex(":, :, :{}", shape.get(2))); // a view of acc: the addition lands in acc
            keys.addi(partial);
            keys.close();
        }
        return acc;
    }

    /** Moves a slice of a long-lived array into the chunk's manager and onto its device, so that it dies with the chunk. */
    private static NDArray local(NDArray slice, NDArray probs) {
        slice.attach(probs.getManager());
        if (slice.getDevice().equals(probs.getDevice())) {
            return slice;
        }
        NDArray moved = slice.toDevice(probs.getDevice(), false);
        moved.attach(probs.getManager());
        return moved;
    }

    /** A chunk's reduction on the accumulators' device (itself when it is there), freed with the chunk unless kept. */
    private NDArray home(NDArray reduced) {
        if (reduced.getDevice().equals(scope.getDevice())) {
            return reduced;
        }
        NDArray moved = reduced.toDevice(scope.getDevice(), false);
        moved.attach(reduced.getManager());
        return moved;
    }

    private NDArray accumulate(NDArray acc, NDArray chunk) {
        if (acc == null) {
            chunk.attach(scope);
            return chunk;
        }
        NDArray sum = acc.add(chunk); // in acc's manager: the scope
        acc.close();
        return sum;
    }

    /** (B, L, H, T) float32 column sums over the counted rows. */
    NDArray columnSums() {
        return NDArrays.stack(new NDList(columnSums), 1);
    }

    /** (B, L, H, T) float32 column sums over the real query rows, or null unless asked for. */
    NDArray realColumnSums() {
        return realColumnSums == null ? null : NDArrays.stack(new NDList(realColumnSums), 1);
    }

    /** (B, L, H) float32 sums over real rows of per-row entropies in bits, or null. */
    NDArray rowEntropySums() {
        return rowEntropy ? NDArrays.stack(new NDList(rowEntropySums), 1) : null;
    }
}
