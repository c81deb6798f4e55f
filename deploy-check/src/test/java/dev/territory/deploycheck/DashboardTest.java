package dev.territory.deploycheck;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The Grafana dashboard: stable uid, provisioned datasource, and only documented metric names. */
class DashboardTest {
    static final String DASHBOARD = "deploy/grafana/dashboards/territory.json";
    /** Links in docs and bookmarks use this uid; changing it breaks them. */
    static final String UID = "territory-overview";

    private static final Pattern METRIC = Pattern.compile("\\b((?:territory|kafka)_[a-zA-Z0-9_]+)");
    private static final Pattern QUOTED = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");

    /** Every PromQL expression of the dashboard (panels and variables). */
    static List<String> expressions() {
        JsonNode d = Repo.json(DASHBOARD);
        List<String> out = new ArrayList<>();
        for (JsonNode p : d.path("panels")) {
            for (JsonNode t : p.path("targets")) {
                out.add(t.path("expr").asText());
            }
        }
        for (JsonNode v : d.path("templating").path("list")) {
            out.add(v.path("query").path("query").asText(v.path("query").asText()));
        }
        return out;
    }

    /** Metric names used by the dashboard, as written (with histogram suffixes). */
    static Set<String> metricNames() {
        Set<String> out = new TreeSet<>();
        for (String expr : expressions()) {
            Matcher m = METRIC.matcher(QUOTED.matcher(expr).replaceAll("\"\""));
            while (m.find()) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    /** A series name reduced to its metric family: histogram/summary/timer suffixes stripped. */
    static String family(String name) {
        return name.replaceAll("_(bucket|count|sum|max)$", "");
    }

    @Test
    void hasTheStableUidAndTheProvisionedDatasource() {
        JsonNode d = Repo.json(DASHBOARD);
        assertThat(d.path("uid").asText()).isEqualTo(UID);
        assertThat(d.path("title").asText()).isEqualTo("Territory");
        String dsUid = Repo.yaml("deploy/grafana/provisioning/datasources/prometheus.yml")
                .path("datasources")
                .get(0)
                .path("uid")
                .asText();
        Set<Integer> ids = new HashSet<>();
        for (JsonNode p : d.path("panels")) {
            assertThat(ids.add(p.path("id").asInt()))
                    .as("panel id %s unique", p.path("id"))
                    .isTrue();
            if (!p.path("type").asText().equals("row")) {
                assertThat(p.path("datasource").path("uid").asText())
                        .as(p.path("title").asText())
                        .isEqualTo(dsUid);
                assertThat(p.path("targets").size())
                        .as(p.path("title").asText())
                        .isPositive();
                for (JsonNode t : p.path("targets")) {
                    assertThat(t.path("expr").asText())
                            .as(p.path("title").asText())
                            .isNotBlank();
                }
            }
        }
    }

    @Test
    void showsRunsProgressThroughputLatencyLagAndFailures() {
        List<String> exprs = expressions();
        assertThat(exprs)
                .anyMatch(
                        e -> e.contains("territory_run_prompts_done") && e.contains("territory_run_prompts_expected"));
        assertThat(exprs).anyMatch(e -> e.contains("territory_runs_total"));
        assertThat(exprs).anyMatch(e -> e.contains("rate(territory_forward_tokens_total"));
        assertThat(exprs)
                .anyMatch(e ->
                        e.startsWith("histogram_quantile(0.99") && e.contains("territory_forward_pass_seconds_bucket"));
        assertThat(exprs).anyMatch(e -> e.contains("kafka_consumer_fetch_manager_records_lag_max"));
        assertThat(exprs).anyMatch(e -> e.contains("territory_dead_letter_messages_total"));
        assertThat(exprs).anyMatch(e -> e.contains("state=\"failed\""));
        // the progress query the Prometheus scrape check runs is the one documented and shown
        String progress = ScrapeCheckScript.progressQuery();
        assertThat(Repo.read("docs/metrics.md")).contains(progress);
    }

    @Test
    void everyMetricInTheQueriesIsDocumented() {
        Set<String> documented = MetricsDoc.names();
        Set<String> used = metricNames();
        assertThat(used).hasSizeGreaterThan(10);
        List<String> undocumented = used.stream()
                .filter(n -> !documented.contains(family(n)) && !documented.contains(n))
                .toList();
        assertThat(undocumented)
                .as("dashboard metrics missing from docs/metrics.md")
                .isEmpty();
        // histogram_quantile only over metrics documented as histograms
        for (String e : expressions()) {
            Matcher m = Pattern.compile("histogram_quantile\\([^,]+,.*?\\b(territory_[a-z_]+)_bucket")
                    .matcher(e);
            while (m.find()) {
                assertThat(MetricsDoc.histograms())
                        .as("%s has buckets", m.group(1))
                        .contains(m.group(1));
            }
        }
    }
}
