package dev.territory.deploycheck;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.territory.contracts.Topics;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docker-compose.yml, the Prometheus scrape config and Grafana provisioning fit the dashboard. */
class ComposeTest {
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Z0-9_]+):-([^}]*)}");

    /** docker-compose.yml as compose reads it with none of its variables set: each {@code ${VAR:-default}} is its default. */
    static JsonNode compose() {
        String text =
                VARIABLE.matcher(Repo.read("docker-compose.yml")).replaceAll(m -> Matcher.quoteReplacement(m.group(2)));
        try {
            return Repo.YAML.readTree(text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("docker-compose.yml: not valid YAML: " + e.getMessage(), e);
        }
    }

    /** The variables docker-compose.yml reads, with their defaults. */
    static Map<String, String> variables() {
        Map<String, String> out = new TreeMap<>();
        Matcher m = VARIABLE.matcher(Repo.read("docker-compose.yml"));
        while (m.find()) {
            String previous = out.put(m.group(1), m.group(2));
            assertThat(previous == null || previous.equals(m.group(2)))
                    .as("one default for %s", m.group(1))
                    .isTrue();
        }
        return out;
    }

    /** The services the dashboard's metrics come from (docs/metrics.md's service column; kafka_*: all). */
    static Set<String> servicesTheDashboardNeeds() {
        Map<String, Set<String>> byMetric = MetricsDoc.services();
        Set<String> out = new TreeSet<>();
        for (String name : DashboardTest.metricNames()) {
            if (name.startsWith("kafka_")) {
                out.addAll(ManifestTest.SERVICES);
            } else {
                Set<String> s = byMetric.get(DashboardTest.family(name));
                assertThat(s).as("service of %s in docs/metrics.md", name).isNotNull();
                out.addAll(s);
            }
        }
        return out;
    }

    @Test
    void composeNamesEveryServiceTheDashboardNeedsAndThePrometheusJobsScrapeThem() {
        JsonNode services = compose().path("services");
        Set<String> needed = servicesTheDashboardNeeds();
        assertThat(needed).containsExactlyInAnyOrderElementsOf(ManifestTest.SERVICES);
        for (String s : needed) {
            assertThat(services.has(s)).as("compose service %s", s).isTrue();
        }
        assertThat(services.has("kafka") && services.has("prometheus") && services.has("grafana"))
                .isTrue();

        JsonNode prom = Repo.yaml("deploy/prometheus/prometheus.yml");
        Map<String, JsonNode> jobs = new TreeMap<>();
        prom.path("scrape_configs").forEach(j -> jobs.put(j.path("job_name").asText(), j));
        for (String s : needed) {
            JsonNode job = jobs.get(s);
            assertThat(job).as("Prometheus job %s", s).isNotNull();
            assertThat(job.path("metrics_path").asText()).isEqualTo("/q/metrics");
            String target =
                    job.path("static_configs").get(0).path("targets").get(0).asText();
            assertThat(target).isEqualTo(s + ":8080");
            assertThat(services.path(s)
                            .path("environment")
                            .path("QUARKUS_HTTP_PORT")
                            .asText())
                    .isEqualTo("8080");
        }
        // compose mounts exactly this scrape config
        assertThat(services.path("prometheus").path("volumes").toString())
                .contains("./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml");
    }

    @Test
    void kafkaIsASingleKraftNodeAndTheTopicsMatchTheContracts() {
        JsonNode services = compose().path("services");
        JsonNode kafka = services.path("kafka");
        assertThat(kafka.path("image").asText()).startsWith("apache/kafka:");
        assertThat(services.path("kafka-topics").path("image").asText())
                .isEqualTo(kafka.path("image").asText());
        // a killed broker restarts on its volume, where its log directory is
        assertThat(kafka.path("restart").asText()).isEqualTo("unless-stopped");
        assertThat(kafka.path("environment").path("KAFKA_LOG_DIRS").asText()).isEqualTo("/var/lib/kafka/data");
        assertThat(kafka.path("volumes").get(0).asText()).isEqualTo("kafka-data:/var/lib/kafka/data");
        assertThat(compose().path("volumes").has("kafka-data")).isTrue();
        assertThat(kafka.path("environment").path("KAFKA_PROCESS_ROLES").asText())
                .isEqualTo("broker,controller");
        assertThat(kafka.path("environment").has("KAFKA_CONTROLLER_QUORUM_VOTERS"))
                .isTrue();
        String bootstrap = services.path("inference-service")
                .path("environment")
                .path("KAFKA_BOOTSTRAP_SERVERS")
                .asText();
        assertThat(kafka.path("environment").path("KAFKA_ADVERTISED_LISTENERS").asText())
                .contains("kafka:" + bootstrap.split(":")[1]);

        Map<String, Integer> created = new TreeMap<>();
        Matcher m = Pattern.compile("(territory\\.[a-z.-]+):(\\d+)")
                .matcher(services.path("kafka-topics").path("command").toString());
        while (m.find()) {
            created.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        Map<String, Integer> expected = new TreeMap<>();
        Topics.ALL.forEach(t -> expected.put(t.name(), t.partitions()));
        assertThat(created).isEqualTo(expected);
    }

    @Test
    void everyPortIsPublishedOnLoopbackOnlyAndTheDefaultsAreTheDocumentedOnes() {
        JsonNode services = compose().path("services");
        Map<String, String> published = new TreeMap<>();
        services.fields()
                .forEachRemaining(e -> e.getValue().path("ports").forEach(p -> published.put(e.getKey(), p.asText())));
        assertThat(published)
                .containsOnly(
                        Map.entry("kafka", "127.0.0.1:9092:9092"),
                        Map.entry("inference-service", "127.0.0.1:8081:8080"),
                        Map.entry("metrics-service", "127.0.0.1:8082:8080"),
                        Map.entry("report-service", "127.0.0.1:8083:8080"),
                        Map.entry("prometheus", "127.0.0.1:9090:9090"),
                        Map.entry("grafana", "127.0.0.1:3000:3000"));
        // the port a host client is told to use is the published one, whatever TERRITORY_KAFKA_PORT is
        assertThat(Repo.read("docker-compose.yml")).contains("EXTERNAL://localhost:${TERRITORY_KAFKA_PORT:-9092}");
        // the images' defaults are the public ones (deploy/local-images.sh's local stand-ins only by override)
        assertThat(variables())
                .containsEntry("TERRITORY_KAFKA_IMAGE", "apache/kafka:4.1.0")
                .containsEntry("TERRITORY_PROMETHEUS_IMAGE", "prom/prometheus:v2.55.1");
        services.fields().forEachRemaining(e -> {
            String image = e.getValue().path("image").asText();
            assertThat(image).as("image of %s", e.getKey()).doesNotStartWith("local/");
        });
    }

    @Test
    void imagesBuildFromTheServiceDockerfilesAndGrafanaIsProvisioned() {
        JsonNode services = compose().path("services");
        for (String s : ManifestTest.SERVICES) {
            JsonNode build = services.path(s).path("build");
            String dockerfile = build.path("dockerfile").asText();
            assertThat(dockerfile).isEqualTo("deploy/docker/" + s + "/Dockerfile");
            String text = Repo.read(dockerfile);
            assertThat(text).contains("COPY --chown=1001:1001 " + s + "/target/quarkus-app/ /deployments/");
            assertThat(text).contains("EXPOSE 8080");
        }
        String inference = Repo.read("deploy/docker/inference-service/Dockerfile");
        assertThat(inference)
                .contains("ARG RUNTIME_IMAGE=nvidia/cuda:")
                .contains("PYTORCH_FLAVOR")
                .contains("PYTORCH_VERSION");
        assertThat(Files.isRegularFile(Repo.path("deploy/docker/inference-service/FetchLibtorch.java")))
                .isTrue();

        JsonNode grafana = services.path("grafana");
        List<String> mounts = new ArrayList<>();
        grafana.path("volumes").forEach(v -> mounts.add(v.asText()));
        String dashboardsPath = Repo.yaml("deploy/grafana/provisioning/dashboards/territory.yml")
                .path("providers")
                .get(0)
                .path("options")
                .path("path")
                .asText();
        assertThat(mounts).contains("./deploy/grafana/dashboards:" + dashboardsPath + ":ro");
        assertThat(mounts)
                .anyMatch(v -> v.startsWith(
                        "./deploy/grafana/provisioning/datasources:/etc/grafana/provisioning/datasources"));
        assertThat(mounts)
                .anyMatch(v ->
                        v.startsWith("./deploy/grafana/provisioning/dashboards:/etc/grafana/provisioning/dashboards"));
        String dsUrl = Repo.yaml("deploy/grafana/provisioning/datasources/prometheus.yml")
                .path("datasources")
                .get(0)
                .path("url")
                .asText();
        assertThat(dsUrl).isEqualTo("http://prometheus:9090");
        assertThat(grafana.path("environment")
                        .path("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH")
                        .asText())
                .isEqualTo(dashboardsPath + "/territory.json");
    }
}
