package dev.territory.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Hub-like HTTP server on 127.0.0.1 for tests, serving repositories the way huggingface.co does:
 *
 * <ul>
 *   <li>{@code GET /api/models/{org}/{name}/revision/{rev}[?blobs=true]}: {@code sha} and
 *       {@code siblings} ({@code rfilename}, {@code blobId}, {@code size}, {@code lfs.sha256});
 *   <li>{@code GET /{org}/{name}/resolve/{rev}/{file}}: small files directly with {@code ETag} (the
 *       git blob id) and {@code X-Repo-Commit}; {@code .safetensors} files as a 302 to a second
 *       server (the "CDN", another origin) with {@code X-Linked-Etag} (sha256),
 *       {@code X-Linked-Size}, {@code X-Repo-Commit};
 *   <li>{@code Range} requests (206 + {@code Content-Range}), on both;
 *   <li>access like the Hub's: a bad token is 401; a gated repository is 401 {@code GatedRepo}
 *       without a token and 403 {@code GatedRepo} for a token not granted access; a missing or
 *       private repository is 401 {@code RepoNotFound} unauthenticated, else 404; missing
 *       revisions and files are 404 {@code RevisionNotFound} / {@code EntryNotFound}.
 * </ul>
 *
 * Faults for tests: 503 answers, a connection cut after some bytes of a blob, a corrupted blob, a
 * throttle. Counters record what was asked.
 */
final class FakeHub implements AutoCloseable {

    enum Access {
        PUBLIC,
        GATED,
        PRIVATE
    }

    /** One file as stored: content and its ids. */
    record Blob(byte[] content, String sha256, String gitSha1, boolean lfs) {
        static Blob of(String name, byte[] content) {
            return new Blob(content, hex("SHA-256", content), FakeHub.gitSha1(content), name.endsWith(".safetensors"));
        }
    }

    static final class Repo {
        final String id;
        final Access access;
        final Set<String> granted = new HashSet<>();
        final Map<String, String> refs = new HashMap<>();
        final Map<String, Map<String, Blob>> commits = new HashMap<>();

        Repo(String id, Access access) {
            this.id = id;
            this.access = access;
        }

        /** Adds a commit holding {@code files}; returns its hash. */
        String commit(String seed, Map<String, byte[]> files) {
            String hash = hex("SHA-1", (id + "/" + seed).getBytes(StandardCharsets.UTF_8));
            Map<String, Blob> blobs = new TreeMap<>();
            files.forEach((n, c) -> blobs.put(n, Blob.of(n, c)));
            commits.put(hash, blobs);
            return hash;
        }
    }

    private final HttpServer hub;
    private final HttpServer cdn;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-hub");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final Map<String, Blob> blobsBySha = new ConcurrentHashMap<>();
    private final Set<String> validTokens = ConcurrentHashMap.newKeySet();
    private final ObjectMapper json = new ObjectMapper();

    // faults
    final AtomicInteger fail503 = new AtomicInteger();
    private final Map<String, long[]> cuts = new ConcurrentHashMap<>(); // sha256 -> {afterBytes, times}
    private final Set<String> corrupt = ConcurrentHashMap.newKeySet();
    volatile long throttleMillisPer64k;

    // what was asked
    final AtomicInteger apiRequests = new AtomicInteger();
    final AtomicInteger resolveRequests = new AtomicInteger();
    final Map<String, AtomicInteger> blobRequests = new ConcurrentHashMap<>();
    final List<String> ranges = Collections.synchronizedList(new ArrayList<>());
    final List<String> hubAuthorization = Collections.synchronizedList(new ArrayList<>());
    final List<String> cdnAuthorization = Collections.synchronizedList(new ArrayList<>());

    FakeHub() throws IOException {
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        hub = HttpServer.create(any, 0);
        cdn = HttpServer.create(any, 0);
        hub.createContext("/", this::handleHub);
        cdn.createContext("/", this::handleCdn);
        hub.setExecutor(pool);
        cdn.setExecutor(pool);
        hub.start();
        cdn.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + hub.getAddress().getPort();
    }

    Repo repo(String id, Access access) {
        Repo r = new Repo(id, access);
        repos.put(id, r);
        return r;
    }

    void token(String token) {
        validTokens.add(token);
    }

    /** Registers a commit's blobs for the CDN (call after {@link Repo#commit}). */
    void publish(Repo repo) {
        repo.commits.values().forEach(m -> m.values().forEach(b -> blobsBySha.put(b.sha256, b)));
    }

    void cutAfter(String sha256, long bytes, int times) {
        cuts.put(sha256, new long[] {bytes, times});
    }

    void corrupt(String sha256, boolean on) {
        if (on) {
            corrupt.add(sha256);
        } else {
            corrupt.remove(sha256);
        }
    }

    int blobGets(String sha256) {
        AtomicInteger n = blobRequests.get(sha256);
        return n == null ? 0 : n.get();
    }

    int requests() {
        return apiRequests.get()
                + resolveRequests.get()
                + blobRequests.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    @Override
    public void close() {
        hub.stop(0);
        cdn.stop(0);
        pool.shutdownNow();
    }

    // ---------------------------------------------------------------- the Hub

    private static final Pattern API = Pattern.compile("/api/models/([^/]+/[^/]+)/revision/([^?]+)");
    private static final Pattern RESOLVE = Pattern.compile("/([^/]+/[^/]+)/resolve/([^/]+)/(.+)");

    private void handleHub(HttpExchange ex) throws IOException {
        try (ex) {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            hubAuthorization.add(auth == null ? "" : auth);
            if (fail503.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
                error(ex, 503, null, "Service Unavailable");
                return;
            }
            String path = ex.getRequestURI().getRawPath();
            Matcher api = API.matcher(path);
            Matcher resolve = RESOLVE.matcher(path);
            if (api.matches()) {
                apiRequests.incrementAndGet();
                revisionInfo(ex, api.group(1), decode(api.group(2)), auth);
            } else if (resolve.matches()) {
                resolveRequests.incrementAndGet();
                resolveFile(ex, resolve.group(1), decode(resolve.group(2)), decode(resolve.group(3)), auth);
            } else {
                error(ex, 404, null, "Not Found");
            }
        }
    }

    /** Who is asking: null (anonymous), a valid token, or "invalid". */
    private String caller(String auth) {
        if (auth == null) {
            return null;
        }
        String t = auth.startsWith("Bearer ") ? auth.substring(7) : auth;
        return validTokens.contains(t) ? t : "invalid";
    }

    /** Repository access check shared by both endpoints; returns the repo or null after replying. */
    private Repo access(HttpExchange ex, String repoId, String auth, boolean content) throws IOException {
        String who = caller(auth);
        if ("invalid".equals(who)) {
            error(ex, 401, null, "Invalid credentials in Authorization header");
            return null;
        }
        Repo repo = repos.get(repoId);
        boolean visible = repo != null && (repo.access != Access.PRIVATE || repo.granted.contains(who));
        if (!visible) {
            error(ex, who == null ? 401 : 404, "RepoNotFound", "Repository not found");
            return null;
        }
        if (content && repo.access == Access.GATED && !repo.granted.contains(who)) {
            if (who == null) {
                error(
                        ex,
                        401,
                        "GatedRepo",
                        "Access to model " + repoId + " is restricted. You must have access to it"
                                + " and be authenticated to access it. Please log in.");
            } else {
                error(
                        ex,
                        403,
                        "GatedRepo",
                        "Access to model " + repoId + " is restricted and you are not in the"
                                + " authorized list. Visit " + endpoint() + "/" + repoId + " to ask for access.");
            }
            return null;
        }
        return repo;
    }

    private String commitOf(Repo repo, String rev) {
        if (repo.commits.containsKey(rev)) {
            return rev;
        }
        return repo.refs.get(rev);
    }

    private void revisionInfo(HttpExchange ex, String repoId, String rev, String auth) throws IOException {
        Repo repo = access(ex, repoId, auth, false);
        if (repo == null) {
            return;
        }
        String commit = commitOf(repo, rev);
        if (commit == null) {
            error(ex, 404, "RevisionNotFound", "Invalid rev id: " + rev);
            return;
        }
        boolean blobs = "blobs=true".equals(ex.getRequestURI().getRawQuery());
        ObjectNode root = json.createObjectNode();
        root.put("_id", commit.substring(0, 24));
        root.put("id", repoId);
        root.put("private", repo.access == Access.PRIVATE);
        if (repo.access == Access.GATED) {
            root.put("gated", "manual");
        } else {
            root.put("gated", false);
        }
        root.put("sha", commit);
        ArrayNode siblings = root.putArray("siblings");
        repo.commits.get(commit).forEach((name, b) -> {
            ObjectNode s = siblings.addObject();
            s.put("rfilename", name);
            if (blobs) {
                s.put(
                        "blobId",
                        b.lfs ? hex("SHA-1", ("pointer:" + b.sha256).getBytes(StandardCharsets.UTF_8)) : b.gitSha1);
                s.put("size", b.content.length);
                if (b.lfs) {
                    ObjectNode lfs = s.putObject("lfs");
                    lfs.put("sha256", b.sha256);
                    lfs.put("size", b.content.length);
                    lfs.put("pointerSize", 134);
                }
            }
        });
        byte[] body = json.writeValueAsBytes(root);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
    }

    private void resolveFile(HttpExchange ex, String repoId, String rev, String file, String auth) throws IOException {
        Repo repo = access(ex, repoId, auth, true);
        if (repo == null) {
            return;
        }
        String commit = commitOf(repo, rev);
        if (commit == null) {
            error(ex, 404, "RevisionNotFound", "Invalid rev id: " + rev);
            return;
        }
        Blob b = repo.commits.get(commit).get(file);
        if (b == null) {
            error(ex, 404, "EntryNotFound", "Entry not found");
            return;
        }
        ex.getResponseHeaders().set("X-Repo-Commit", commit);
        if (b.lfs) {
            ex.getResponseHeaders().set("X-Linked-Etag", "\"" + b.sha256 + "\"");
            ex.getResponseHeaders().set("X-Linked-Size", Long.toString(b.content.length));
            ex.getResponseHeaders().set("ETag", "W/\"" + b.gitSha1.substring(0, 20) + "\"");
            ex.getResponseHeaders()
                    .set(
                            "Location",
                            "http://127.0.0.1:" + cdn.getAddress().getPort() + "/blobs/" + b.sha256
                                    + "?X-Amz-Signature=test&Expires=0");
            ex.sendResponseHeaders(302, -1);
            return;
        }
        ex.getResponseHeaders().set("ETag", "\"" + b.gitSha1 + "\"");
        serve(ex, b, b.gitSha1);
    }

    // ---------------------------------------------------------------- the CDN

    private void handleCdn(HttpExchange ex) throws IOException {
        try (ex) {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            cdnAuthorization.add(auth == null ? "" : auth);
            if (fail503.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
                error(ex, 503, null, "Service Unavailable");
                return;
            }
            String path = ex.getRequestURI().getPath();
            Blob b = path.startsWith("/blobs/") ? blobsBySha.get(path.substring(7)) : null;
            if (b == null) {
                error(ex, 404, null, "NoSuchKey");
                return;
            }
            blobRequests.computeIfAbsent(b.sha256, k -> new AtomicInteger()).incrementAndGet();
            serve(ex, b, b.sha256);
        }
    }

    /** Sends a blob, honouring Range, with the injected cut, corruption and throttle. */
    private void serve(HttpExchange ex, Blob b, String key) throws IOException {
        byte[] content = b.content;
        if (corrupt.contains(key)) {
            content = content.clone();
            content[content.length / 2] ^= 0x5a;
        }
        long from = 0;
        String range = ex.getRequestHeaders().getFirst("Range");
        if (range != null) {
            ranges.add(range);
            Matcher m = Pattern.compile("bytes=(\\d+)-").matcher(range);
            if (m.matches()) {
                from = Long.parseLong(m.group(1));
            }
            if (from >= content.length) {
                ex.getResponseHeaders().set("Content-Range", "bytes */" + content.length);
                ex.sendResponseHeaders(416, -1);
                return;
            }
            ex.getResponseHeaders()
                    .set("Content-Range", "bytes " + from + "-" + (content.length - 1) + "/" + content.length);
        }
        ex.getResponseHeaders().set("Accept-Ranges", "bytes");
        ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
        long length = content.length - from;
        ex.sendResponseHeaders(range != null ? 206 : 200, length);
        long cutAt = Long.MAX_VALUE;
        long[] cut = cuts.get(key);
        if (cut != null) {
            synchronized (cut) {
                if (cut[1] > 0) {
                    cut[1]--;
                    cutAt = cut[0] - from;
                }
            }
        }
        OutputStream out = ex.getResponseBody();
        int chunk = 1 << 16;
        for (long off = 0; off < length; off += chunk) {
            int n = (int) Math.min(chunk, length - off);
            if (off + n > cutAt) {
                out.write(content, (int) (from + off), (int) (cutAt - off));
                out.flush();
                // Drop the connection mid-body, as a broken network would: the server closes the
                // socket when a handler throws.
                throw new IOException("fake hub: connection cut after byte " + (from + cutAt));
            }
            out.write(content, (int) (from + off), n);
            if (throttleMillisPer64k > 0) {
                out.flush();
                sleep(throttleMillisPer64k);
            }
        }
    }

    private void error(HttpExchange ex, int status, String code, String message) throws IOException {
        if (code != null) {
            ex.getResponseHeaders().set("X-Error-Code", code);
        }
        ex.getResponseHeaders().set("X-Error-Message", message);
        byte[] body = json.writeValueAsBytes(Map.of("error", message));
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
    }

    // ---------------------------------------------------------------- helpers

    static Map<String, byte[]> readDir(Path dir) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (var s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                files.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        return files;
    }

    static String hex(String algorithm, byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(data));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String gitSha1(byte[] content) {
        byte[] header = ("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[header.length + content.length];
        System.arraycopy(header, 0, all, 0, header.length);
        System.arraycopy(content, 0, all, header.length, content.length);
        return hex("SHA-1", all);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
