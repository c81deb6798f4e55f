package dev.territory.cli;

import dev.territory.contracts.Topics;
import dev.territory.kafka.local.LocalKafka;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code territory up}: a local Kafka broker and the three services as child processes, supervised
 * as Kubernetes would (a service or the broker that dies is restarted), stopped together on
 * SIGINT/SIGTERM within a bounded time.
 */
@Command(
        name = "up",
        mixinStandardHelpOptions = true,
        description = "Starts a local Kafka broker (KRaft) and the inference, metrics and report services; "
                + "prints a line with 'ready' once all are healthy; restarts any of them that dies; "
                + "Ctrl-C stops everything (within " + UpCommand.Stack.STOP_BOUND_S + " s).")
final class UpCommand implements Callable<Integer> {

    @Option(
            names = "--kafka-port",
            description = "Kafka client port (default: the port this state directory used before, else a free one)")
    int kafkaPort;

    @Option(
            names = "--report-port",
            description = "HTTP port of the report service (default ${DEFAULT-VALUE})",
            defaultValue = "8083")
    int reportPort;

    @Option(
            names = "--state-dir",
            paramLabel = "DIR",
            description =
                    "broker data, pids, logs and results (default: .territory in the checkout); one 'up' per directory")
    Path stateDir;

    @Option(
            names = "--kafka-restarts",
            paramLabel = "N",
            defaultValue = "5",
            description = "restarts of a broker that dies, within " + Stack.RESTART_WINDOW_MIN
                    + " minutes, before 'up' stops the stack instead (default ${DEFAULT-VALUE})")
    int kafkaRestarts;

    @Option(names = "--verbose", description = "print stack traces of errors")
    boolean verbose;

    /** Kafka's clients log every reconnect at INFO/WARN; a command's output should show the run, not them. */
    static void quietKafkaClients() {
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
    }

    @Override
    public Integer call() throws Exception {
        quietKafkaClients();
        if (kafkaRestarts < 0) {
            throw new IllegalArgumentException("--kafka-restarts must be >= 0, got " + kafkaRestarts);
        }
        Path home = Stack.home();
        Path state = stateDir != null ? stateDir.toAbsolutePath().normalize() : Stack.defaultState(home);
        Stack stack = Stack.open(home, state, System.out);
        stack.kafkaRestarts = kafkaRestarts;
        CountDownLatch stopped = new CountDownLatch(1);
        // registered before anything starts: a Ctrl-C during start-up still stops what was started
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            stack.close();
                            stopped.countDown();
                        },
                        "territory-down"));
        try {
            stack.startAll(kafkaPort, reportPort);
        } catch (Exception e) {
            stack.close();
            throw e;
        }
        if (!stack.supervise()) {
            stack.close();
            return 1;
        }
        stopped.await();
        return 0;
    }

    /**
     * The running pieces: a broker process and three service processes, with their pids under
     * {@code <state>/run/} and their logs under {@code <state>/logs/}. {@code submit} finds the
     * broker and the report service through {@code .territory/run/stack.properties}. One stack per
     * state directory: {@code run/up.lock} is held for the stack's life (released by the OS even
     * when the owner is killed).
     */
    static final class Stack implements AutoCloseable {

        static final List<String> SERVICES = List.of("inference-service", "metrics-service", "report-service");
        static final Duration START_TIMEOUT = Duration.ofMinutes(3);
        static final Duration BROKER_START_TIMEOUT = Duration.ofSeconds(90);
        /** SIGTERM to SIGKILL for the services: they flush to the broker, which may be gone (their own bounds are ~10 s). */
        static final Duration SERVICE_GRACE = Duration.ofSeconds(20);
        /** SIGTERM to SIGKILL for the broker, stopped after the services (a killed broker recovers its log on restart). */
        static final Duration BROKER_GRACE = Duration.ofSeconds(7);
        /** The most a stop takes: both graces and the kills (Kubernetes' default grace period is 30 s). */
        static final long STOP_BOUND_S = 27;

        static final int RESTART_WINDOW_MIN = 10;

        private final Path home;
        private final Path state;
        private final PrintStream out;
        private final Map<String, Integer> ports = new LinkedHashMap<>();
        private final Map<String, Process> processes = new LinkedHashMap<>();
        /** Guards {@link #closing}, {@link #processes} and {@link #broker} so that no process starts after close() took stock. */
        private final Object spawn = new Object();

        private volatile boolean closing;
        private boolean closed;
        private volatile Process broker;
        private String bootstrap;
        private int brokerPort;
        private int brokerStarts;
        private FileChannel lockChannel;
        private FileLock lock;
        int kafkaRestarts = 5;

        private Stack(Path home, Path state, PrintStream out) {
            this.home = home;
            this.state = state;
            this.out = out;
        }

        static Path home() {
            String h = System.getProperty("territory.home", System.getenv("TERRITORY_HOME"));
            return Path.of(h != null ? h : ".").toAbsolutePath().normalize();
        }

        static Path defaultState(Path home) {
            return home.resolve(".territory");
        }

        /** The connection facts of a running stack: {@code bootstrap.servers} and {@code report.url}, if one is up. */
        static Optional<Properties> running(Path home) {
            Properties p = stackProperties(defaultState(home));
            return healthy(p.getProperty("report.url")) ? Optional.of(p) : Optional.empty();
        }

        private static Properties stackProperties(Path state) {
            Properties p = new Properties();
            Path file = state.resolve("run/stack.properties");
            if (Files.isRegularFile(file)) {
                try (InputStream in = Files.newInputStream(file)) {
                    p.load(in);
                } catch (IOException ignored) {
                    // an unreadable file describes no stack
                }
            }
            return p;
        }

        static Stack start(Path home, int kafkaPort, int reportPort, PrintStream out) throws Exception {
            return start(home, defaultState(home), kafkaPort, reportPort, out);
        }

        /** A stack whose broker data, pids, logs and results live under {@code state} (tests use a temporary one). */
        static Stack start(Path home, Path state, int kafkaPort, int reportPort, PrintStream out) throws Exception {
            Stack stack = open(home, state, out);
            try {
                stack.startAll(kafkaPort, reportPort);
            } catch (Exception e) {
                stack.close();
                throw e;
            }
            return stack;
        }

        /**
         * Takes the state directory for a new stack: fails with one line naming the stack that holds
         * it, or the processes an earlier stack left running.
         */
        static Stack open(Path home, Path state, PrintStream out) throws IOException {
            Stack stack = new Stack(home, state, out);
            Files.createDirectories(state.resolve("run"));
            Files.createDirectories(state.resolve("logs"));
            FileChannel channel =
                    FileChannel.open(state.resolve("run/up.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                throw new IllegalStateException(describeRunning(state));
            }
            stack.lockChannel = channel;
            stack.lock = lock;
            List<String> leftovers = leftovers(state);
            if (!leftovers.isEmpty()) {
                stack.releaseLock();
                throw new IllegalStateException(
                        "processes of an earlier 'territory up' on " + state + " are still running ("
                                + String.join(", ", leftovers)
                                + "): its 'up' was killed without stopping them; stop them (kill "
                                + leftovers.stream()
                                        .map(l -> l.substring(l.lastIndexOf(' ') + 1))
                                        .collect(Collectors.joining(" "))
                                + ") and start again");
            }
            Files.writeString(
                    state.resolve("run/up.pid"), ProcessHandle.current().pid() + "\n");
            return stack;
        }

        /** The one-line refusal of a second {@code up}: who holds the directory and where its stack listens. */
        private static String describeRunning(Path state) {
            StringBuilder sb = new StringBuilder("territory up is already running on ").append(state);
            List<String> facts = new ArrayList<>();
            readPid(state, "up").ifPresent(pid -> facts.add("pid " + pid));
            Properties p = stackProperties(state);
            if (p.getProperty("bootstrap.servers") != null) {
                facts.add("kafka " + p.getProperty("bootstrap.servers"));
                facts.add("report " + p.getProperty("report.url"));
            } else {
                facts.add("still starting");
            }
            sb.append(" (").append(String.join(", ", facts)).append(")");
            sb.append("; use it (territory submit), stop it (Ctrl-C in its terminal");
            readPid(state, "up").ifPresent(pid -> sb.append(" or kill ").append(pid));
            return sb.append("), or pass another --state-dir").toString();
        }

        /** Live processes named by pid files of a stack whose {@code up} is gone ("kafka pid 123"). */
        private static List<String> leftovers(Path state) {
            List<String> alive = new ArrayList<>();
            for (String name : concat("kafka", SERVICES)) {
                readPid(state, name)
                        .flatMap(ProcessHandle::of)
                        .filter(ProcessHandle::isAlive)
                        .filter(h -> h.info()
                                .commandLine()
                                .map(c -> c.contains("quarkus-run.jar") || c.contains("LocalKafka"))
                                .orElse(true))
                        .ifPresent(h -> alive.add(name + " pid " + h.pid()));
            }
            return alive;
        }

        private static List<String> concat(String first, List<String> rest) {
            List<String> all = new ArrayList<>(List.of(first));
            all.addAll(rest);
            return all;
        }

        private static Optional<Long> readPid(Path state, String name) {
            try {
                return Optional.of(Long.parseLong(
                        Files.readString(state.resolve("run/" + name + ".pid")).trim()));
            } catch (IOException | NumberFormatException e) {
                return Optional.empty();
            }
        }

        /**
         * A broker alone, with the topics created; services are added with {@link #startAndAwait}
         * (the benchmarks fill a topic before the service that reads it starts).
         */
        static Stack startBroker(Path home, Path state, PrintStream out) throws Exception {
            Stack stack = open(home, state, out);
            try {
                stack.startBroker(0);
                LocalKafka.ensureTopics(
                        stack.bootstrap,
                        Topics.ALL.stream().collect(Collectors.toMap(Topics.Spec::name, Topics.Spec::partitions)));
            } catch (Exception e) {
                stack.close();
                throw e;
            }
            return stack;
        }

        /** Starts {@code svc} on a free port and waits until it is ready. */
        void startAndAwait(String svc) throws Exception {
            if (!Files.isRegularFile(jar(svc))) {
                throw new IllegalStateException(
                        jar(svc) + ": missing; build with mvn -B -DskipTests install (./territory does)");
            }
            ports.put(svc, freePort());
            startService(svc);
            awaitHealthy(svc, System.nanoTime() + START_TIMEOUT.toNanos());
        }

        /** Base URL of a started service's HTTP endpoints. */
        String serviceUrl(String svc) {
            return "http://127.0.0.1:" + ports.get(svc);
        }

        String bootstrapServers() {
            return bootstrap;
        }

        String reportUrl() {
            return "http://127.0.0.1:" + ports.get("report-service");
        }

        void startAll(int kafkaPort, int reportPort) throws Exception {
            for (String svc : SERVICES) {
                Path jar = jar(svc);
                if (!Files.isRegularFile(jar)) {
                    throw new IllegalStateException(
                            jar + ": missing; build with mvn -B -DskipTests install (./territory does)");
                }
            }
            long t0 = System.nanoTime();
            startBroker(kafkaPort);
            LocalKafka.ensureTopics(
                    bootstrap,
                    Topics.ALL.stream().collect(Collectors.toMap(Topics.Spec::name, Topics.Spec::partitions)));
            out.printf("territory: kafka on %s (%.1f s)%n", bootstrap, (System.nanoTime() - t0) / 1e9);
            ports.put("inference-service", freePort());
            ports.put("metrics-service", freePort());
            ports.put("report-service", reportPort > 0 && portFree(reportPort) ? reportPort : freePort());
            for (String svc : SERVICES) {
                startService(svc);
            }
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            for (String svc : SERVICES) {
                awaitHealthy(svc, deadline);
            }
            Properties p = new Properties();
            p.setProperty("pid", Long.toString(ProcessHandle.current().pid()));
            p.setProperty("bootstrap.servers", bootstrap);
            p.setProperty("report.url", reportUrl());
            ports.forEach((svc, port) -> p.setProperty(svc + ".url", "http://127.0.0.1:" + port));
            try (OutputStream o = Files.newOutputStream(state.resolve("run/stack.properties"))) {
                p.store(o, "the stack started by territory up");
            }
            out.printf(
                    "territory: ready in %.1f s: kafka %s, report %s (logs in %s)%n",
                    (System.nanoTime() - t0) / 1e9, bootstrap, reportUrl(), state.resolve("logs"));
            out.flush();
        }

        /**
         * Starts the broker process on {@code kafkaPort} (0: the port its data directory had, else a
         * free one) and waits for its {@code kafka ready} line. A restart uses the same port and data
         * directory: KRaft storage is formatted once, so topics, offsets and transactions survive.
         */
        private void startBroker(int kafkaPort) throws Exception {
            // the local broker shares 2 cores with the services: a throughput GC without G1's concurrent threads
            List<String> cmd = new ArrayList<>(List.of(
                    javaBin(),
                    "-Xmx512m",
                    "-XX:+UseParallelGC",
                    "-cp",
                    cliClasspath(),
                    "dev.territory.kafka.local.LocalKafka",
                    "--data-dir",
                    state.resolve("kafka").toString()));
            if (kafkaPort > 0) {
                cmd.addAll(List.of("--port", Integer.toString(kafkaPort)));
            }
            Path log = state.resolve("logs/kafka.log");
            PrintStream logOut = new PrintStream(
                    Files.newOutputStream(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND),
                    true,
                    StandardCharsets.UTF_8);
            logOut.println("=== territory: kafka start " + (++brokerStarts));
            Process p;
            synchronized (spawn) {
                if (closing) {
                    throw new IllegalStateException("stopping");
                }
                p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                broker = p;
            }
            writePid("kafka", p);
            CompletableFuture<String> ready = new CompletableFuture<>();
            BufferedReader reader =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            Thread pump = new Thread(
                    () -> {
                        try {
                            String line;
                            while ((line = reader.readLine()) != null) {
                                logOut.println(line);
                                if (!ready.isDone() && line.startsWith("kafka ready ")) {
                                    ready.complete(line.substring("kafka ready ".length())
                                            .trim());
                                }
                            }
                        } catch (IOException | UncheckedIOException ignored) {
                            // the broker exited
                        }
                        ready.completeExceptionally(
                                new IllegalStateException("Kafka exited while starting; see " + log));
                    },
                    "kafka-log");
            pump.setDaemon(true);
            pump.start();
            try {
                bootstrap = ready.get(BROKER_START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                brokerPort = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
            } catch (TimeoutException e) {
                p.destroyForcibly();
                throw new IllegalStateException(
                        "Kafka not ready within " + BROKER_START_TIMEOUT.toSeconds() + " s; see " + log);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
            }
        }

        private void startService(String svc) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(
                    javaBin(),
                    "-Xmx" + (svc.equals("inference-service") ? "2g" : "512m"),
                    "-Dquarkus.http.port=" + ports.get(svc),
                    "-Dkafka.bootstrap.servers=" + bootstrap));
            if (svc.equals("metrics-service")) {
                cmd.add("-Dkafka-streams.state.dir=" + state.resolve("metrics-state"));
                // throughput GC, as its Dockerfile: on 2 cores G1's concurrent work slows bench --metrics-vectors
                cmd.add("-XX:+UseParallelGC");
            }
            cmd.addAll(List.of("-jar", jar(svc).toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(
                            state.resolve("logs/" + svc + ".log").toFile()));
            pb.environment().put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
            pb.environment()
                    .put("TERRITORY_RESULTS_DIR", state.resolve("results").toString());
            pb.environment().putIfAbsent("DJL_OFFLINE", "true");
            Process p;
            synchronized (spawn) {
                if (closing) {
                    throw new IllegalStateException("stopping");
                }
                p = pb.start();
                processes.put(svc, p);
            }
            writePid(svc, p);
        }

        private void awaitHealthy(String svc, long deadline) throws InterruptedException {
            String url = "http://127.0.0.1:" + ports.get(svc);
            while (System.nanoTime() < deadline) {
                if (closing) {
                    throw new IllegalStateException("stopped while " + svc + " was starting");
                }
                if (healthy(url)) {
                    return;
                }
                Process p = processes.get(svc);
                if (!p.isAlive()) {
                    throw new IllegalStateException(svc + " exited with " + p.exitValue() + " while starting; see "
                            + state.resolve("logs/" + svc + ".log"));
                }
                Thread.sleep(250);
            }
            throw new IllegalStateException(svc + " not ready within " + START_TIMEOUT.toSeconds() + " s; see "
                    + state.resolve("logs/" + svc + ".log"));
        }

        /** Kills a service as {@code kill -9} would (tests of restarts); the supervisor brings it back. */
        void kill(String svc) {
            Process p = processes.get(svc);
            if (p != null) {
                p.destroyForcibly();
            }
        }

        /**
         * Restarts any service or broker that exits, until the stack is closed (what a Deployment's
         * controller does). A service is restarted at once and reported ready when it is; the
         * broker is restarted on its port and data directory after a back-off (1, 2, 4... s), at most
         * {@link #kafkaRestarts} times within {@link #RESTART_WINDOW_MIN} minutes.
         *
         * @return false when the broker's restarts are spent (the caller stops the stack), true once closed
         */
        boolean supervise() throws InterruptedException {
            Deque<Long> brokerDeaths = new ArrayDeque<>();
            Map<String, Long> awaitingReady = new LinkedHashMap<>();
            while (!closing) {
                Process b = broker;
                if (b != null && !b.isAlive()) {
                    long now = System.nanoTime();
                    brokerDeaths.addLast(now);
                    while (now - brokerDeaths.peekFirst() > TimeUnit.MINUTES.toNanos(RESTART_WINDOW_MIN)) {
                        brokerDeaths.removeFirst();
                    }
                    if (brokerDeaths.size() > kafkaRestarts) {
                        out.printf(
                                "territory: kafka exited with %d; it died %d times within %d min, more than --kafka-restarts %d: "
                                        + "stopping (see %s)%n",
                                b.exitValue(),
                                brokerDeaths.size(),
                                RESTART_WINDOW_MIN,
                                kafkaRestarts,
                                state.resolve("logs/kafka.log"));
                        out.flush();
                        return false;
                    }
                    long backoffMs = 1000L << Math.min(4, brokerDeaths.size() - 1);
                    out.printf(
                            "territory: kafka exited with %d; restarting it on %s in %d s (restart %d of at most %d within %d min)%n",
                            b.exitValue(),
                            bootstrap,
                            backoffMs / 1000,
                            brokerDeaths.size(),
                            kafkaRestarts,
                            RESTART_WINDOW_MIN);
                    out.flush();
                    if (!pause(backoffMs)) {
                        break;
                    }
                    long t0 = System.nanoTime();
                    try {
                        startBroker(brokerPort);
                        out.printf(
                                "territory: kafka ready again on %s after %.1f s%n",
                                bootstrap, (System.nanoTime() - t0) / 1e9);
                    } catch (Exception e) {
                        if (closing) {
                            break;
                        }
                        out.printf("territory: kafka did not restart: %s%n", e.getMessage());
                    }
                    out.flush();
                }
                for (String svc : SERVICES) {
                    Process p = processes.get(svc);
                    if (closing || p == null) {
                        continue;
                    }
                    if (!p.isAlive()) {
                        out.printf("territory: %s exited with %d; restarting%n", svc, p.exitValue());
                        try {
                            startService(svc);
                            awaitingReady.put(svc, System.nanoTime() + START_TIMEOUT.toNanos());
                        } catch (IOException | RuntimeException e) {
                            out.printf("territory: cannot restart %s: %s%n", svc, e.getMessage());
                        }
                    } else if (awaitingReady.containsKey(svc)) {
                        if (healthy(serviceUrl(svc))) {
                            out.printf("territory: %s ready again%n", svc);
                            awaitingReady.remove(svc);
                        } else if (System.nanoTime() > awaitingReady.get(svc)) {
                            out.printf(
                                    "territory: %s not ready %d s after its restart; see %s%n",
                                    svc, START_TIMEOUT.toSeconds(), state.resolve("logs/" + svc + ".log"));
                            awaitingReady.remove(svc);
                        }
                    }
                }
                out.flush();
                pause(500);
            }
            return true;
        }

        /** Sleeps up to {@code ms}, returning early (false) when the stack is closing. */
        private boolean pause(long ms) throws InterruptedException {
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
            while (!closing && System.nanoTime() < until) {
                Thread.sleep(Math.min(100, ms));
            }
            return !closing;
        }

        /**
         * Stops the stack within {@link #STOP_BOUND_S} seconds: SIGTERM to every service at once, SIGKILL
         * to those still running after {@link #SERVICE_GRACE} (a service that cannot flush to a dead
         * broker), then the broker the same way with {@link #BROKER_GRACE}.
         */
        @Override
        public synchronized void close() {
            List<Map.Entry<String, Process>> services;
            Process b;
            synchronized (spawn) {
                if (closed) {
                    return;
                }
                closed = true;
                closing = true;
                services = new ArrayList<>(processes.entrySet());
                b = broker;
                processes.clear();
                broker = null;
            }
            long t0 = System.nanoTime();
            services.forEach(e -> e.getValue().destroy());
            long deadline = System.nanoTime() + SERVICE_GRACE.toNanos();
            for (Map.Entry<String, Process> e : services) {
                if (!awaitExit(e.getValue(), deadline)) {
                    out.printf(
                            "territory: %s still running %d s after SIGTERM; killed%n",
                            e.getKey(), SERVICE_GRACE.toSeconds());
                    e.getValue().destroyForcibly();
                }
            }
            for (Map.Entry<String, Process> e : services) {
                awaitExit(e.getValue(), System.nanoTime() + TimeUnit.SECONDS.toNanos(2));
            }
            SERVICES.forEach(this::deletePid);
            if (b != null) {
                b.destroy();
                if (!awaitExit(b, System.nanoTime() + BROKER_GRACE.toNanos())) {
                    out.printf("territory: kafka still running %d s after SIGTERM; killed%n", BROKER_GRACE.toSeconds());
                    b.destroyForcibly();
                    awaitExit(b, System.nanoTime() + TimeUnit.SECONDS.toNanos(2));
                }
            }
            deletePid("kafka");
            deletePid("up");
            try {
                Files.deleteIfExists(state.resolve("run/stack.properties"));
            } catch (IOException ignored) {
                // best effort
            }
            releaseLock();
            out.printf("territory: stopped in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            out.flush();
        }

        private static boolean awaitExit(Process p, long deadline) {
            try {
                return p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !p.isAlive();
            }
        }

        private void releaseLock() {
            try {
                if (lock != null) {
                    // removed while still held, so that a stopped stack leaves no file behind
                    Files.deleteIfExists(state.resolve("run/up.lock"));
                    lock.release();
                }
                if (lockChannel != null) {
                    lockChannel.close();
                }
            } catch (IOException ignored) {
                // the OS releases it when this process exits
            }
            lock = null;
            lockChannel = null;
        }

        private void writePid(String name, Process p) throws IOException {
            Files.writeString(state.resolve("run/" + name + ".pid"), p.pid() + "\n");
        }

        private void deletePid(String name) {
            try {
                Files.deleteIfExists(state.resolve("run/" + name + ".pid"));
            } catch (IOException ignored) {
                // best effort
            }
        }

        private Path jar(String svc) {
            return home.resolve(svc).resolve("target/quarkus-app/quarkus-run.jar");
        }

        /** The classpath of this command (the cli jar and cli/target/lib), which holds the broker's jars. */
        private String cliClasspath() {
            String cp = System.getProperty("java.class.path");
            Path lib = home.resolve("cli/target/lib");
            if (Files.isDirectory(lib)) {
                cp = cp + java.io.File.pathSeparator + lib + "/*";
            }
            return cp;
        }

        private static String javaBin() {
            return ProcessHandle.current().info().command().orElse("java");
        }

        static boolean healthy(String baseUrl) {
            if (baseUrl == null) {
                return false;
            }
            try {
                HttpResponse<Void> r = HttpClient.newBuilder()
                        .connectTimeout(Duration.ofSeconds(2))
                        .build()
                        .send(
                                HttpRequest.newBuilder(URI.create(baseUrl + "/q/health/ready"))
                                        .timeout(Duration.ofSeconds(5))
                                        .build(),
                                HttpResponse.BodyHandlers.discarding());
                return r.statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        private static int freePort() throws IOException {
            try (ServerSocket s = new ServerSocket(0)) {
                return s.getLocalPort();
            }
        }

        private static boolean portFree(int port) {
            try (ServerSocket s = new ServerSocket(port)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        }
    }
}
