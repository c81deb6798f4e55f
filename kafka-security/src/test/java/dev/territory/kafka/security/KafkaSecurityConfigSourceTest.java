package dev.territory.kafka.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaSecurityConfigSourceTest {

    @Test
    void plaintextSetsNothing() {
        assertThat(new KafkaSecurityConfigSource(Map.of()).getProperties()).isEmpty();
        assertThat(new KafkaSecurityConfigSource(Map.of("TERRITORY_KAFKA_SECURITY_PROTOCOL", "plaintext"))
                        .getProperties())
                .isEmpty();
    }

    @Test
    void saslSslFromEnvironmentAndMountedFiles(@TempDir Path dir) throws Exception {
        Path password = Files.writeString(dir.resolve("password"), "pa\"ss$word\n");
        Map<String, String> p = new KafkaSecurityConfigSource(Map.of(
                        "TERRITORY_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                        "TERRITORY_KAFKA_USERNAME", "territory",
                        "TERRITORY_KAFKA_PASSWORD_FILE", password.toString(),
                        "TERRITORY_KAFKA_TRUSTSTORE", "/etc/kafka/truststore.p12",
                        "TERRITORY_KAFKA_TRUSTSTORE_PASSWORD", "changeit"))
                .getProperties();
        for (String prefix : new String[] {"kafka.", "kafka-streams."}) {
            assertThat(p)
                    .containsEntry(prefix + "security.protocol", "SASL_SSL")
                    .containsEntry(prefix + "sasl.mechanism", "SCRAM-SHA-512")
                    .containsEntry(
                            prefix + "sasl.jaas.config",
                            "org.apache.kafka.common.security.scram.ScramLoginModule required"
                                    + " username=\"territory\" password=\"pa\\\"ss\\$word\";")
                    .containsEntry(prefix + "ssl.truststore.location", "/etc/kafka/truststore.p12")
                    .containsEntry(prefix + "ssl.truststore.type", "PKCS12")
                    .containsEntry(prefix + "ssl.truststore.password", "changeit");
        }
    }

    @Test
    void missingCredentialsAndUnknownProtocolsAreNamed(@TempDir Path dir) {
        assertThatThrownBy(() -> new KafkaSecurityConfigSource(
                        Map.of("TERRITORY_KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "TERRITORY_KAFKA_USERNAME", "u")))
                .hasMessage(
                        "Kafka SASL_SSL needs a password: set TERRITORY_KAFKA_PASSWORD or TERRITORY_KAFKA_PASSWORD_FILE");
        assertThatThrownBy(() -> new KafkaSecurityConfigSource(Map.of("TERRITORY_KAFKA_SECURITY_PROTOCOL", "KERBEROS")))
                .hasMessageContaining("unknown protocol 'KERBEROS'");
        Path missing = dir.resolve("nope");
        assertThatThrownBy(() -> new KafkaSecurityConfigSource(Map.of(
                        "TERRITORY_KAFKA_SECURITY_PROTOCOL",
                        "SASL_SSL",
                        "TERRITORY_KAFKA_USERNAME",
                        "u",
                        "TERRITORY_KAFKA_PASSWORD_FILE",
                        missing.toString())))
                .hasMessageStartingWith("cannot read TERRITORY_KAFKA_PASSWORD_FILE " + missing);
    }
}
