package dev.territory.deploycheck;

import dev.territory.contracts.Channels;
import dev.territory.contracts.Topics;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the services' application.properties say about Kafka, as SmallRye Reactive Messaging
 * resolves it (production profile): consumer group and topic of a channel.
 */
final class ServiceConfig {
    /** The group.id the deployment expects while inference-service has no application.properties yet. */
    static final String DOCUMENTED_INFERENCE_GROUP = "territory-inference";

    private static final Pattern EXPR = Pattern.compile("\\$\\{([^:}]+)(?::([^}]*))?}");

    private final Properties props;
    private final String service;

    private ServiceConfig(String service, Properties props) {
        this.service = service;
        this.props = props;
    }

    /** The service's configuration, or null when it has no application.properties. */
    static ServiceConfig of(String service) {
        Properties p = Repo.applicationProperties(service);
        return p == null ? null : new ServiceConfig(service, p);
    }

    String get(String key) {
        String v = props.getProperty("%prod." + key, props.getProperty(key));
        if (v == null) {
            return null;
        }
        Matcher m = EXPR.matcher(v.trim());
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String env = System.getenv(m.group(1).toUpperCase().replaceAll("[^A-Z0-9]", "_"));
            String ref = props.getProperty(m.group(1));
            // the deployed value is the default unless the manifests set the variable; they don't
            String val = ref != null ? ref : m.group(2) != null ? m.group(2) : env;
            m.appendReplacement(sb, Matcher.quoteReplacement(val == null ? "" : val));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** The consumer group of an incoming channel, as SmallRye Kafka derives it. */
    String groupId(String channel) {
        for (String key : new String[] {
            "mp.messaging.incoming." + channel + ".group.id",
            "mp.messaging.connector.smallrye-kafka.group.id",
            "kafka.group.id",
            "quarkus.application.name"
        }) {
            String v = get(key);
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return service; // Quarkus' default application name: the artifactId
    }

    /** The topic of a channel (the channel name when not set). */
    String topic(String direction, String channel) {
        String v = get("mp.messaging." + direction + "." + channel + ".topic");
        return v == null ? channel : v;
    }

    /** Every topic any channel of this service is bound to (incoming and outgoing). */
    Map<String, String> channelTopics() {
        Map<String, String> out = new TreeMap<>();
        Pattern p = Pattern.compile("(?:%prod\\.)?mp\\.messaging\\.(incoming|outgoing)\\.([^.]+)\\.connector");
        for (String key : props.stringPropertyNames()) {
            Matcher m = p.matcher(key);
            if (m.matches()) {
                out.put(m.group(1) + ":" + m.group(2), topic(m.group(1), m.group(2)));
            }
            // the services' own topic settings (e.g. territory.metrics.topics.vectors, read by Kafka Streams)
            if (key.matches("(?:%prod\\.)?territory\\.[a-z-]+\\.topics\\.[a-z-]+")) {
                out.put(key, get(key.replaceFirst("^%prod\\.", "")));
            }
        }
        return out;
    }

    /** The inference consumer group the KEDA trigger must name. */
    static String inferenceGroup() {
        ServiceConfig c = of("inference-service");
        return c == null ? DOCUMENTED_INFERENCE_GROUP : c.groupId(Channels.MODEL_JOBS_IN);
    }

    /** The topic inference-service consumes model jobs from. */
    static String inferenceJobsTopic() {
        ServiceConfig c = of("inference-service");
        return c == null ? Topics.MODEL_JOBS : c.topic("incoming", Channels.MODEL_JOBS_IN);
    }
}
