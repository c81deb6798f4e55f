package dev.territory.report.endpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The API keys the report service accepts, each with a role: {@code write} (submit and
 * cancel runs, and read) or {@code read}. They come only from the environment
 * ({@code TERRITORY_API_KEYS}) or a mounted file ({@code territory.report.auth.api-keys-file}, e.g. a
 * Kubernetes secret): one entry per line or comma-separated, {@code role:key} (a bare key is
 * {@code read}); {@code #} starts a comment. Keys are compared in constant time, as SHA-256 digests,
 * and never logged; a principal is named by its role and a digest prefix only.
 */
public final class ApiKeys {

    public static final String WRITE = "write";
    public static final String READ = "read";

    /** An authenticated caller. */
    public record Caller(String name, String role) {
        public boolean canWrite() {
            return WRITE.equals(role);
        }
    }

    private record Entry(byte[] digest, String role, String name) {}

    private final List<Entry> entries;

    private ApiKeys(List<Entry> entries) {
        this.entries = entries;
    }

    public static ApiKeys parse(String text) {
        List<Entry> out = new ArrayList<>();
        if (text == null) {
            return new ApiKeys(out);
        }
        for (String raw : text.split("[,\\n]")) {
            String line = raw.strip();
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash).strip();
            }
            if (line.isEmpty()) {
                continue;
            }
            int colon = line.indexOf(':');
            String role = colon > 0 ? line.substring(0, colon).strip() : READ;
            String key = colon > 0 ? line.substring(colon + 1).strip() : line;
            if (!role.equals(WRITE) && !role.equals(READ)) {
                throw new IllegalArgumentException(
                        "API key entry with unknown role '" + role + "' (known: read, write)");
            }
            if (key.length() < 16) {
                throw new IllegalArgumentException("API key of role " + role + " is shorter than 16 characters");
            }
            byte[] digest = sha256(key);
            out.add(new Entry(
                    digest, role, role + "-key-" + java.util.HexFormat.of().formatHex(digest, 0, 4)));
        }
        return new ApiKeys(out);
    }

    /** Keys from the environment value and the file (either may be absent). */
    public static ApiKeys load(Optional<String> env, Optional<String> file) {
        StringBuilder text = new StringBuilder(env.orElse(""));
        if (file.isPresent() && !file.get().isBlank()) {
            try {
                text.append('\n').append(Files.readString(Path.of(file.get()), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the API keys file " + file.get(), e);
            }
        }
        return parse(text.toString());
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    public Optional<Caller> authenticate(String presented) {
        if (presented == null || presented.isEmpty()) {
            return Optional.empty();
        }
        byte[] digest = sha256(presented);
        Entry match = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.digest(), digest)) { // every entry compared: no early exit
                match = e;
            }
        }
        return match == null ? Optional.empty() : Optional.of(new Caller(match.name(), match.role()));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
