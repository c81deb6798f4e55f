package dev.territory.engine.placement;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a model's weights live: per device, in order, whether it holds the embedding and which
 * contiguous range of decoder layers. Every device of the setting has an entry (possibly empty),
 * so an entry's index is the device's index in the setting.
 *
 * @param devices one entry per device, in placement order
 */
public record LayerPlan(List<Assignment> devices) {

    /**
     * @param device the device's name ({@code gpu:0}, {@code cpu}, {@code standin:1})
     * @param embedding whether the embedding table is on it (only the first device)
     * @param firstLayer first decoder layer on it
     * @param endLayer one past its last decoder layer ({@code == firstLayer}: no layers)
     * @param bytes weight bytes placed on it, in the compute dtype
     * @param capacityBytes what it had available ({@link LayerPlanner#UNLIMITED}: no limit)
     */
    public record Assignment(
            String device, boolean embedding, int firstLayer, int endLayer, long bytes, long capacityBytes) {
        public int layerCount() {
            return endLayer - firstLayer;
        }
    }

    public LayerPlan {
        devices = List.copyOf(devices);
        if (devices.isEmpty()) {
            throw new IllegalArgumentException("a plan needs at least one device");
        }
    }

    /** The index (in {@link #devices()}) of the device that holds {@code layer}. */
    public int deviceOf(int layer) {
        for (int d = 0; d < devices.size(); d++) {
            Assignment a = devices.get(d);
            if (layer >= a.firstLayer() && layer < a.endLayer()) {
                return d;
            }
        }
        throw new IllegalArgumentException("layer " + layer + " is not in the plan " + describe());
    }

    /** Number of devices that hold some weights. */
    public int devicesUsed() {
        return (int) devices.stream()
                .filter(a -> a.embedding() || a.layerCount() > 0)
                .count();
    }

    /** E.g. {@code "gpu:0 embedding + layers 0-15, gpu:1 layers 16-31"}; devices holding nothing are left out. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        for (Assignment a : devices) {
            String layers = a.layerCount() == 0 ? "" : range(a.firstLayer(), a.endLayer());
            if (a.embedding()) {
                parts.add(a.device() + " embedding" + (layers.isEmpty() ? "" : " + " + layers));
            } else if (!layers.isEmpty()) {
                parts.add(a.device() + " " + layers);
            }
        }
        return String.join(", ", parts);
    }

    /** {@code "layer 3"} or {@code "layers 3-7"} for layers [first, end). */
    static String range(int first, int end) {
        return end - first == 1 ? "layer " + first : "layers " + first + "-" + (end - 1);
    }

    @Override
    public String toString() {
        return describe();
    }
}
