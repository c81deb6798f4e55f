package dev.territory.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** One safetensors file of a model: its name in the model directory and its size. */
public record WeightFile(String name, long sizeBytes, Path path) {

    /** A weight file named relative to the working directory. */
    public WeightFile(String name, long sizeBytes) {
        this(name, sizeBytes, Path.of(name));
    }

    /** SHA-256 of the file contents, lower-case hex (reads the whole file: call only when needed). */
    public String sha256() {
        try (InputStream in = Files.newInputStream(path)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 20];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
