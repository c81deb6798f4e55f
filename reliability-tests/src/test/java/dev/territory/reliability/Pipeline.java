package dev.territory.reliability;

import dev.territory.contracts.Topics;
import dev.territory.kafka.local.LocalKafkaOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The system under test, shared by every test class of one JVM: a real KRaft broker (in this
 * JVM) whose client listener sits behind a {@link TcpProxy}, and the three services as child
 * processes started from their Quarkus fast-jars exactly as {@code territory up} starts them, with
 * their own ports, state directories and logs under {@code target/pipeline-<suite>/} (never the
 * checkout's {@code .territory/}). Tests tell their runs apart by run id.
 */
final class Pipeline {

    static final String INFERENCE = "inference-service";
    static final String METRICS = "metrics-service";
    static final String REPORT = "report-service";
    static final Duration READY_TIMEOUT = Duration.ofMinutes(3);
    /** API keys of the shared pipeline's report service (TERRITORY_API_KEYS). */
    static final String WRITE_KEY = "test-write-key-" + java.util.UUID.randomUUID();

    static final String READ_KEY = "test-read-key-" + java.util.UUID.randomUUID();

    private static Pipeline shared;

    final Path repo;
    final Path root;
    final Path models;
    final Path results;
    final Path logs;
    final LocalKafkaOptions.Broker broker;
    final TcpProxy proxy;
    final EventLog events;
    /** Environment of every service process (on top of the test JVM's): Kafka security, tokens. */
    final Map<String, String> serviceEnv = new LinkedHashMap<>();

    private final Map<String, Service> services = new LinkedHashMap<>();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private Pipeline(Path repo, Path root) throws IOException {
        this(repo, root, new LocalKafkaOptions());
    }

    private Pipeline(Path repo, Path root, LocalKafkaOptions options) throws IOException {
        this.repo = repo;
        this.root = root;
        deleteRecursively(root);
        this.models = Files.createDirectories(root.resolve("models"));
        this.results = Files.createDirectories(root.resolve("results"));
        this.logs = Files.createDirectories(root.resolve("logs"));
        int proxyPort = TcpProxy.freePort();
        this.broker =
                options.dataDir(root.resolve("kafka")).advertisedPort(proxyPort).start();
        this.proxy = new TcpProxy(proxyPort, broker.port());
        broker.ensureTopics(Topics.ALL.stream().collect(Collectors.toMap(Topics.Spec::name, Topics.Spec::partitions)));
        this.events = new EventLog(broker.directBootstrapServers());
    }

    /** The JVM's pipeline: broker, proxy and one instance of each service, started on first use. */
    static synchronized Pipeline shared() {
        if (shared == null) {
            try {
                Path repo = repoRoot();
                String suite = System.getProperty("reliability.suite", "fast");
                Pipeline p = new Pipeline(repo, repo.resolve("reliability-tests/target/pipeline-" + suite));
                Runtime.getRuntime().addShutdownHook(new Thread(p::stopAll, "pipeline-stop"));
                p.serviceEnv.put("TERRITORY_API_KEYS", "write:" + WRITE_KEY + ",read:" + READ_KEY);
                for (String svc : List.of(INFERENCE, METRICS, REPORT)) {
                    p.start(svc, svc);
                }
                for (Service s : p.services.values()) {
                    p.awaitReady(s);
                }
                shared = p;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shared;
    }

    /**
     * A pipeline of its own (broker, proxy, no services yet) under {@code target/pipeline-<name>/},
     * for tests that need another broker configuration (SASL_SSL); the caller sets
     * {@link #serviceEnv}, starts the services and {@link #close()}s it.
     */
    static Pipeline separate(String name, LocalKafkaOptions options) throws IOException {
        Path repo = repoRoot();
        return new Pipeline(repo, repo.resolve("reliability-tests/target/pipeline-" + name), options);
    }

    /** Stops the services, the proxy and the broker (separate pipelines; the shared one stops at JVM exit). */
    void close() {
        stopAll();
    }

    static Path repoRoot() {
        String root = System.getProperty("territory.repo.root");
        Path p = root != null ? Path.of(root) : Path.of("..");
        p = p.toAbsolutePath().normalize();
        if (!Files.isDirectory(p.resolve("testdata/fixtures/models"))) {
            p = Path.of("").toAbsolutePath().getParent();
        }
        return p;
    }

    /** A running service process. */
    final class Service {
        final String kind;
        final String instance;
        final int port;
        final Path log;
        final List<String> extraArgs;
        final Map<String, String> extraEnv = new LinkedHashMap<>();
        volatile Process process;
        int starts;

        Service(String kind, String instance, int port, List<String> extraArgs) {
            this.kind = kind;
            this.instance = instance;
            this.port = port;
            this.log = logs.resolve(instance + ".log");
            this.extraArgs = extraArgs;
        }

        String url() {
            return "http://127.0.0.1:" + port;
        }

        boolean alive() {
            return process != null && process.isAlive();
        }

        /** {@code kill -9}: no shutdown hook, no clean close of Kafka clients or stores. */
        void kill9() throws IOException, InterruptedException {
            Process p = process;
            new ProcessBuilder("kill", "-9", Long.toString(p.pid())).inheritIO().start();
            p.waitFor(30, TimeUnit.SECONDS);
        }

        /** Starts the same instance again (same port, state directory and results directory). */
        void restart() throws IOException {
            launch(this);
        }

        String logText() {
            try {
                return Files.exists(log) ? Files.readString(log) : "";
            } catch (IOException e) {
                return "";
            }
        }
    }

    Service service(String instance) {
        return services.get(instance);
    }

    List<Service> services() {
        return new ArrayList<>(services.values());
    }

    /** Starts one instance of a service (several metrics or inference instances scale it out). */
    Service start(String kind, String instance, String... extraArgs) throws IOException {
        Service s = new Service(kind, instance, TcpProxy.freePort(), List.of(extraArgs));
        services.put(instance, s);
        launch(s);
        return s;
    }

    /** {@link #start} with environment variables of this instance only (e.g. a wrong password). */
    Service start(String kind, String instance, Map<String, String> env, String... extraArgs) throws IOException {
        Service s = new Service(kind, instance, TcpProxy.freePort(), List.of(extraArgs));
        s.extraEnv.putAll(env);
        services.put(instance, s);
        launch(s);
        return s;
    }

    private void launch(Service s) throws IOException {
        Path jar = snapshot(s.kind).resolve("quarkus-run.jar");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(
                javaBin,
                s.kind.equals(INFERENCE) ? "-Xmx1g" : "-Xmx384m",
                "-XX:TieredStopAtLevel=1",
                "-Dquarkus.http.port=" + s.port,
                "-Dkafka.bootstrap.servers=" + broker.bootstrapServers()));
        switch (s.kind) {
            case INFERENCE -> cmd.add("-Dterritory.inference.model-roots=" + models);
            case METRICS -> cmd.add("-Dkafka-streams.state.dir=" + root.resolve("metrics-state/" + s.instance));
            default -> {}
        }
        cmd.addAll(s.extraArgs);
        cmd.addAll(List.of("-jar", jar.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(s.log.toFile()));
        pb.environment().put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
        pb.environment().put("TERRITORY_RESULTS_DIR", results.toString());
        pb.environment().put("DJL_OFFLINE", "true");
        pb.environment().putAll(serviceEnv);
        pb.environment().putAll(s.extraEnv);
        Files.writeString(
                s.log,
                "=== start " + (++s.starts) + ": " + String.join(" ", cmd) + "\n",
                java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        s.process = pb.start();
    }

    /**
     * A copy of the service's fast-jar taken at first use: other work in the same checkout may
     * rebuild {@code <service>/target/quarkus-app} while the tests run, which would pull the jars
     * out from under a running process.
     */
    private synchronized Path snapshot(String kind) throws IOException {
        Path copy = root.resolve("apps").resolve(kind);
        if (Files.isRegularFile(copy.resolve("quarkus-run.jar"))) {
            return copy;
        }
        Path app = repo.resolve(kind).resolve("target/quarkus-app");
        if (!Files.isRegularFile(app.resolve("quarkus-run.jar"))) {
            throw new IllegalStateException(
                    app + "/quarkus-run.jar missing: build the services first (mvn -B -DskipTests install)");
        }
        try (Stream<Path> walk = Files.walk(app)) {
            for (Path src : walk.toList()) {
                Path dst = copy.resolve(app.relativize(src).toString());
                if (Files.isDirectory(src)) {
                    Files.createDirectories(dst);
                } else {
                    Files.copy(src, dst, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return copy;
    }

    boolean ready(Service s) {
        return status(s.url() + "/q/health/ready") == 200;
    }

    int status(String url) {
        try {
            return http.send(
                            HttpRequest.newBuilder(URI.create(url))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + url + ": " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    void awaitReady(Service s) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (ready(s)) {
                return;
            }
            if (!s.alive()) {
                throw new IllegalStateException(s.instance + " exited with " + s.process.exitValue() + "; log " + s.log
                        + ":\n" + tail(s.logText(), 3000));
            }
            sleep(250);
        }
        throw new IllegalStateException(s.instance + " not ready within " + READY_TIMEOUT + "; log " + s.log);
    }

    /** Every service process is alive and ready (the "no service stops" part of each bad-input test). */
    void assertAllUp() {
        for (Service s : services.values()) {
            if (!s.alive()) {
                throw new AssertionError(
                        s.instance + " has stopped (exit " + s.process.exitValue() + "); log " + s.log);
            }
            if (!ready(s)) {
                throw new AssertionError(s.instance + " is not ready; log " + s.log);
            }
        }
    }

    void stop(Service s) {
        Process p = s.process;
        if (p != null && p.isAlive()) {
            p.destroy();
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    void remove(Service s) {
        stop(s);
        services.remove(s.instance);
    }

    private void stopAll() {
        services.values().forEach(this::stop);
        try {
            events.close();
            proxy.close();
        } catch (Exception ignored) {
            // exiting anyway
        }
        broker.close();
    }

    /** A fresh copy of a fixture model under the configured model root, to use or to corrupt. */
    Path copyFixture(String fixture, String name) throws IOException {
        Path src = repo.resolve("testdata/fixtures/models").resolve(fixture);
        Path dst = models.resolve(name);
        deleteRecursively(dst);
        Files.createDirectories(dst);
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : files.toList()) {
                Files.copy(f, dst.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dst;
    }

    /** The fixture model itself, copied once under the model root (valid runs share it). */
    synchronized Path fixture(String fixture) throws IOException {
        Path dst = models.resolve(fixture);
        return Files.isDirectory(dst) ? dst : copyFixture(fixture, fixture);
    }

    static String tail(String s, int n) {
        return s.length() <= n ? s : s.substring(s.length() - n);
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
