package dev.territory.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where the Hub is, where its cache lives, how to authenticate and how hard to retry. Built from
 * the same environment variables as the Python {@code huggingface_hub} library, so one
 * configuration serves both:
 *
 * <ul>
 *   <li>{@code HF_ENDPOINT}: the Hub (default {@value #DEFAULT_ENDPOINT});
 *   <li>{@code HF_TOKEN}: the token; else the file {@code HF_TOKEN_PATH} (default
 *       {@code $HF_HOME/token}), e.g. a mounted Kubernetes secret;
 *   <li>{@code HF_HUB_CACHE}: the cache (default {@code $HF_HOME/hub}); {@code HF_HOME} defaults
 *       to {@code $XDG_CACHE_HOME/huggingface}, i.e. {@code ~/.cache/huggingface};
 *   <li>{@code HF_HUB_OFFLINE=1}: use the cache only, never the network.
 * </ul>
 *
 * @param endpoint       base URL of the Hub, without a trailing slash
 * @param cacheDir       the hub cache directory (holds {@code models--org--name} folders)
 * @param token          the token, if any
 * @param offline        true: never touch the network
 * @param maxRetries     retries after the first attempt, on 5xx, 429 and dropped connections
 * @param initialBackoff wait before the first retry; doubles each retry
 * @param maxBackoff     cap on the wait between retries
 * @param connectTimeout TCP/TLS connect timeout
 */
public record HubConfig(
        String endpoint,
        Path cacheDir,
        Optional<HubToken> token,
        boolean offline,
        int maxRetries,
        Duration initialBackoff,
        Duration maxBackoff,
        Duration connectTimeout) {

    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    private static final Set<String> TRUE = Set.of("1", "on", "yes", "true");

    public HubConfig {
        if (endpoint == null || endpoint.isBlank()) {
            throw new IllegalArgumentException("Hub endpoint is empty");
        }
        endpoint = endpoint.strip().replaceAll("/+$", "");
        URI uri = URI.create(endpoint);
        if (uri.getScheme() == null
                || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                || uri.getHost() == null) {
            throw new IllegalArgumentException("Hub endpoint '" + endpoint + "' is not an http(s) URL");
        }
        cacheDir = cacheDir.toAbsolutePath().normalize();
        token = token == null ? Optional.empty() : token;
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries < 0");
        }
    }

    /** The configuration the process environment describes. */
    public static HubConfig fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /** The configuration {@code env} describes (a map of environment variables). */
    public static HubConfig fromEnvironment(Map<String, String> env) {
        Path home = Path.of(System.getProperty("user.home"));
        Path xdgCache = get(env, "XDG_CACHE_HOME").map(Path::of).orElse(home.resolve(".cache"));
        Path hfHome = get(env, "HF_HOME").map(Path::of).orElse(xdgCache.resolve("huggingface"));
        Path cache = get(env, "HF_HUB_CACHE")
                .or(() -> get(env, "HUGGINGFACE_HUB_CACHE"))
                .map(Path::of)
                .orElse(hfHome.resolve("hub"));
        String endpoint = get(env, "HF_ENDPOINT").orElse(DEFAULT_ENDPOINT);
        boolean offline = get(env, "HF_HUB_OFFLINE")
                .map(v -> TRUE.contains(v.strip().toLowerCase(Locale.ROOT)))
                .orElse(false);

        Optional<HubToken> token = get(env, "HF_TOKEN")
                .map(v -> HubToken.of(v, "HF_TOKEN"))
                .or(() -> get(env, "HUGGING_FACE_HUB_TOKEN").map(v -> HubToken.of(v, "HUGGING_FACE_HUB_TOKEN")));
        if (token.isEmpty()) {
            Path file = get(env, "HF_TOKEN_PATH").map(Path::of).orElse(hfHome.resolve("token"));
            token = readTokenFile(file);
        }
        return new HubConfig(
                endpoint,
                cache,
                token,
                offline,
                5,
                Duration.ofSeconds(1),
                Duration.ofSeconds(8),
                Duration.ofSeconds(10));
    }

    /** This configuration with offline mode on or off. */
    public HubConfig withOffline(boolean off) {
        return new HubConfig(endpoint, cacheDir, token, off, maxRetries, initialBackoff, maxBackoff, connectTimeout);
    }

    private static Optional<HubToken> readTokenFile(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? Optional.empty() : Optional.of(HubToken.of(text, file.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the Hub token file " + file + ": " + e.getMessage(), e);
        }
    }

    private static Optional<String> get(Map<String, String> env, String key) {
        String v = env.get(key);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v);
    }
}
