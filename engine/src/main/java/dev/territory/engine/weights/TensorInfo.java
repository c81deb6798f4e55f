package dev.territory.engine.weights;

import java.util.Arrays;

/**
 * One tensor of a safetensors file: byte span {@code [begin, end)} relative to the data area.
 */
public record TensorInfo(String name, String dtype, long[] shape, long begin, long end, SafetensorsFile file) {

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
