package dev.territory.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The two Hub HTTP calls a download needs, with the Hub's semantics:
 *
 * <ul>
 *   <li>{@code GET {endpoint}/api/models/{repo}/revision/{rev}?blobs=true}: the commit the revision
 *       points to ({@code sha}) and the files ({@code siblings}: {@code rfilename}, {@code size},
 *       {@code blobId}, and for LFS files {@code lfs.sha256});
 *   <li>{@code GET {endpoint}/{repo}/resolve/{commit}/{file}}: the content, for LFS files after a
 *       302/307 to a CDN. The endpoint's response carries {@code X-Repo-Commit} and the blob id in
 *       {@code X-Linked-Etag} (LFS) or {@code ETag}; both are checked against the metadata.
 * </ul>
 *
 * <p>The token goes only to the endpoint's origin (a redirect to a CDN drops it). Failures with
 * status 5xx or 429, and dropped connections, are retried with exponential backoff; a download
 * resumes with a {@code Range} request from what its partial file already holds.
 */
public final class HubClient {

    /** A file of a revision, as the Hub's metadata describes it. */
    public record RemoteFile(String name, long size, String blobId, String lfsSha256) {
        /** The blob's name in the cache: the LFS sha256, else the git blob id (as the Hub's ETag). */
        public String etag() {
            return lfsSha256 != null ? lfsSha256 : blobId;
        }

        public boolean lfs() {
            return lfsSha256 != null;
        }
    }

    /** What a revision resolved to. */
    public record RepoRevision(String repoId, String revision, String commit, Map<String, RemoteFile> files) {}

    private static final int MAX_REDIRECTS = 10;
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

    private final HubConfig config;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();
    private final URI endpoint;

    public HubClient(HubConfig config) {
        this.config = Objects.requireNonNull(config);
        this.endpoint = URI.create(config.endpoint() + "/");
        this.http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER) // followed by hand, to keep the token off CDNs
                .connectTimeout(config.connectTimeout())
                .build();
    }

    /**
     * Resolves {@code revision} of {@code repoId} to a commit and its file list.
     *
     * @throws HubException UNAUTHORIZED, GATED, REPO_NOT_FOUND, REVISION_NOT_FOUND, NETWORK
     */
    public RepoRevision revision(String repoId, String revision) {
        URI uri = URI.create(
                config.endpoint() + "/api/models/" + repoId + "/revision/" + encode(revision) + "?blobs=true");
        String what = repoId + "@" + revision;
        return withRetries(what, () -> {
            Reply reply = send(uri, Map.of("Accept", "application/json"));
            try (InputStream body = reply.response.body()) {
                int status = reply.response.statusCode();
                if (status != 200) {
                    throw failure(status, reply.response.headers(), readSome(body), repoId, revision, null);
                }
                return parseRevision(repoId, revision, body.readAllBytes());
            }
        });
    }

    private RepoRevision parseRevision(String repoId, String revision, byte[] body) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (IOException e) {
            throw new HubException(
                    HubException.Reason.NETWORK,
                    200,
                    "the Hub at " + config.endpoint() + " sent unreadable revision info for " + repoId + "@" + revision,
                    e);
        }
        String commit = root.path("sha").asText(null);
        if (!ModelReference.isCommitHash(commit)) {
            throw new HubException(
                    HubException.Reason.NETWORK,
                    "the Hub at " + config.endpoint() + " sent revision info for " + repoId + "@" + revision
                            + " without a commit hash ('sha')");
        }
        Map<String, RemoteFile> files = new LinkedHashMap<>();
        for (JsonNode s : root.path("siblings")) {
            String name = s.path("rfilename").asText(null);
            if (name == null) {
                continue;
            }
            JsonNode lfs = s.path("lfs");
            String sha256 = lfs.isObject() ? lfs.path("sha256").asText(null) : null;
            long size =
                    s.has("size") ? s.path("size").asLong(-1) : lfs.path("size").asLong(-1);
            files.put(name, new RemoteFile(name, size, s.path("blobId").asText(null), sha256));
        }
        return new RepoRevision(repoId, revision, commit, files);
    }

    /**
     * Downloads {@code file} of {@code repoId} at {@code commit} into {@code partial}, resuming
     * from the bytes it already holds, until it holds {@code file.size()} bytes. Does not check
     * the content hash (the caller does, once the file is whole).
     *
     * @param onBytes told of every chunk received
     * @return bytes received over the network by this call
     */
    public long download(String repoId, String commit, RemoteFile file, Path partial, LongConsumer onBytes) {
        URI uri = URI.create(config.endpoint() + "/" + repoId + "/resolve/" + commit + "/" + encodePath(file.name()));
        String what = repoId + "@" + commit.substring(0, 12) + " " + file.name();
        long[] received = {0};
        LongConsumer counting = n -> {
            received[0] +=
                    n; // counted as they arrive: bytes of an attempt that later fails still came over the network
            onBytes.accept(n);
        };
        withRetries(what, () -> {
            long have = sizeOf(partial);
            if (file.size() >= 0 && have > file.size()) {
                deleteQuietly(partial);
                have = 0;
            }
            if (file.size() >= 0 && have == file.size()) {
                return null;
            }
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("Accept-Encoding", "identity");
            if (have > 0) {
                headers.put("Range", "bytes=" + have + "-");
            }
            Reply reply = send(uri, headers);
            try (InputStream body = reply.response.body()) {
                int status = reply.response.statusCode();
                if (status == 416 && have > 0) { // our range starts at the end: nothing left, or a stale partial
                    if (file.size() < 0) {
                        return null;
                    }
                    deleteQuietly(partial);
                    throw new RetryableStatus(416, "range not satisfiable; restarting from byte 0");
                }
                if (status != 200 && status != 206) {
                    throw failure(status, reply.response.headers(), readSome(body), repoId, commit, file.name());
                }
                checkMetadata(reply, repoId, commit, file);
                long offset = 0;
                if (status == 206) {
                    offset = rangeStart(reply.response.headers());
                    if (offset != have) {
                        throw new RetryableStatus(
                                206, "server sent a range from byte " + offset + ", asked for " + have);
                    }
                }
                // 200 to a range request: the server ignored it, start over
                boolean append = status == 206;
                copy(body, partial, append, file.size(), counting);
            }
            return null;
        });
        return received[0];
    }

    private void checkMetadata(Reply reply, String repoId, String commit, RemoteFile file) {
        if (reply.repoCommit != null && !reply.repoCommit.equals(commit)) {
            throw new HubException(
                    HubException.Reason.INTEGRITY,
                    "the Hub served " + file.name() + " of " + repoId + " from commit " + reply.repoCommit
                            + " when asked for " + commit);
        }
        if (reply.etag != null && file.etag() != null && !reply.etag.equals(file.etag())) {
            throw new HubException(
                    HubException.Reason.INTEGRITY,
                    "the Hub's metadata for " + file.name() + " of "
                            + repoId + "@" + commit + " disagree: revision info says blob " + file.etag()
                            + ", the resolve response says " + reply.etag);
        }
    }

    /** Streams the body to the file; network errors propagate as IOException (retried). */
    private static long copy(InputStream body, Path partial, boolean append, long expected, LongConsumer onBytes)
            throws IOException {
        long n = 0;
        long have = append ? sizeOf(partial) : 0;
        OutputStream out;
        try {
            out = append
                    ? Files.newOutputStream(partial, StandardOpenOption.CREATE, StandardOpenOption.APPEND)
                    : Files.newOutputStream(
                            partial,
                            StandardOpenOption.CREATE,
                            StandardOpenOption.TRUNCATE_EXISTING,
                            StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + partial + ": " + e.getMessage(), e);
        }
        try (out) {
            byte[] buf = new byte[1 << 16];
            for (int r; (r = body.read(buf)) > 0; ) {
                try {
                    out.write(buf, 0, r);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write " + partial + ": " + e.getMessage(), e);
                }
                n += r;
                onBytes.accept(r);
                if (expected >= 0 && have + n > expected) {
                    throw new HubException(
                            HubException.Reason.INTEGRITY,
                            "the Hub sent more than the " + expected + " bytes its metadata announce for "
                                    + partial.getFileName());
                }
            }
        }
        if (expected >= 0 && have + n < expected) {
            throw new IOException("connection ended after " + (have + n) + " of " + expected + " bytes");
        }
        return n;
    }

    // ---------------------------------------------------------------- HTTP plumbing

    /** A final response and the Hub headers seen on the endpoint's hops of the redirect chain. */
    private record Reply(HttpResponse<InputStream> response, String repoCommit, String etag) {}

    /** GET with redirects followed by hand; the token is sent only to the endpoint's origin. */
    private Reply send(URI uri, Map<String, String> headers) throws IOException {
        URI current = uri;
        String repoCommit = null;
        String etag = null;
        for (int hop = 0; ; hop++) {
            boolean onEndpoint = sameOrigin(current, endpoint);
            HttpRequest.Builder b = HttpRequest.newBuilder(current).GET().timeout(Duration.ofSeconds(60));
            headers.forEach(b::header);
            b.header(
                    "User-Agent", "territory-hub/0.1; java/" + Runtime.version().feature());
            if (onEndpoint && config.token().isPresent()) {
                b.header("Authorization", config.token().get().bearerHeader());
            }
            HttpResponse<InputStream> response;
            try {
                response = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HubException(
                        HubException.Reason.NETWORK, 0, "interrupted while requesting " + redact(current), e);
            }
            HttpHeaders h = response.headers();
            if (onEndpoint
                    && repoCommit == null
                    && h.firstValue("X-Repo-Commit").isPresent()) {
                repoCommit = h.firstValue("X-Repo-Commit").get().strip();
                etag = h.firstValue("X-Linked-Etag")
                        .or(() -> h.firstValue("ETag"))
                        .map(HubClient::normalizeEtag)
                        .orElse(null);
            }
            int status = response.statusCode();
            Optional<String> location = h.firstValue("Location");
            if (status >= 300 && status < 400 && status != 304 && location.isPresent()) {
                response.body().close();
                if (hop >= MAX_REDIRECTS) {
                    throw new HubException(
                            HubException.Reason.NETWORK, status, "too many redirects from " + redact(uri), null);
                }
                current = current.resolve(location.get());
                continue;
            }
            return new Reply(response, repoCommit, etag);
        }
    }

    @FunctionalInterface
    private interface Attempt<T> {
        T run() throws IOException;
    }

    /** A status worth another try (5xx, 429, an odd range reply). */
    private static final class RetryableStatus extends IOException {
        final int status;

        RetryableStatus(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private <T> T withRetries(String what, Attempt<T> attempt) {
        long wait = config.initialBackoff().toMillis();
        for (int tries = 0; ; tries++) {
            try {
                return attempt.run();
            } catch (UncheckedIOException e) {
                throw new HubException(HubException.Reason.CACHE_IO, 0, e.getMessage(), e.getCause());
            } catch (IOException e) {
                int status = e instanceof RetryableStatus r ? r.status : 0;
                if (tries >= config.maxRetries()) {
                    String why = status > 0 ? "HTTP " + status + " (" + e.getMessage() + ")" : describe(e);
                    throw new HubException(
                            HubException.Reason.NETWORK,
                            status,
                            "cannot fetch " + what + " from " + config.endpoint() + " after " + (tries + 1)
                                    + " attempts: " + why,
                            e);
                }
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new HubException(
                            HubException.Reason.NETWORK, status, "interrupted while fetching " + what, ie);
                }
                wait = Math.min(wait * 2, config.maxBackoff().toMillis());
            }
        }
    }

    /**
     * Maps an error status to a message that says which of gated, private, missing repository,
     * missing revision or missing file it is. Uses the Hub's {@code X-Error-Code} header where
     * present. 5xx and 429 come back as {@link RetryableStatus}.
     */
    private RuntimeException failure(
            int status, HttpHeaders h, String body, String repoId, String revision, String file)
            throws RetryableStatus {
        if (status >= 500 || status == 429) {
            throw new RetryableStatus(status, serverMessage(h, body).orElse("server error"));
        }
        String code = h.firstValue("X-Error-Code").orElse("");
        String server = serverMessage(h, body).map(m -> " (Hub: " + m + ")").orElse("");
        String repoUrl = config.endpoint() + "/" + repoId;
        boolean tokenSent = config.token().isPresent();
        String tokenHint = tokenSent
                ? "the token from " + config.token().get().source() + " was sent"
                : "no token was sent: set HF_TOKEN or write one to HF_TOKEN_PATH (default ~/.cache/huggingface/token)";
        String target = file == null ? repoId + "@" + revision : file + " of " + repoId + "@" + revision;
        if (code.equals("GatedRepo") || (status == 403 && code.isEmpty() && isGatedMessage(server))) {
            if (status == 401 || !tokenSent) {
                return new HubException(
                        HubException.Reason.UNAUTHORIZED,
                        status,
                        "401 Unauthorized: " + repoId
                                + " is a gated repository and " + tokenHint + "; accept its conditions at " + repoUrl
                                + " with your account, then use a token of that account" + server,
                        null);
            }
            return new HubException(
                    HubException.Reason.GATED,
                    status,
                    "403 Forbidden: " + repoId
                            + " is a gated repository and the account of the token from "
                            + config.token().get().source()
                            + " has not been granted access; request it at " + repoUrl + " and wait for approval"
                            + server,
                    null);
        }
        if (code.equals("RevisionNotFound")) {
            return new HubException(
                    HubException.Reason.REVISION_NOT_FOUND,
                    status,
                    status + ": revision '" + revision
                            + "' not found in " + repoId + " at " + config.endpoint()
                            + " (the repository exists; check the branch, tag or commit)" + server,
                    null);
        }
        if (code.equals("EntryNotFound")) {
            return new HubException(
                    HubException.Reason.FILE_NOT_FOUND,
                    status,
                    status + ": " + target + " not found (the repository and revision exist)" + server,
                    null);
        }
        if (code.equals("RepoNotFound") || status == 404) {
            String extra = tokenSent
                    ? "; if it is private, the token from "
                            + config.token().get().source() + " has no access to it"
                    : "; if it is private, " + tokenHint;
            String what = code.equals("RepoNotFound")
                    ? "repository " + repoId + " not found at " + config.endpoint()
                    : target + " not found at " + config.endpoint() + " (no such repository, revision or file)";
            return new HubException(
                    HubException.Reason.REPO_NOT_FOUND, status, status + ": " + what + extra + server, null);
        }
        if (status == 401) {
            String msg = tokenSent
                    ? "401 Unauthorized for " + target + ": the Hub rejected the token from "
                            + config.token().get().source() + " (invalid or expired?)"
                    : "401 Unauthorized for " + target + ": the repository is private or gated and " + tokenHint;
            return new HubException(HubException.Reason.UNAUTHORIZED, status, msg + server, null);
        }
        if (status == 403) {
            return new HubException(
                    HubException.Reason.FORBIDDEN,
                    status,
                    "403 Forbidden for " + target
                            + ": the token"
                            + (tokenSent ? " from " + config.token().get().source() : "")
                            + " lacks permission (a fine-grained token needs read access to this repository)" + server,
                    null);
        }
        return new HubException(
                HubException.Reason.NETWORK,
                status,
                "HTTP " + status + " for " + target + " from " + config.endpoint() + server,
                null);
    }

    private static boolean isGatedMessage(String server) {
        return server.toLowerCase().contains("gated");
    }

    private Optional<String> serverMessage(HttpHeaders h, String body) {
        Optional<String> header = h.firstValue("X-Error-Message");
        if (header.isPresent()) {
            return header;
        }
        if (body == null || body.isBlank()) {
            return Optional.empty();
        }
        try {
            JsonNode node = json.readTree(body);
            if (node.hasNonNull("error")) {
                return Optional.of(clip(node.get("error").asText()));
            }
        } catch (IOException | RuntimeException notJson) {
            // fall through
        }
        return body.stripLeading().startsWith("<") ? Optional.empty() : Optional.of(clip(body.strip()));
    }

    private static String clip(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    private static String readSome(InputStream in) {
        try {
            return new String(in.readNBytes(4096), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /** The Hub quotes ETags and may mark them weak ({@code W/"..."}); the blob id is inside. */
    static String normalizeEtag(String etag) {
        String e = etag.strip();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        return e.replace("\"", "");
    }

    private static long rangeStart(HttpHeaders h) throws IOException {
        String cr = h.firstValue("Content-Range").orElseThrow(() -> new IOException("206 without Content-Range"));
        Matcher m = CONTENT_RANGE.matcher(cr.strip());
        if (!m.matches()) {
            throw new IOException("unreadable Content-Range '" + cr + "'");
        }
        return Long.parseLong(m.group(1));
    }

    private static boolean sameOrigin(URI a, URI b) {
        return Objects.equals(a.getScheme(), b.getScheme())
                && Objects.equals(a.getHost(), b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
    }

    /** A URL for messages: a CDN's signed query string is left out. */
    private static String redact(URI u) {
        return u.getScheme() + "://" + u.getAuthority() + u.getRawPath();
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String encodePath(String path) {
        return Arrays.stream(path.split("/")).map(HubClient::encode).collect(Collectors.joining("/"));
    }

    private static long sizeOf(Path p) {
        try {
            return Files.exists(p) ? Files.size(p) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + p + ": " + e.getMessage(), e);
        }
    }
}
