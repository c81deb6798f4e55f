package dev.territory.hub;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Content hashes the Hub uses: sha256 for LFS files, the git blob sha1 for small files. */
final class Hashes {

    private Hashes() {}

    static String sha256(Path file) throws IOException {
        MessageDigest md = digest("SHA-256");
        update(md, file);
        return HexFormat.of().formatHex(md.digest());
    }

    /** {@code git hash-object}: sha1 of {@code "blob <size>\0"} followed by the content. */
    static String gitBlobSha1(Path file) throws IOException {
        MessageDigest md = digest("SHA-1");
        md.update(("blob " + Files.size(file) + "\0").getBytes(StandardCharsets.US_ASCII));
        update(md, file);
        return HexFormat.of().formatHex(md.digest());
    }

    private static void update(MessageDigest md, Path file) throws IOException {
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " missing from this JDK", e);
        }
    }
}
