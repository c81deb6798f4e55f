package dev.territory.kafka.local;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.utils.Time;

/**
 * A {@link LocalKafka}-style single-node KRaft broker with options the plain one does not have
 * for the reliability tests: an advertised port other than the listening one (a TCP proxy in front of the broker
 * for outage tests), and a {@code SASL_SSL} client listener with SCRAM users (a self-signed
 * certificate made with the JDK's {@code keytool}). Broker defaults are {@link LocalKafka}'s.
 *
 * <pre>
 * try (LocalKafkaOptions.Broker kafka = new LocalKafkaOptions().dataDir(dir).advertisedPort(proxyPort).start()) { ... }
 * </pre>
 */
public final class LocalKafkaOptions {

    /** The SCRAM mechanism the secured listener offers. */
    public static final String SCRAM_MECHANISM = "SCRAM-SHA-512";

    private Path dataDir;
    private int advertisedPort;
    private final Map<String, String> scramUsers = new LinkedHashMap<>();

    /** Where the broker keeps its logs (required; formatted when new). */
    public LocalKafkaOptions dataDir(Path dir) {
        this.dataDir = dir;
        return this;
    }

    /** The port clients are told to connect to (e.g. a proxy's); 0 = the listening port. */
    public LocalKafkaOptions advertisedPort(int p) {
        this.advertisedPort = p;
        return this;
    }

    /**
     * Makes the client listener {@code SASL_SSL} with {@link #SCRAM_MECHANISM} and adds this user
     * (the broker itself talks to itself over a PLAINTEXT inter-broker listener on another port).
     */
    public LocalKafkaOptions scramUser(String user, String password) {
        scramUsers.put(user, password);
        return this;
    }

    public Broker start() {
        if (dataDir == null) {
            throw new IllegalArgumentException("LocalKafkaOptions: dataDir is required");
        }
        try {
            Files.createDirectories(dataDir);
            Path logDir = dataDir.resolve("kraft-logs");
            int clientPort = LocalKafka.freePort();
            int controllerPort = LocalKafka.freePort(clientPort);
            int advertised = advertisedPort > 0 ? advertisedPort : clientPort;
            Properties props = LocalKafka.brokerProperties(logDir, clientPort, controllerPort);
            Path truststore = null;
            String storePassword = null;
            // INTERNAL: inter-broker traffic and direct clients (metadata on a listener names that listener's
            // addresses, so direct clients never go through a proxy that fronts the client listener)
            int internalPort = LocalKafka.freePort(clientPort, controllerPort);
            String client = scramUsers.isEmpty() ? "PLAINTEXT" : "SASL_SSL";
            props.put(
                    "listeners",
                    client + "://127.0.0.1:" + clientPort + ",INTERNAL://127.0.0.1:" + internalPort
                            + ",CONTROLLER://127.0.0.1:" + controllerPort);
            props.put(
                    "advertised.listeners",
                    client + "://127.0.0.1:" + advertised + ",INTERNAL://127.0.0.1:" + internalPort);
            props.put("inter.broker.listener.name", "INTERNAL");
            props.put(
                    "listener.security.protocol.map",
                    client + ":" + client + ",INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT");
            if (!scramUsers.isEmpty()) {
                storePassword = "territory-" + Long.toHexString(Double.doubleToLongBits(Math.random()));
                Path keystore = dataDir.resolve("broker.p12");
                truststore = dataDir.resolve("truststore.p12");
                makeCertificates(keystore, truststore, storePassword);
                props.put("sasl.enabled.mechanisms", SCRAM_MECHANISM);
                props.put("listener.name.sasl_ssl.sasl.enabled.mechanisms", SCRAM_MECHANISM);
                props.put(
                        "listener.name.sasl_ssl." + SCRAM_MECHANISM.toLowerCase() + ".sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required;");
                props.put("ssl.keystore.type", "PKCS12");
                props.put("ssl.keystore.location", keystore.toString());
                props.put("ssl.keystore.password", storePassword);
                props.put("ssl.key.password", storePassword);
                props.put("ssl.endpoint.identification.algorithm", "");
            }
            Path serverProperties = dataDir.resolve("server.properties");
            try (OutputStream out = Files.newOutputStream(serverProperties)) {
                props.store(out, "written by LocalKafkaOptions");
            }
            if (!Files.exists(logDir.resolve("meta.properties"))) {
                format(serverProperties);
            }
            KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
            server.startup();
            Broker broker = new Broker(server, clientPort, advertised, internalPort, truststore, storePassword);
            broker.awaitReady(Duration.ofSeconds(60));
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Kafka on " + dataDir + ": " + e.getMessage(), e);
        }
    }

    private void format(Path serverProperties) {
        List<String> args = new ArrayList<>(List.of(
                "format",
                "-t",
                org.apache.kafka.common.Uuid.randomUuid().toString(),
                "-c",
                serverProperties.toString(),
                "--ignore-formatted"));
        scramUsers.forEach((user, password) -> args.addAll(
                List.of("--add-scram", SCRAM_MECHANISM + "=[name=" + user + ",password=" + password + "]")));
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int rc = StorageTool.execute(
                args.toArray(String[]::new), new PrintStream(captured, true, StandardCharsets.UTF_8));
        if (rc != 0) {
            // never echo the arguments: they hold the SCRAM passwords
            throw new IllegalStateException("formatting Kafka storage failed (" + rc + ")");
        }
    }

    /** A self-signed key pair for 127.0.0.1/localhost and a truststore holding its certificate. */
    private static void makeCertificates(Path keystore, Path truststore, String password) throws IOException {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Path cert = keystore.resolveSibling("broker.crt");
        run(List.of(
                keytool.toString(),
                "-genkeypair",
                "-alias",
                "broker",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-validity",
                "30",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=ip:127.0.0.1,dns:localhost",
                "-storetype",
                "PKCS12",
                "-keystore",
                keystore.toString(),
                "-storepass",
                password,
                "-keypass",
                password));
        run(List.of(
                keytool.toString(),
                "-exportcert",
                "-alias",
                "broker",
                "-keystore",
                keystore.toString(),
                "-storepass",
                password,
                "-file",
                cert.toString()));
        run(List.of(
                keytool.toString(),
                "-importcert",
                "-noprompt",
                "-alias",
                "broker",
                "-file",
                cert.toString(),
                "-storetype",
                "PKCS12",
                "-keystore",
                truststore.toString(),
                "-storepass",
                password));
    }

    private static void run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("keytool " + cmd.get(1) + " failed: " + out.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running keytool", e);
        }
    }

    /** The running broker. */
    public static final class Broker implements AutoCloseable {
        private final KafkaRaftServer server;
        private final int port;
        private final int advertisedPort;
        private final int internalPort;
        private final Path truststore;
        private final String truststorePassword;

        private Broker(
                KafkaRaftServer server,
                int port,
                int advertisedPort,
                int internalPort,
                Path truststore,
                String truststorePassword) {
            this.server = server;
            this.port = port;
            this.advertisedPort = advertisedPort;
            this.internalPort = internalPort;
            this.truststore = truststore;
            this.truststorePassword = truststorePassword;
        }

        /** The listening client port (a proxy forwards to it). */
        public int port() {
            return port;
        }

        /** What clients connect to: the advertised port. */
        public String bootstrapServers() {
            return "127.0.0.1:" + advertisedPort;
        }

        /** The broker's own PLAINTEXT listener, not behind any proxy and not secured (tests and set-up only). */
        public String directBootstrapServers() {
            return "127.0.0.1:" + internalPort;
        }

        public boolean secured() {
            return truststore != null;
        }

        /** The PKCS12 truststore that trusts the broker's certificate (secured brokers only). */
        public Path truststore() {
            return truststore;
        }

        public String truststorePassword() {
            return truststorePassword;
        }

        /** An admin client on the broker's direct (PLAINTEXT) listener. */
        public Admin admin() {
            return Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    directBootstrapServers(),
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                    10_000,
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                    20_000));
        }

        /** Creates missing topics through the direct listener. */
        public void ensureTopics(Map<String, Integer> partitionsByTopic) {
            LocalKafka.ensureTopics(directBootstrapServers(), partitionsByTopic);
        }

        private void awaitReady(Duration timeout) {
            LocalKafka.awaitReady(this::admin, port, timeout, this::close);
        }

        @Override
        public void close() {
            server.shutdown();
            server.awaitShutdown();
        }
    }
}
