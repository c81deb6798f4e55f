package dev.territory.kafka.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * The Kafka security settings of every service, from the environment and mounted files
 * only, so that no credential is ever written into a properties file, a command line or a log:
 *
 * <table>
 *   <caption>environment</caption>
 *   <tr><td>{@code TERRITORY_KAFKA_SECURITY_PROTOCOL}</td><td>{@code PLAINTEXT} (default: nothing is set) or {@code SASL_SSL}</td></tr>
 *   <tr><td>{@code TERRITORY_KAFKA_SASL_MECHANISM}</td><td>default {@code SCRAM-SHA-512}</td></tr>
 *   <tr><td>{@code TERRITORY_KAFKA_USERNAME} or {@code TERRITORY_KAFKA_USERNAME_FILE}</td><td>SCRAM user</td></tr>
 *   <tr><td>{@code TERRITORY_KAFKA_PASSWORD} or {@code TERRITORY_KAFKA_PASSWORD_FILE}</td><td>its password (a file: e.g. a mounted Kubernetes secret; one trailing newline is dropped)</td></tr>
 *   <tr><td>{@code TERRITORY_KAFKA_TRUSTSTORE}</td><td>truststore file trusting the broker's certificate (absent: the JVM's default trust)</td></tr>
 *   <tr><td>{@code TERRITORY_KAFKA_TRUSTSTORE_TYPE}</td><td>default {@code PKCS12}</td></tr>
 *   <tr><td>{@code TERRITORY_KAFKA_TRUSTSTORE_PASSWORD} or {@code ..._FILE}</td><td>truststore password</td></tr>
 * </table>
 *
 * From them it builds {@code security.protocol}, {@code sasl.mechanism}, {@code sasl.jaas.config}
 * (ScramLoginModule with the username and password) and {@code ssl.truststore.*}, under both
 * {@code kafka.} (SmallRye Kafka channels, Quarkus' Kafka clients) and {@code kafka-streams.}
 * (the metrics service's Kafka Streams). Kafka prints {@code sasl.jaas.config} and passwords as
 * {@code [hidden]}. Ordinal 270: above application.properties, below the environment and system
 * properties (an operator may still override any single key).
 */
public final class KafkaSecurityConfigSource implements ConfigSource {

    public static final String PREFIX = "TERRITORY_KAFKA_";
    private static final String[] CLIENT_PREFIXES = {"kafka.", "kafka-streams."};

    private final Map<String, String> properties;

    public KafkaSecurityConfigSource() {
        this(System.getenv());
    }

    KafkaSecurityConfigSource(Map<String, String> env) {
        this.properties = Collections.unmodifiableMap(build(env));
    }

    /** The client properties (without prefix) the environment asks for; empty for PLAINTEXT. */
    public static Map<String, String> clientProperties(Map<String, String> env) {
        Map<String, String> out = new LinkedHashMap<>();
        String protocol =
                get(env, "SECURITY_PROTOCOL").orElse("PLAINTEXT").strip().toUpperCase(java.util.Locale.ROOT);
        if (protocol.equals("PLAINTEXT")) {
            return out;
        }
        if (!Set.of("SASL_SSL", "SASL_PLAINTEXT", "SSL").contains(protocol)) {
            throw new IllegalArgumentException(PREFIX + "SECURITY_PROTOCOL: unknown protocol '" + protocol
                    + "' (known: PLAINTEXT, SASL_SSL, SASL_PLAINTEXT, SSL)");
        }
        out.put("security.protocol", protocol);
        if (protocol.startsWith("SASL")) {
            String mechanism = get(env, "SASL_MECHANISM").orElse("SCRAM-SHA-512");
            if (!mechanism.startsWith("SCRAM-")) {
                throw new IllegalArgumentException(PREFIX
                        + "SASL_MECHANISM: only SCRAM-SHA-256 and SCRAM-SHA-512 are supported, got " + mechanism);
            }
            String user = secret(env, "USERNAME")
                    .orElseThrow(() -> new IllegalArgumentException("Kafka " + protocol + " needs a user: set " + PREFIX
                            + "USERNAME or " + PREFIX + "USERNAME_FILE"));
            String password = secret(env, "PASSWORD")
                    .orElseThrow(() -> new IllegalArgumentException("Kafka " + protocol + " needs a password: set "
                            + PREFIX + "PASSWORD or " + PREFIX + "PASSWORD_FILE"));
            out.put("sasl.mechanism", mechanism);
            out.put(
                    "sasl.jaas.config",
                    "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + jaas(user)
                            + "\" password=\"" + jaas(password) + "\";");
        }
        Optional<String> truststore = get(env, "TRUSTSTORE");
        if (truststore.isPresent()) {
            out.put("ssl.truststore.location", truststore.get());
            out.put("ssl.truststore.type", get(env, "TRUSTSTORE_TYPE").orElse("PKCS12"));
            secret(env, "TRUSTSTORE_PASSWORD").ifPresent(p -> out.put("ssl.truststore.password", p));
        }
        return out;
    }

    private static Map<String, String> build(Map<String, String> env) {
        Map<String, String> out = new LinkedHashMap<>();
        clientProperties(env).forEach((k, v) -> {
            for (String prefix : CLIENT_PREFIXES) {
                out.put(prefix + k, escapeExpressions(v));
            }
        });
        return out;
    }

    /** A value of the environment, or of the file its {@code _FILE} variable names. */
    static Optional<String> secret(Map<String, String> env, String name) {
        Optional<String> direct = get(env, name);
        if (direct.isPresent()) {
            return direct;
        }
        Optional<String> file = get(env, name + "_FILE");
        if (file.isEmpty()) {
            return Optional.empty();
        }
        try {
            String text = Files.readString(Path.of(file.get()), StandardCharsets.UTF_8);
            text = text.endsWith("\r\n")
                    ? text.substring(0, text.length() - 2)
                    : text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
            return Optional.of(text);
        } catch (IOException e) {
            // the message names the variable and the file, never the content
            throw new UncheckedIOException(
                    "cannot read " + PREFIX + name + "_FILE " + file.get() + ": " + e.getMessage(), e);
        }
    }

    private static Optional<String> get(Map<String, String> env, String name) {
        String v = env.get(PREFIX + name);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
    }

    /** JAAS quoted string: backslash and double quote escaped. */
    static String jaas(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** MicroProfile Config would expand {@code ${...}} inside a password: escape it. */
    static String escapeExpressions(String s) {
        return s.replace("$", "\\$");
    }

    @Override
    public Map<String, String> getProperties() {
        return properties;
    }

    @Override
    public Set<String> getPropertyNames() {
        return properties.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return properties.get(propertyName);
    }

    @Override
    public String getName() {
        return "territory-kafka-security (environment " + PREFIX + "*)";
    }

    @Override
    public int getOrdinal() {
        return 270;
    }
}
