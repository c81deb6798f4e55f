package dev.territory.engine.placement;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Spreads a decoder over devices layer by layer, as accelerate's {@code device_map="auto"} does:
 * the embedding on the first device, then contiguous ranges of layers in order, filling each
 * device up to its capacity before the next. Plain Java over byte counts; no DJL types.
 */
public final class LayerPlanner {

    /** Capacity of a device without a limit (the CPU). */
    public static final long UNLIMITED = Long.MAX_VALUE;

    /**
     * @param name the device's name in plans and messages
     * @param capacityBytes weight bytes it can hold ({@link #UNLIMITED}: no limit)
     */
    public record DeviceCapacity(String name, long capacityBytes) {
        public DeviceCapacity {
            if (capacityBytes < 0) {
                throw new IllegalArgumentException(name + ": capacity must be >= 0, got " + capacityBytes);
            }
        }
    }

    /** The model's weights do not fit the devices; the message gives bytes needed and available per device. */
    public static final class DoesNotFit extends Exception {
        DoesNotFit(String message) {
            super(message);
        }
    }

    private LayerPlanner() {}

    /**
     * @param embeddingBytes bytes of the embedding table (placed on the first device)
     * @param layerBytes bytes of each decoder layer's weights, in layer order
     * @param devices the devices in placement order, with their capacities
     * @return the plan: every device has an entry, layers in contiguous ranges in device order
     * @throws DoesNotFit when the embedding does not fit the first device or layers are left over
     * @throws IllegalArgumentException for zero devices or negative byte counts
     */
    public static LayerPlan plan(long embeddingBytes, long[] layerBytes, List<DeviceCapacity> devices)
            throws DoesNotFit {
        if (devices == null || devices.isEmpty()) {
            throw new IllegalArgumentException("no devices to place the model on");
        }
        if (embeddingBytes < 0) {
            throw new IllegalArgumentException("embedding bytes must be >= 0, got " + embeddingBytes);
        }
        for (int l = 0; l < layerBytes.length; l++) {
            if (layerBytes[l] < 0) {
                throw new IllegalArgumentException("layer " + l + ": bytes must be >= 0, got " + layerBytes[l]);
            }
        }
        DeviceCapacity first = devices.get(0);
        if (embeddingBytes > first.capacityBytes()) {
            throw new DoesNotFit(
                    "the model does not fit: its embedding needs " + bytes(embeddingBytes) + " on the first device "
                            + first.name() + ", which has " + bytes(first.capacityBytes()) + " available");
        }
        List<LayerPlan.Assignment> out = new ArrayList<>();
        int layer = 0;
        for (int d = 0; d < devices.size(); d++) {
            DeviceCapacity dev = devices.get(d);
            long used = d == 0 ? embeddingBytes : 0;
            int start = layer;
            // fill this device in layer order while the next layer still fits (no overflow near UNLIMITED)
            while (layer < layerBytes.length && layerBytes[layer] <= dev.capacityBytes() - used) {
                used += layerBytes[layer];
                layer++;
            }
            out.add(new LayerPlan.Assignment(dev.name(), d == 0, start, layer, used, dev.capacityBytes()));
        }
        if (layer < layerBytes.length) {
            throw new DoesNotFit(notFit(embeddingBytes, layerBytes, out, layer));
        }
        return new LayerPlan(out);
    }

    private static String notFit(
            long embeddingBytes, long[] layerBytes, List<LayerPlan.Assignment> placed, int leftFrom) {
        long total = embeddingBytes;
        long left = 0;
        for (int l = 0; l < layerBytes.length; l++) {
            total += layerBytes[l];
            if (l >= leftFrom) {
                left += layerBytes[l];
            }
        }
        StringBuilder sb = new StringBuilder("the model does not fit: it needs ")
                .append(bytes(total))
                .append(" (embedding ")
                .append(bytes(embeddingBytes))
                .append(" + ")
                .append(layerBytes.length)
                .append(" layers); per device, needed of available:");
        for (LayerPlan.Assignment a : placed) {
            String what = a.layerCount() == 0
                    ? (a.embedding() ? "embedding" : "nothing")
                    : (a.embedding() ? "embedding + " : "") + LayerPlan.range(a.firstLayer(), a.endLayer());
            sb.append(' ')
                    .append(a.device())
                    .append(' ')
                    .append(bytes(a.bytes()))
                    .append(" (")
                    .append(what)
                    .append(") of ")
                    .append(bytes(a.capacityBytes()))
                    .append(';');
        }
        sb.append(' ')
                .append(LayerPlan.range(leftFrom, layerBytes.length))
                .append(" (")
                .append(bytes(left))
                .append(") fit on none; layer ")
                .append(leftFrom)
                .append(" alone needs ")
                .append(bytes(layerBytes[leftFrom]));
        return sb.toString();
    }

    /** Exact bytes, after MiB or GiB when large: {@code "1.5 MiB = 1572864 bytes"}. */
    public static String bytes(long n) {
        if (n == UNLIMITED) {
            return "unlimited";
        }
        if (n >= 1L << 30) {
            return String.format(Locale.ROOT, "%.2f GiB = %d bytes", n / (double) (1L << 30), n);
        }
        if (n >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB = %d bytes", n / (double) (1L << 20), n);
        }
        return n + " bytes";
    }
}
