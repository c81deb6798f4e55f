package dev.territory.kafka.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node Kafka (KRaft, broker and controller in one process) from Kafka's own jars,
 * for tests and the {@code territory up} launcher; no Docker needed.
 *
 * <p>The data directory is formatted only when it has no {@code meta.properties} (Kafka refuses a
 * new cluster id on an existing directory), so a broker restarted on the same directory keeps its
 * topics, committed offsets and transactions. The ports are remembered in
 * {@code territory-broker.properties} in the data directory and reused on restart. Internal topics
 * use replication factor 1 and min ISR 1, which a single node needs for consumer groups and
 * transactions; {@code group.initial.rebalance.delay.ms=0} so consumers start at once.
 */
public final class LocalKafka implements AutoCloseable {

    private static final String PORTS_FILE = "territory-broker.properties";
    private static volatile LocalKafka shared;

    private final Path dataDir;
    private final boolean deleteOnClose;
    private final int port;
    private final KafkaRaftServer server;

    private LocalKafka(Path dataDir, boolean deleteOnClose, int port, KafkaRaftServer server) {
        this.dataDir = dataDir;
        this.deleteOnClose = deleteOnClose;
        this.port = port;
        this.server = server;
    }

    /**
     * Starts a broker on {@code dataDir} (created and formatted if new).
     *
     * @param port the client port; 0 reuses the port this directory had, or picks a free one
     */
    public static LocalKafka start(Path dataDir, int port) {
        return start(dataDir, port, false);
    }

    /** A broker on a temporary directory and free ports, deleted on {@link #close()}. */
    public static LocalKafka startTemporary() {
        try {
            return start(Files.createTempDirectory("territory-kafka-"), 0, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for Kafka", e);
        }
    }

    /**
     * One broker per JVM, started on first use and stopped when the JVM exits: tests share it
     * (about 4 s to start) and tell their messages apart by run id.
     */
    public static synchronized LocalKafka shared() {
        if (shared == null) {
            LocalKafka kafka = startTemporary();
            Runtime.getRuntime().addShutdownHook(new Thread(kafka::close, "local-kafka-shutdown"));
            shared = kafka;
        }
        return shared;
    }

    private static LocalKafka start(Path dataDir, int requestedPort, boolean deleteOnClose) {
        try {
            Files.createDirectories(dataDir);
            Path logDir = dataDir.resolve("kraft-logs");
            Properties ports = loadPorts(dataDir);
            int port = requestedPort > 0
                    ? requestedPort
                    : Integer.parseInt(ports.getProperty("port", Integer.toString(freePort())));
            int controllerPort =
                    Integer.parseInt(ports.getProperty("controller.port", Integer.toString(freePort(port))));
            ports.setProperty("port", Integer.toString(port));
            ports.setProperty("controller.port", Integer.toString(controllerPort));
            try (OutputStream out = Files.newOutputStream(dataDir.resolve(PORTS_FILE))) {
                ports.store(out, "ports of the local Kafka broker on this directory");
            }

            Properties props = brokerProperties(logDir, port, controllerPort);
            Path serverProperties = dataDir.resolve("server.properties");
            try (OutputStream out = Files.newOutputStream(serverProperties)) {
                props.store(out, "written by LocalKafka");
            }
            if (!Files.exists(logDir.resolve("meta.properties"))) {
                format(serverProperties);
            }
            KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
            server.startup();
            LocalKafka kafka = new LocalKafka(dataDir, deleteOnClose, port, server);
            kafka.awaitReady(Duration.ofSeconds(60));
            return kafka;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Kafka on " + dataDir + ": " + e.getMessage(), e);
        }
    }

    static Properties brokerProperties(Path logDir, int port, int controllerPort) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        p.put("num.partitions", "1");
        // a single node: every internal topic has exactly one replica
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "5");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "true");
        return p;
    }

    private static void format(Path serverProperties) {
        String clusterId = org.apache.kafka.common.Uuid.randomUuid().toString();
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        int rc = StorageTool.execute(
                new String[] {"format", "-t", clusterId, "-c", serverProperties.toString(), "--ignore-formatted"},
                new PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        if (rc != 0) {
            throw new IllegalStateException("formatting Kafka storage failed (" + rc + "): " + captured);
        }
    }

    private void awaitReady(Duration timeout) {
        awaitReady(this::admin, port, timeout, this::close);
    }

    /**
     * Waits until a broker describes its cluster; when it doesn't within the timeout, calls
     * {@code closeOnFailure} and throws with the last error.
     */
    static void awaitReady(Supplier<Admin> admin, int port, Duration timeout, Runnable closeOnFailure) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try (Admin client = admin.get()) {
                client.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                return;
            } catch (Exception e) {
                last = e;
            }
        }
        closeOnFailure.run();
        throw new IllegalStateException(
                "Kafka on port " + port + " not ready within " + timeout.toSeconds() + " s", last);
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public Admin admin() {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                20_000));
    }

    /** Creates the topics that do not exist yet (name → partitions); existing ones are left as they are. */
    public void ensureTopics(Map<String, Integer> partitionsByTopic) {
        ensureTopics(bootstrapServers(), partitionsByTopic);
    }

    /** As {@link #ensureTopics(Map)}, against any broker. */
    public static void ensureTopics(String bootstrapServers, Map<String, Integer> partitionsByTopic) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = partitionsByTopic.entrySet().stream()
                    .filter(e -> !existing.contains(e.getKey()))
                    .map(e -> new NewTopic(e.getKey(), e.getValue(), (short) 1))
                    .collect(Collectors.toList());
            if (missing.isEmpty()) {
                return;
            }
            try {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(
                    "cannot create topics " + partitionsByTopic.keySet() + " on " + bootstrapServers + ": "
                            + e.getMessage(),
                    e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            if (deleteOnClose) {
                deleteRecursively(dataDir);
            }
        }
    }

    private static Properties loadPorts(Path dataDir) throws IOException {
        Properties ports = new Properties();
        Path file = dataDir.resolve(PORTS_FILE);
        if (Files.exists(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                ports.load(in);
            }
        }
        return ports;
    }

    static int freePort(int... avoid) throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            try (ServerSocket socket = new ServerSocket(0)) {
                int p = socket.getLocalPort();
                if (java.util.Arrays.stream(avoid).noneMatch(a -> a == p)) {
                    return p;
                }
            }
        }
        throw new IOException("no free port found");
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort for temporary directories
        }
    }

    /**
     * Runs a broker as its own process: {@code LocalKafka [--data-dir DIR] [--port N]}. Prints
     * {@code kafka ready <bootstrap servers>} once clients can connect; stops on SIGTERM/SIGINT.
     */
    public static void main(String[] args) throws InterruptedException {
        Path dir = Path.of(".territory", "kafka");
        int port = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--data-dir" -> dir = Path.of(args[++i]);
                case "--port" -> port = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println(
                            "usage: LocalKafka [--data-dir DIR] [--port N] (unknown argument " + args[i] + ")");
                    System.exit(2);
                }
            }
        }
        LocalKafka kafka = start(dir, port);
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::close, "local-kafka-shutdown"));
        System.out.println("kafka ready " + kafka.bootstrapServers());
        System.out.flush();
        Thread.currentThread().join();
    }
}
