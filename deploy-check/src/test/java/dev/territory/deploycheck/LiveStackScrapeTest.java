package dev.territory.deploycheck;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The telemetry check, live: {@code territory up} (real KRaft broker and the three
 * packaged services), one fixture run through {@code territory submit}, then every service's
 * {@code /q/metrics} is scraped and every metric the dashboard queries must be there (histogram
 * suffixes stripped), with the run's progress gauges complete. Where Debian's prometheus is
 * installed, deploy/prometheus/scrape-check.sh also runs against the stack.
 *
 * <p>Needs the packaged CLI and services (the reactor's package phase, e.g. {@code mvn -B verify}
 * at the root): skipped when they are missing or older than their sources.
 */
class LiveStackScrapeTest {
    static final List<String> MODULES = List.of("cli", "inference-service", "metrics-service", "report-service");

    @Test
    void aFixtureRunExposesEveryDashboardMetric(@TempDir Path out) throws Exception {
        Path root = Repo.root();
        Path cli = root.resolve("cli/target/territory-cli.jar");
        Assumptions.assumeTrue(packagedAndFresh(root), "packaged CLI/services missing or older than their sources");
        // the stack shares .territory/ (broker data, metrics state, logs) with any other up/demo of this checkout
        Assumptions.assumeFalse(
                stackRunning(root) || otherTerritoryProcesses(root),
                "a territory stack, demo or service already runs from this checkout");

        Process up = java(root, cli, "up", "--report-port", "0")
                .redirectErrorStream(true)
                .start();
        List<String> upLog = new ArrayList<>();
        CompletableFuture<Boolean> ready = CompletableFuture.supplyAsync(() -> {
            try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(up.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                boolean seen = false;
                while ((line = r.readLine()) != null) {
                    synchronized (upLog) {
                        upLog.add(line);
                    }
                    if (!seen && line.contains("ready")) {
                        seen = true;
                        synchronized (upLog) {
                            upLog.notifyAll();
                        }
                    }
                }
                return seen;
            } catch (IOException e) {
                return false;
            }
        });
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            synchronized (upLog) {
                while (upLog.stream().noneMatch(l -> l.contains("ready"))
                        && up.isAlive()
                        && System.nanoTime() < deadline) {
                    upLog.wait(1000);
                }
            }
            assertThat(upLog).as("territory up output").anyMatch(l -> l.contains("ready"));

            String runId = "deploy-check-" + System.currentTimeMillis();
            Process submit = java(
                            root,
                            cli,
                            "submit",
                            "--base",
                            root.resolve("testdata/fixtures/models/llama3-gqa-base")
                                    .toString(),
                            "--instruct",
                            root.resolve("testdata/fixtures/models/llama3-gqa-instruct")
                                    .toString(),
                            "--run-id",
                            runId,
                            "--out",
                            out.toString(),
                            "--timeout",
                            "10")
                    .redirectErrorStream(true)
                    .start();
            String submitLog = new String(submit.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(submit.waitFor(11, TimeUnit.MINUTES)).isTrue();
            assertThat(submit.exitValue())
                    .as("territory submit:%n%s", submitLog)
                    .isZero();

            Properties stack = new Properties();
            try (var in = Files.newBufferedReader(root.resolve(".territory/run/stack.properties"))) {
                stack.load(in);
            }
            HttpClient http = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            Set<String> families = new TreeSet<>();
            StringBuilder inference = new StringBuilder();
            List<String> targets = new ArrayList<>();
            for (String service : ManifestTest.SERVICES) {
                String url = stack.getProperty(service + ".url");
                assertThat(url).as("%s.url in stack.properties", service).isNotNull();
                targets.add(URI.create(url).getAuthority());
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create(url + "/q/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                TelemetryNamesTest.sampleNames(r.body()).forEach(n -> families.add(DashboardTest.family(n)));
                if (service.equals("inference-service")) {
                    inference.append(r.body());
                }
            }
            List<String> missing = DashboardTest.metricNames().stream()
                    .filter(n -> !families.contains(DashboardTest.family(n)))
                    .toList();
            assertThat(missing)
                    .as("dashboard metrics absent from the services' scrapes")
                    .isEmpty();

            // the run's progress is complete for every (role, seed) the inference service reported
            List<String[]> done = TelemetryNamesTest.samples(inference.toString()).stream()
                    .filter(s -> s[1].contains("run=\"" + runId + "\""))
                    .toList();
            assertThat(done).as("progress series of %s", runId).isNotEmpty();
            for (String[] s : done) {
                if (s[0].equals("territory_run_prompts_done")) {
                    double expected = done.stream()
                            .filter(e -> e[0].equals("territory_run_prompts_expected") && e[1].equals(s[1]))
                            .mapToDouble(e -> Double.parseDouble(e[2]))
                            .findFirst()
                            .orElseThrow();
                    assertThat(Double.parseDouble(s[2]))
                            .as("done vs expected %s", s[1])
                            .isEqualTo(expected)
                            .isPositive();
                }
            }

            if (onPath("prometheus")) {
                List<String> cmd = new ArrayList<>(
                        List.of("bash", root.resolve(ScrapeCheckScript.PATH).toString(), "--timeout", "120"));
                cmd.addAll(targets);
                Process check =
                        new ProcessBuilder(cmd).redirectErrorStream(true).start();
                String log = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(check.waitFor(3, TimeUnit.MINUTES)).isTrue();
                assertThat(check.exitValue()).as("scrape-check.sh:%n%s", log).isZero();
            }
        } finally {
            up.destroy(); // SIGTERM: territory up stops everything it started
            if (!up.waitFor(60, TimeUnit.SECONDS)) {
                up.destroyForcibly();
            }
            ready.cancel(true);
        }
    }

    static ProcessBuilder java(Path root, Path cli, String... args) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dterritory.home=" + root,
                "-jar",
                cli.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile());
        pb.environment().put("TERRITORY_HOME", root.toString());
        pb.environment().put("DJL_OFFLINE", "true");
        return pb;
    }

    /** Whether .territory/run/stack.properties names a report service that answers. */
    static boolean stackRunning(Path root) {
        Path props = root.resolve(".territory/run/stack.properties");
        if (!Files.isRegularFile(props)) {
            return false;
        }
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(props)) {
            p.load(in);
            String url = p.getProperty("report.url");
            if (url == null) {
                return false;
            }
            HttpResponse<Void> r = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(2))
                    .build()
                    .send(
                            HttpRequest.newBuilder(URI.create(url + "/q/health/live"))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding());
            return r.statusCode() < 500;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** Any running process started from this checkout's CLI jar or packaged services. */
    static boolean otherTerritoryProcesses(Path root) {
        List<String> markers = List.of(
                root.resolve("cli/target/territory-cli.jar").toString(),
                root + "/inference-service/target/quarkus-app",
                root + "/metrics-service/target/quarkus-app",
                root + "/report-service/target/quarkus-app");
        return ProcessHandle.allProcesses()
                .anyMatch(ph -> ph.info()
                        .commandLine()
                        .map(cmd -> markers.stream().anyMatch(cmd::contains))
                        .orElse(false));
    }

    static boolean onPath(String program) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(d -> Files.isExecutable(Path.of(d, program)));
    }

    /** The CLI jar and each service's quarkus-run.jar exist and are newer than every file of their src/main. */
    static boolean packagedAndFresh(Path root) throws IOException {
        for (String module : MODULES) {
            Path artifact = module.equals("cli")
                    ? root.resolve("cli/target/territory-cli.jar")
                    : root.resolve(module + "/target/quarkus-app/quarkus-run.jar");
            if (!Files.isRegularFile(artifact)) {
                return false;
            }
            FileTime built = Files.getLastModifiedTime(artifact);
            try (Stream<Path> s = Files.walk(root.resolve(module + "/src/main"))) {
                if (s.filter(Files::isRegularFile).anyMatch(p -> lastModified(p).compareTo(built) > 0)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static FileTime lastModified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(Long.MAX_VALUE);
        }
    }
}
