package dev.territory.deploycheck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.territory.contracts.Role;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The services' telemetry classes (inference/metrics/report {@code telemetry/} packages), compiled
 * here from their sources against the same Micrometer Prometheus registry Quarkus uses, driven
 * through one simulated run, and scraped: the exposed names must be exactly docs/metrics.md's, and
 * must include every metric the dashboard queries. (The live version of this check, against the
 * running services, is deploy/prometheus/scrape-check.sh.)
 */
class TelemetryNamesTest {
    private static final Pattern SAMPLE =
            Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)", Pattern.MULTILINE);
    private static ClassLoader loader;
    private static final Map<String, String> SCRAPES = new TreeMap<>();

    @BeforeAll
    static void compileAndRunOnce(@TempDir Path out) throws Exception {
        List<File> sources = new ArrayList<>();
        for (String service : ManifestTest.SERVICES) {
            try (Stream<Path> s = Files.walk(Repo.path(service + "/src/main/java"))) {
                s.filter(p -> p.getParent().getFileName().toString().equals("telemetry")
                                && p.toString().endsWith(".java"))
                        .forEach(p -> sources.add(p.toFile()));
            }
        }
        assertThat(sources).hasSizeGreaterThanOrEqualTo(3);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(diagnostics, null, null)) {
            List<String> options =
                    List.of("-d", out.toString(), "-proc:none", "--release", "17", "-classpath", classpath());
            boolean ok = javac.getTask(null, fm, diagnostics, options, null, fm.getJavaFileObjectsFromFiles(sources))
                    .call();
            assertThat(ok)
                    .as("telemetry sources compile: %s", diagnostics.getDiagnostics())
                    .isTrue();
        }
        loader =
                new URLClassLoader(new java.net.URL[] {out.toUri().toURL()}, TelemetryNamesTest.class.getClassLoader());

        PrometheusMeterRegistry inference = registry();
        Object im = construct("dev.territory.inference.telemetry.InferenceMetrics", inference, 50);
        call(im, "runRequested", "r1");
        call(im, "jobStarted", "r1", Role.BASE);
        call(im, "modelLoaded", Role.BASE, Duration.ofMillis(1500), 123_456_789L);
        call(im, "expectPrompts", "r1", Role.BASE, 42, 10);
        call(im, "forwardPasses", Role.BASE, Duration.ofMillis(240), 3);
        call(im, "vectorPublished", "r1", Role.BASE, 42, 0, 128);
        call(im, "vectorPublished", "r1", Role.BASE, 42, 1, 128);
        call(im, "vectorPublished", "r1", Role.BASE, 42, 1, 128); // replayed: progress counts it once
        call(im, "deadLettered", "territory.model.jobs", "MALFORMED");
        call(im, "jobFinished", "r1", Role.BASE, true);
        SCRAPES.put("inference-service", inference.scrape());

        PrometheusMeterRegistry metrics = registry();
        Object am = construct("dev.territory.metrics.telemetry.AggregationMetrics", metrics, 50);
        call(am, "vectorAccepted", "r1", Role.BASE, 42);
        call(am, "vectorAccepted", "r1", Role.BASE, 42);
        call(am, "vectorDuplicate", "r1");
        call(am, "vectorRejected", "r1", "inconsistent head count");
        call(am, "aggregateCompleted", "r1", Role.BASE, "seed");
        SCRAPES.put("metrics-service", metrics.scrape());

        PrometheusMeterRegistry report = registry();
        Object rm = construct("dev.territory.report.telemetry.ReportMetrics", report);
        call(rm, "runCompleted", "r1", Duration.ofMinutes(3), Duration.ofMillis(200));
        call(rm, "runFailed", "r2");
        SCRAPES.put("report-service", report.scrape());
        // kept for looking at, and for trying deploy/prometheus/scrape-check.sh against a stand-in server
        Path dump = Path.of("target", "telemetry-scrapes");
        Files.createDirectories(dump);
        for (var e : SCRAPES.entrySet()) {
            Files.writeString(dump.resolve(e.getKey() + ".prom"), e.getValue());
        }
    }

    static String classpath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    static PrometheusMeterRegistry registry() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    static Object construct(String className, Object... args) throws Exception {
        Class<?> c = Class.forName(className, true, loader);
        for (Constructor<?> k : c.getConstructors()) {
            if (k.getParameterCount() == args.length) {
                return k.newInstance(args);
            }
        }
        throw new AssertionError(className + " has no public constructor with " + args.length + " parameters");
    }

    static Object call(Object target, String name, Object... args) throws Exception {
        for (Method m : target.getClass().getMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == args.length) {
                return m.invoke(target, args);
            }
        }
        throw new AssertionError(target.getClass().getSimpleName() + " has no method " + name + "/" + args.length);
    }

    /** Sample name -> label sets and values, of one scrape. */
    static List<String[]> samples(String scrape) {
        List<String[]> out = new ArrayList<>();
        Matcher m = SAMPLE.matcher(scrape);
        while (m.find()) {
            out.add(new String[] {m.group(1), m.group(2) == null ? "" : m.group(2), m.group(3)});
        }
        return out;
    }

    static Set<String> sampleNames(String scrape) {
        Set<String> out = new TreeSet<>();
        samples(scrape).forEach(s -> out.add(s[0]));
        return out;
    }

    static double value(String service, String name, String labels) {
        return samples(SCRAPES.get(service)).stream()
                .filter(s -> s[0].equals(name) && s[1].equals(labels))
                .mapToDouble(s -> Double.parseDouble(s[2]))
                .findFirst()
                .orElseThrow(() -> new AssertionError(service + " has no sample " + name + labels));
    }

    @Test
    void exposedNamesAreExactlyTheDocumentedOnesInTheDocumentedService() {
        Map<String, Set<String>> documented = MetricsDoc.services();
        Set<String> exposedFamilies = new TreeSet<>();
        for (var e : SCRAPES.entrySet()) {
            for (String name : sampleNames(e.getValue())) {
                String family = documented.containsKey(name) ? name : DashboardTest.family(name);
                assertThat(documented)
                        .as("%s exposes undocumented %s", e.getKey(), name)
                        .containsKey(family);
                assertThat(documented.get(family))
                        .as("docs/metrics.md service of %s", family)
                        .contains(e.getKey());
                exposedFamilies.add(family);
            }
        }
        assertThat(exposedFamilies)
                .as("documented metrics never exposed")
                .containsExactlyInAnyOrderElementsOf(documented.keySet());
    }

    @Test
    void everyTerritoryMetricTheDashboardQueriesIsInTheScrape() {
        Set<String> all = new TreeSet<>();
        SCRAPES.values().forEach(s -> all.addAll(sampleNames(s)));
        List<String> missing = DashboardTest.metricNames().stream()
                .filter(n -> n.startsWith("territory_"))
                .filter(n -> !all.contains(n))
                .toList();
        assertThat(missing).isEmpty();
    }

    @Test
    void namingRulesHold() {
        for (var e : SCRAPES.entrySet()) {
            Matcher types = Pattern.compile("(?m)^# TYPE (\\S+) (\\S+)$").matcher(e.getValue());
            while (types.find()) {
                if (types.group(2).equals("counter")) {
                    assertThat(types.group(1)).as("counter in %s", e.getKey()).endsWith("_total");
                }
                assertThat(types.group(1)).startsWith("territory_");
            }
            for (String[] s : samples(e.getValue())) {
                assertThat(s[1]).as("%s labels", s[0]).doesNotContain("prompt=");
            }
        }
        // the forward-pass timer publishes histogram buckets for histogram_quantile
        assertThat(sampleNames(SCRAPES.get("inference-service"))).contains("territory_forward_pass_seconds_bucket");
        assertThat(value("inference-service", "territory_model_load_size_bytes_sum", "{role=\"base\",}"))
                .isEqualTo(123_456_789.0);
        assertThat(value("inference-service", "territory_model_load_seconds_sum", "{role=\"base\",}"))
                .isEqualTo(1.5);
        assertThat(value("inference-service", "territory_forward_tokens_total", "{role=\"base\",}"))
                .isEqualTo(384.0);
        assertThat(value("inference-service", "territory_forward_pass_seconds_count", "{role=\"base\",}"))
                .isEqualTo(3.0);
        assertThat(value("inference-service", "territory_forward_pass_seconds_sum", "{role=\"base\",}"))
                .isCloseTo(0.24, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void progressCountsDistinctPromptsAndStateCountersCount() {
        String labels = "{role=\"base\",run=\"r1\",seed=\"42\",}";
        assertThat(value("inference-service", "territory_run_prompts_done", labels))
                .isEqualTo(2.0);
        assertThat(value("inference-service", "territory_run_prompts_expected", labels))
                .isEqualTo(10.0);
        assertThat(value("inference-service", "territory_runs_total", "{state=\"requested\",}"))
                .isEqualTo(1.0);
        assertThat(value("inference-service", "territory_model_jobs_total", "{outcome=\"succeeded\",}"))
                .isEqualTo(1.0);
        assertThat(value("inference-service", "territory_model_jobs_active", ""))
                .isEqualTo(0.0);
        assertThat(value(
                        "inference-service",
                        "territory_dead_letter_messages_total",
                        "{reason=\"malformed\",topic=\"territory.model.jobs\",}"))
                .isEqualTo(1.0);
        assertThat(value("metrics-service", "territory_vectors_consumed_total", "{outcome=\"new\",}"))
                .isEqualTo(2.0);
        assertThat(value("metrics-service", "territory_vectors_consumed_total", "{outcome=\"duplicate\",}"))
                .isEqualTo(1.0);
        assertThat(value("metrics-service", "territory_vectors_consumed_total", "{outcome=\"rejected\",}"))
                .isEqualTo(1.0);
        assertThat(value("metrics-service", "territory_aggregate_vectors_collected", labels))
                .isEqualTo(2.0);
        assertThat(value("metrics-service", "territory_aggregates_completed_total", "{level=\"seed\",}"))
                .isEqualTo(1.0);
        assertThat(value("report-service", "territory_runs_total", "{state=\"completed\",}"))
                .isEqualTo(1.0);
        assertThat(value("report-service", "territory_runs_total", "{state=\"failed\",}"))
                .isEqualTo(1.0);
    }

    @Test
    void perRunSeriesAreBoundedToTheMostRecentRuns() throws Exception {
        PrometheusMeterRegistry r = registry();
        Object im = construct("dev.territory.inference.telemetry.InferenceMetrics", r, 2);
        for (String run : List.of("a", "b", "c")) {
            call(im, "expectPrompts", run, Role.INSTRUCT, 1, 10);
        }
        String scrape = r.scrape();
        assertThat(scrape).doesNotContain("run=\"a\"").contains("run=\"b\"").contains("run=\"c\"");
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
