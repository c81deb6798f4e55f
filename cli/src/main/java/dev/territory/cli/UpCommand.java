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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code territory up}: a local Kafka broker and the three services as child processes, supervised
 * as Kubernetes would (a service that dies is restarted), stopped together on SIGINT/SIGTERM.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Starts a local Kafka broker (KRaft) and the inference, metrics and report services; "
                + "prints a line with 'ready' once all are healthy; Ctrl-C stops everything.")
final class UpCommand implements Callable<Integer> {

    @Option(names = "--kafka-port", description = "Kafka client port (default: the port this checkout used before, else a free one)")
    int kafkaPort;

    @Option(names = "--report-port", description = "HTTP port of the report service (default ${DEFAULT-VALUE})", defaultValue = "8083")
    int reportPort;

    @Option(names = "--verbose", description = "print stack traces of errors")
    boolean verbose;

    /** Kafka's clients log every reconnect at INFO/WARN; a command's output should show the run, not them. */
    static void quietKafkaClients() {
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
    }

    @Override
    public Integer call() throws Exception {
        quietKafkaClients();
        Stack stack = Stack.start(Stack.home(), kafkaPort, reportPort, System.out);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stack.close();
            stopped.countDown();
        }, "territory-down"));
        stack.supervise();
        stopped.await();
        return 0;
    }

    /**
     * The running pieces: a broker process and three service processes, with their pids under
     * {@code .territory/run/} and their logs under {@code .territory/logs/}. {@code submit} finds
     * the broker and the report service through {@code .territory/run/stack.properties}.
     */
    static final class Stack implements AutoCloseable {

        static final List<String> SERVICES = List.of("inference-service", "metrics-service", "report-service");
        static final Duration START_TIMEOUT = Duration.ofMinutes(3);

        private final Path home;
        private final Path state;
        private final PrintStream out;
        private final Map<String, Integer> ports = new LinkedHashMap<>();
        private final Map<String, Process> processes = new LinkedHashMap<>();
        private volatile boolean closing;
        private Process broker;
        private String bootstrap;

        private Stack(Path home, Path state, PrintStream out) {
            this.home = home;
            this.state = state;
            this.out = out;
        }

        static Path home() {
            String h = System.getProperty("territory.home", System.getenv("TERRITORY_HOME"));
            return Path.of(h != null ? h : ".").toAbsolutePath().normalize();
        }

        static Path stackFile(Path home) {
            return home.resolve(".territory/run/stack.properties");
        }

        /** The connection facts of a running stack: {@code bootstrap.servers} and {@code report.url}, if one is up. */
        static Optional<Properties> running(Path home) {
            Path file = stackFile(home);
            if (!Files.isRegularFile(file)) {
                return Optional.empty();
            }
            Properties p = new Properties();
            try (InputStream in = Files.newInputStream(file)) {
                p.load(in);
            } catch (IOException e) {
                return Optional.empty();
            }
            return healthy(p.getProperty("report.url")) ? Optional.of(p) : Optional.empty();
        }

        static Stack start(Path home, int kafkaPort, int reportPort, PrintStream out) throws Exception {
            return start(home, home.resolve(".territory"), kafkaPort, reportPort, out);
        }

        /** A stack whose broker data, pids, logs and results live under {@code state} (tests use a temporary one). */
        static Stack start(Path home, Path state, int kafkaPort, int reportPort, PrintStream out) throws Exception {
            Stack stack = new Stack(home, state, out);
            try {
                stack.startAll(kafkaPort, reportPort);
            } catch (Exception e) {
                stack.close();
                throw e;
            }
            return stack;
        }

        /**
         * A broker alone, with the topics created; services are added with {@link #startAndAwait}
         * (the benchmarks fill a topic before the service that reads it starts).
         */
        static Stack startBroker(Path home, Path state, PrintStream out) throws Exception {
            Stack stack = new Stack(home, state, out);
            try {
                Files.createDirectories(state.resolve("run"));
                Files.createDirectories(state.resolve("logs"));
                stack.startBroker(0);
                LocalKafka.ensureTopics(stack.bootstrap,
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
                throw new IllegalStateException(jar(svc) + ": missing; build with mvn -B -DskipTests install (./territory does)");
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

        private void startAll(int kafkaPort, int reportPort) throws Exception {
            for (String svc : SERVICES) {
                Path jar = jar(svc);
                if (!Files.isRegularFile(jar)) {
                    throw new IllegalStateException(jar + ": missing; build with mvn -B -DskipTests install (./territory does)");
                }
            }
            Files.createDirectories(state.resolve("run"));
            Files.createDirectories(state.resolve("logs"));
            long t0 = System.nanoTime();
            startBroker(kafkaPort);
            LocalKafka.ensureTopics(bootstrap, Topics.ALL.stream().collect(Collectors.toMap(Topics.Spec::name, Topics.Spec::partitions)));
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
            p.setProperty("bootstrap.servers", bootstrap);
            p.setProperty("report.url", reportUrl());
            ports.forEach((svc, port) -> p.setProperty(svc + ".url", "http://127.0.0.1:" + port));
            try (OutputStream o = Files.newOutputStream(state.resolve("run/stack.properties"))) {
                p.store(o, "the stack started by territory up");
            }
            out.printf("territory: ready in %.1f s: kafka %s, report %s (logs in %s)%n", (System.nanoTime() - t0) / 1e9,
                    bootstrap, reportUrl(), state.resolve("logs"));
            out.flush();
        }

        private void startBroker(int kafkaPort) throws Exception {
            // the local broker shares 2 cores with the services: a throughput GC without G1's concurrent threads
            List<String> cmd = new ArrayList<>(List.of(javaBin(), "-Xmx512m", "-XX:+UseParallelGC", "-cp", cliClasspath(),
                    "dev.territory.kafka.local.LocalKafka", "--data-dir", state.resolve("kafka").toString()));
            if (kafkaPort > 0) {
                cmd.addAll(List.of("--port", Integer.toString(kafkaPort)));
            }
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            broker = pb.start();
            writePid("kafka", broker);
            BufferedReader reader = new BufferedReader(new InputStreamReader(broker.getInputStream(), StandardCharsets.UTF_8));
            Path log = state.resolve("logs/kafka.log");
            PrintStream logOut = new PrintStream(Files.newOutputStream(log), true, StandardCharsets.UTF_8);
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            String line;
            while ((line = reader.readLine()) != null) {
                logOut.println(line);
                if (line.startsWith("kafka ready ")) {
                    bootstrap = line.substring("kafka ready ".length()).trim();
                    break;
                }
                if (System.nanoTime() > deadline) {
                    break;
                }
            }
            if (bootstrap == null) {
                throw new IllegalStateException("Kafka did not start; see " + log);
            }
            Thread pump = new Thread(() -> {
                try {
                    reader.lines().forEach(logOut::println);
                } catch (UncheckedIOException ignored) {
                    // the broker exited
                }
            }, "kafka-log");
            pump.setDaemon(true);
            pump.start();
        }

        private void startService(String svc) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(javaBin(), "-Xmx" + (svc.equals("inference-service") ? "2g" : "512m"),
                    "-Dquarkus.http.port=" + ports.get(svc), "-Dkafka.bootstrap.servers=" + bootstrap));
            if (svc.equals("metrics-service")) {
                cmd.add("-Dkafka-streams.state.dir=" + state.resolve("metrics-state"));
                // throughput GC, as its Dockerfile: on 2 cores G1's concurrent work slows bench --metrics-vectors
                cmd.add("-XX:+UseParallelGC");
            }
            cmd.addAll(List.of("-jar", jar(svc).toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(state.resolve("logs/" + svc + ".log").toFile()));
            pb.environment().put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
            pb.environment().put("TERRITORY_RESULTS_DIR", state.resolve("results").toString());
            pb.environment().putIfAbsent("DJL_OFFLINE", "true");
            Process p = pb.start();
            processes.put(svc, p);
            writePid(svc, p);
        }

        private void awaitHealthy(String svc, long deadline) throws InterruptedException {
            String url = "http://127.0.0.1:" + ports.get(svc);
            while (System.nanoTime() < deadline) {
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

        Path stateDir() {
            return state;
        }

        /** Restarts any service that exits, until the stack is closed (what a Deployment's controller does). */
        void supervise() throws InterruptedException {
            while (!closing) {
                for (String svc : SERVICES) {
                    Process p = processes.get(svc);
                    if (!closing && p != null && !p.isAlive()) {
                        out.printf("territory: %s exited with %d; restarting%n", svc, p.exitValue());
                        try {
                            startService(svc);
                            awaitHealthy(svc, System.nanoTime() + START_TIMEOUT.toNanos());
                            out.printf("territory: %s ready again%n", svc);
                        } catch (IOException | RuntimeException e) {
                            out.printf("territory: cannot restart %s: %s%n", svc, e.getMessage());
                        }
                    }
                }
                if (!closing && broker != null && !broker.isAlive()) {
                    out.println("territory: kafka exited; stopping");
                    break;
                }
                Thread.sleep(500);
            }
        }

        @Override
        public synchronized void close() {
            if (closing && processes.isEmpty() && broker == null) {
                return;
            }
            closing = true;
            // SIGTERM to every service at once (each shuts down cleanly in parallel), then wait for each
            List<Process> stopping = new ArrayList<>(processes.values());
            stopping.forEach(Process::destroy);
            stopping.forEach(UpCommand.Stack::stop);
            processes.clear();
            SERVICES.forEach(this::deletePid);
            if (broker != null) {
                stop(broker);
                broker = null;
            }
            deletePid("kafka");
            try {
                Files.deleteIfExists(state.resolve("run/stack.properties"));
            } catch (IOException ignored) {
                // best effort
            }
            out.println("territory: stopped");
            out.flush();
        }

        private static void stop(Process p) {
            p.destroy(); // SIGTERM: Quarkus and the broker shut down cleanly
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
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
                HttpResponse<Void> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build().send(
                        HttpRequest.newBuilder(URI.create(baseUrl + "/q/health/ready")).timeout(Duration.ofSeconds(5)).build(),
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
