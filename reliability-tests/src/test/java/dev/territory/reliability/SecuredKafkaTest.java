package dev.territory.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.territory.contracts.Topics;
import dev.territory.kafka.local.LocalKafkaOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Access and secrets: the three services on a broker whose client listener is SASL_SSL
 * with SCRAM-SHA-512 (LocalKafkaOptions, keytool certificate), configured per service from the
 * environment and a mounted password file (kafka-security's TERRITORY_KAFKA_*); a known fake
 * HF_TOKEN and the SASL password must appear in no log and no file of the run; a wrong password
 * fails within seconds with a message naming authentication.
 */
@Tag("slow")
@Order(50)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecuredKafkaTest {

    static final String USER = "territory-svc";
    static final String PASSWORD = "scram-pw-" + UUID.randomUUID();
    static final String HF_TOKEN = "hf_fake" + UUID.randomUUID().toString().replace("-", "");
    static Pipeline p;

    @BeforeAll
    static void start() throws Exception {
        p = Pipeline.separate("sasl", new LocalKafkaOptions().scramUser(USER, PASSWORD));
        Path secrets = Files.createDirectories(p.root.resolve("secrets"));
        Path passwordFile = Files.writeString(secrets.resolve("kafka-password"), PASSWORD + "\n");
        p.serviceEnv.put("TERRITORY_KAFKA_SECURITY_PROTOCOL", "SASL_SSL");
        p.serviceEnv.put("TERRITORY_KAFKA_USERNAME", USER);
        p.serviceEnv.put("TERRITORY_KAFKA_TRUSTSTORE", p.broker.truststore().toString());
        p.serviceEnv.put("TERRITORY_KAFKA_TRUSTSTORE_PASSWORD", p.broker.truststorePassword());
        p.serviceEnv.put("HF_TOKEN", HF_TOKEN);
        // the password: a mounted file for two services, the environment for the third
        p.start(
                Pipeline.INFERENCE,
                Pipeline.INFERENCE,
                Map.of("TERRITORY_KAFKA_PASSWORD_FILE", passwordFile.toString()));
        p.start(Pipeline.METRICS, Pipeline.METRICS, Map.of("TERRITORY_KAFKA_PASSWORD_FILE", passwordFile.toString()));
        p.start(Pipeline.REPORT, Pipeline.REPORT, Map.of("TERRITORY_KAFKA_PASSWORD", PASSWORD));
        for (Pipeline.Service s : p.services()) {
            p.awaitReady(s);
        }
    }

    @AfterAll
    static void stop() {
        if (p != null) {
            p.close();
        }
    }

    @Test
    @Order(1)
    void aFixtureRunCompletesOverSaslSslAndNoSecretIsWrittenAnywhere() throws Exception {
        String runId = "sasl-run";
        Path base = p.fixture("llama3-gqa-base");
        Path instruct = p.fixture("llama3-gqa-instruct");
        p.events.send(Topics.RUNS_REQUESTED, runId, Requests.bytes(Requests.cheap(runId, base, instruct)));
        EventLog.Rec outcome = p.events.awaitOutcome(runId, Duration.ofMinutes(3));
        assertThat(outcome.topic()).as(outcome.toString()).isEqualTo(Topics.RUNS_COMPLETED);
        assertThat(p.results.resolve(runId).resolve("results.json")).isRegularFile();
        // the services' clients really went through SASL_SSL: the broker's client listener is only that
        assertThat(p.broker.secured()).isTrue();

        List<Path> searched = new ArrayList<>();
        try (Stream<Path> logs = Files.list(p.logs);
                Stream<Path> run = Files.walk(p.results.resolve(runId))) {
            searched.addAll(logs.toList());
            searched.addAll(run.filter(Files::isRegularFile).toList());
        }
        assertThat(searched).hasSizeGreaterThanOrEqualTo(4);
        for (Path f : searched) {
            String text = new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertThat(text).as(f.toString()).doesNotContain(PASSWORD).doesNotContain(HF_TOKEN);
        }
        ReliabilityTable.record(
                "access",
                "the pipeline on a SASL_SSL broker (SCRAM-SHA-512, keytool certificate); user, password"
                        + " (mounted file or environment) and truststore from TERRITORY_KAFKA_*; fake HF_TOKEN in every service's environment",
                "fixture run COMPLETED; neither the SASL password nor the HF token appears in any service log or file of the run");
        System.out.println("secrets: " + searched.size() + " files searched");
    }

    @Test
    @Order(2)
    void aWrongPasswordFailsWithinSecondsNamingAuthentication() throws Exception {
        long start = System.nanoTime();
        Pipeline.Service wrong = p.start(
                Pipeline.REPORT, "report-wrong-password", Map.of("TERRITORY_KAFKA_PASSWORD", "not-the-password"));
        String line = null;
        try {
            long deadline = start + Duration.ofSeconds(60).toNanos();
            while (line == null && System.nanoTime() < deadline) {
                line = wrong.logText()
                        .lines()
                        .filter(l -> l.contains("Authentication failed"))
                        .findFirst()
                        .orElse(null);
                Pipeline.sleep(200);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(line).as("log of " + wrong.instance).isNotNull();
            assertThat(line).contains("SCRAM-SHA-512");
            // once its HTTP server is up, readiness says DOWN (and stays so)
            while (p.status(wrong.url() + "/q/health/ready") == -1 && System.nanoTime() < deadline) {
                Pipeline.sleep(200);
            }
            assertThat(p.status(wrong.url() + "/q/health/ready"))
                    .as("readiness of a service that cannot authenticate")
                    .isEqualTo(503);
            Pipeline.sleep(3000);
            assertThat(p.status(wrong.url() + "/q/health/ready")).isEqualTo(503);
            assertThat(wrong.logText()).doesNotContain(PASSWORD).doesNotContain("not-the-password");
            assertThat(seconds)
                    .as("seconds from the process start to the authentication error")
                    .isLessThan(30);
            System.out.printf("wrong password: authentication error %.1f s after the process start%n", seconds);
            ReliabilityTable.record(
                    "access",
                    "report-service started with a wrong SASL password",
                    "fails within 30 s of the process start (JVM start included), not ready, log: "
                            + line.substring(line.indexOf("Authentication failed"))
                                    .replaceAll("\\s+$", ""));
        } finally {
            p.remove(wrong);
        }
    }
}
