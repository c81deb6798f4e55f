package dev.territory.kafka.test;

import dev.territory.contracts.Topics;
import dev.territory.kafka.local.LocalKafka;
import java.util.Map;
import java.util.stream.Collectors;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The one Kafka broker of a test JVM, shared by every test class (they tell their messages apart
 * by run id), with the contracts' topics.
 *
 * <p>With a Docker engine it is the Kafka image run by Testcontainers, the broker the services
 * meet in a deployment; without one, the in-JVM broker of {@link LocalKafka} (what
 * {@code territory up} runs), except under {@code CI=true}: CI always has Docker, so a missing
 * engine there is an error, not a silent change of broker. {@code TERRITORY_TEST_KAFKA=embedded}
 * asks for the in-JVM broker even where Docker runs.
 *
 * <p>Image: {@code TERRITORY_TEST_KAFKA_IMAGE}, else {@link #LOCAL_IMAGE} when the engine has it
 * (built by {@code deploy/local-images.sh} on machines without a registry), else
 * {@link #PUBLIC_IMAGE}. The container publishes its port on 127.0.0.1 only, and the test
 * connects there when the engine is local (a Unix socket).
 */
public final class TestKafka {
    public static final String PUBLIC_IMAGE = "apache/kafka:4.1.0";
    public static final String LOCAL_IMAGE = "local/kafka:4.1.2";

    private static final String SHARED_PROPERTY = "territory.test-kafka.bootstrap-servers";
    private static volatile String bootstrapServers;

    private TestKafka() {}

    /**
     * The shared broker's bootstrap servers; started (and the topics created) on first use. The
     * address is also kept in a system property because Quarkus loads test classes in a class
     * loader of its own: without it, plain and {@code @QuarkusTest} classes of one JVM would each
     * start a broker.
     */
    public static String bootstrapServers() {
        synchronized (System.class) {
            if (bootstrapServers == null) {
                String servers = System.getProperty(SHARED_PROPERTY);
                if (servers == null) {
                    servers =
                            useDocker() ? startContainer() : LocalKafka.shared().bootstrapServers();
                    System.setProperty(SHARED_PROPERTY, servers);
                }
                LocalKafka.ensureTopics(servers, topics());
                bootstrapServers = servers;
            }
            return bootstrapServers;
        }
    }

    private static boolean useDocker() {
        if ("embedded".equals(System.getenv("TERRITORY_TEST_KAFKA"))) {
            return false;
        }
        boolean docker = DockerClientFactory.instance().isDockerAvailable();
        if (!docker && "true".equals(System.getenv("CI"))) {
            throw new IllegalStateException(
                    "CI=true but no Docker engine answers: the Kafka integration tests run against the Kafka "
                            + "image through Testcontainers in CI (start dockerd, or run ./territory test, which does)");
        }
        if (!docker) {
            System.err.println("TestKafka: no Docker engine; the tests use the in-JVM broker");
        }
        return docker;
    }

    private static String startContainer() {
        String image = image();
        boolean localEngine = "unix"
                .equals(DockerClientFactory.instance()
                        .getTransportConfig()
                        .getDockerHost()
                        .getScheme());
        KafkaContainer kafka = new LoopbackKafkaContainer(
                DockerImageName.parse(image).asCompatibleSubstituteFor("apache/kafka"), localEngine);
        long t0 = System.nanoTime();
        kafka.start();
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::stop, "test-kafka-stop"));
        System.err.printf(
                "TestKafka: %s started by Testcontainers in %.1f s at %s%n",
                image, (System.nanoTime() - t0) / 1e9, kafka.getBootstrapServers());
        return kafka.getBootstrapServers();
    }

    private static String image() {
        String configured = System.getenv("TERRITORY_TEST_KAFKA_IMAGE");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        try {
            DockerClientFactory.instance().client().inspectImageCmd(LOCAL_IMAGE).exec();
            return LOCAL_IMAGE;
        } catch (RuntimeException absent) {
            return PUBLIC_IMAGE;
        }
    }

    /** Topic names and partitions of the contracts, as the services' tests need them. */
    public static Map<String, Integer> topics() {
        return Topics.ALL.stream().collect(Collectors.toMap(Topics.Spec::name, Topics.Spec::partitions));
    }
}
