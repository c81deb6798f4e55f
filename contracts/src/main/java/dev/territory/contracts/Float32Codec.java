package dev.territory.contracts;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/** {@code float[rows][cols]} to and from base64 of little-endian IEEE-754 float32, row-major. Bit-exact (NaN payloads included). */
public final class Float32Codec {
    private Float32Codec() {}

    public static String encode(float[][] matrix) {
        int rows = matrix.length;
        int cols = rows == 0 ? 0 : matrix[0].length;
        ByteBuffer buffer = ByteBuffer.allocate(rows * cols * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < rows; r++) {
            if (matrix[r].length != cols) {
                throw new IllegalArgumentException(
                        "ragged matrix: row " + r + " has " + matrix[r].length + " values, row 0 has " + cols);
            }
            for (float v : matrix[r]) {
                buffer.putInt(Float.floatToRawIntBits(v));
            }
        }
        return Base64.getEncoder().encodeToString(buffer.array());
    }

    public static float[][] decode(String base64, int rows, int cols) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("entropies: not valid base64 (" + e.getMessage() + ")", e);
        }
        long expected = (long) rows * cols * Float.BYTES;
        if (bytes.length != expected) {
            throw new IllegalArgumentException("entropies: expected " + rows + " x " + cols + " float32 = " + expected
                    + " bytes, got " + bytes.length);
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[][] matrix = new float[rows][cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                matrix[r][c] = Float.intBitsToFloat(buffer.getInt());
            }
        }
        return matrix;
    }
}
