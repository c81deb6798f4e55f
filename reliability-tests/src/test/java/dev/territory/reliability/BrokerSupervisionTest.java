package dev.territory.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.territory.contracts.RoleMetricsComputed;
import dev.territory.contracts.SeedMetricsComputed;
import dev.territory.contracts.TerritoryEvent;
import dev.territory.contracts.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code territory up} as a user runs it: the packaged CLI as a process, supervising its own broker
 * process and the three services, and {@code territory submit} as a process. The broker is killed
 * (SIGKILL) three times during one run; a second {@code up} is started on the same state
 * directory; {@code up} gets SIGTERM while its broker is dead. The CLI and the services run from
 * a copy of their jars under {@code target/up-supervision/home} (a rebuild of the checkout during
 * the test cannot pull them away), on free ports.
 */
@Tag("slow")
@Order(90)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BrokerSupervisionTest {

    static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);
    static final Pattern READY_AGAIN = Pattern.compile("territory: kafka ready again on \\S+ after ([0-9.]+) s");
    static final Pattern SERVICE_STOPPED = Pattern.compile("(\\S+-service) stopped in ([0-9.]+)s");

    static Path repo;
    static Path root;
    static Path home;
    static Path state;
    static Path models;
    static Path upLog;
    static Process up;
    static int kafkaPort;
    static String bootstrap;
    static String reportUrl;
    static EventLog events;

    @BeforeAll
    static void startUp() throws Exception {
        repo = Pipeline.repoRoot();
        root = repo.resolve("reliability-tests/target/up-supervision");
        Pipeline.deleteRecursively(root);
        home = snapshotHome(repo, root.resolve("home"));
        state = root.resolve("state");
        models = repo.resolve("testdata/fixtures/models");
        kafkaPort = TcpProxy.freePort();
        int reportPort = TcpProxy.freePort();
        upLog = root.resolve("up.out");
        up = cli(
                upLog,
                "up",
                "--state-dir",
                state.toString(),
                "--kafka-port",
                Integer.toString(kafkaPort),
                "--report-port",
                Integer.toString(reportPort));
        awaitOutput(upLog, "territory: ready in", up, Duration.ofMinutes(5));
        bootstrap = "127.0.0.1:" + kafkaPort;
        reportUrl = "http://127.0.0.1:" + reportPort;
        events = new EventLog(bootstrap);
    }

    @AfterAll
    static void stopUp() throws Exception {
        if (events != null) {
            events.close();
        }
        if (up != null && up.isAlive()) {
            up.destroy();
            if (!up.waitFor(40, TimeUnit.SECONDS)) {
                up.destroyForcibly();
            }
        }
        // whatever a failed test left behind: only the processes this stack's pid files name
        try (Stream<Path> pids = state == null || !Files.isDirectory(state.resolve("run"))
                ? Stream.empty()
                : Files.list(state.resolve("run"))) {
            pids.filter(f -> f.toString().endsWith(".pid"))
                    .map(BrokerSupervisionTest::pid)
                    .flatMap(Optional::stream)
                    .forEach(h -> h.destroyForcibly());
        }
    }

    @Test
    @Order(1)
    void brokerKilledThreeTimesDuringARun() throws Exception {
        String baseline = submitAndCheck("up-baseline", root.resolve("out-baseline"));

        String runId = "up-broker-kill";
        Path out = root.resolve("out-" + runId);
        Path submitLog = root.resolve("submit-" + runId + ".out");
        Process submit = submit(runId, out, submitLog);
        int[] triggers = {1, 20, 40}; // kill when this many of the run's 60 vectors are on the topic
        List<Double> restartS = new ArrayList<>();
        List<Double> movingAgainS = new ArrayList<>();
        for (int i = 0; i < triggers.length; i++) {
            int n = triggers[i];
            events.await(
                    n + " vectors of " + runId,
                    r -> events.all(KillTest.vectorsOf(runId)).size() >= n,
                    Duration.ofMinutes(5));
            int before = events.all(KillTest.vectorsOf(runId)).size();
            ProcessHandle broker = pid(state.resolve("run/kafka.pid")).orElseThrow();
            long killedAt = System.nanoTime();
            kill9(broker);
            int restarts = i + 1;
            awaitOutput(
                    upLog,
                    () -> READY_AGAIN.matcher(read(upLog)).results().count() >= restarts,
                    "kafka ready again (restart " + restarts + ")",
                    up,
                    Duration.ofMinutes(3));
            restartS.add(readyAgainSeconds(read(upLog)).get(i));
            if (before < 60) {
                events.await(
                        "a vector of " + runId + " after restart " + restarts,
                        r -> events.all(KillTest.vectorsOf(runId)).size() > before,
                        Duration.ofMinutes(5));
                movingAgainS.add((System.nanoTime() - killedAt) / 1e9);
            }
        }
        assertThat(submit.waitFor(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                .as("submit exited; output " + submitLog)
                .isTrue();
        String submitted = read(submitLog);
        assertThat(submit.exitValue()).as(submitted).isZero();
        assertThat(submitted).contains("verdict: ");
        assertThat(Results.normalized(out.resolve("results.json"), runId)).isEqualTo(baseline);
        List<SeedMetricsComputed> seeds = metricsOf(runId, SeedMetricsComputed.class);
        List<RoleMetricsComputed> roles = metricsOf(runId, RoleMetricsComputed.class);
        assertThat(seeds)
                .extracting(s -> s.role() + "/" + s.seed())
                .doesNotHaveDuplicates()
                .hasSize(6);
        assertThat(roles)
                .extracting(RoleMetricsComputed::role)
                .doesNotHaveDuplicates()
                .hasSize(2);
        assertThat(events.all(r -> r.topic().equals(Topics.RUNS_COMPLETED) && runId.equals(r.key())))
                .hasSize(1);
        assertThat(read(upLog))
                .as("up's console")
                .contains("territory: kafka exited with 137; restarting it on 127.0.0.1:" + kafkaPort);
        assertThat(restartS)
                .allSatisfy(s -> assertThat(s)
                        .as("seconds from a restart's start to 'kafka ready again'")
                        .isLessThan(90));
        ReliabilityTable.record(
                "fault",
                "kill -9 of the broker process three times during a run under territory up (after 1, 20, 40 of 60 vectors)",
                "up restarts it on the same port and data directory each time (console: kafka exited with 137; restarting it ...;"
                        + " kafka ready again), the services ride it out; run COMPLETED, submit exits 0 with the verdict and writes --out;"
                        + " results.json identical to an undisturbed run (without " + Results.VOLATILE
                        + "); each of the 6 seed and 2 role metrics events and the RunCompleted exactly once");
        System.out.printf(
                "broker kill: restart took %s s (up's 'ready again'); run moving again %s s after each kill%n",
                restartS,
                movingAgainS.stream().map(s -> String.format("%.1f", s)).toList());
    }

    @Test
    @Order(2)
    void secondUpOnTheSameStateSaysWhichStackRuns() throws Exception {
        Map<String, Long> before = stackPids();
        Path second = root.resolve("second-up.out");
        long t0 = System.nanoTime();
        Process p = cli(
                second,
                "up",
                "--state-dir",
                state.toString(),
                "--kafka-port",
                Integer.toString(TcpProxy.freePort()),
                "--report-port",
                Integer.toString(TcpProxy.freePort()));
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("second up exits").isTrue();
        double seconds = (System.nanoTime() - t0) / 1e9;
        List<String> lines = read(second).lines().filter(l -> !l.isBlank()).toList();
        assertThat(p.exitValue()).isNotZero();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0))
                .startsWith("error: territory up is already running on " + state)
                .contains("pid " + up.pid())
                .contains("kafka 127.0.0.1:" + kafkaPort)
                .contains("report " + reportUrl);
        assertThat(stackPids()).as("the running stack's processes").isEqualTo(before);
        assertThat(before.values())
                .allSatisfy(pid -> assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive))
                        .contains(true));
        ReliabilityTable.record(
                "operation",
                "a second territory up on the same state directory while one runs",
                "exits non-zero at once with one line naming the running stack (error: territory up is already running on <state>"
                        + " (pid, kafka address, report URL); ...); the running stack untouched");
        System.out.printf("second up: refused in %.1f s: %s%n", seconds, lines.get(0));
    }

    @Test
    @Order(3)
    void sigtermToUpWithTheBrokerDeadStopsEverything() throws Exception {
        String runId = "up-sigterm";
        Process submit = submit(runId, root.resolve("out-" + runId), root.resolve("submit-" + runId + ".out"));
        events.await(
                "5 vectors of " + runId,
                r -> events.all(KillTest.vectorsOf(runId)).size() >= 5,
                Duration.ofMinutes(5));
        Set<ProcessHandle> stack = new HashSet<>(
                ProcessHandle.of(up.pid()).orElseThrow().descendants().toList());
        stack.add(up.toHandle());
        ProcessHandle broker = pid(state.resolve("run/kafka.pid")).orElseThrow();
        kill9(broker);
        long t0 = System.nanoTime();
        new ProcessBuilder("kill", "-TERM", Long.toString(up.pid()))
                .inheritIO()
                .start()
                .waitFor();
        while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(60)) {
            up.toHandle().descendants().forEach(stack::add); // a broker restarted meanwhile belongs to the stack too
            if (stack.stream().noneMatch(ProcessHandle::isAlive)) {
                break;
            }
            Pipeline.sleep(100);
        }
        double allGone = (System.nanoTime() - t0) / 1e9;
        submit.destroyForcibly();
        assertThat(stack.stream()
                        .filter(ProcessHandle::isAlive)
                        .map(ProcessHandle::pid)
                        .toList())
                .as("stack processes alive")
                .isEmpty();
        assertThat(allGone)
                .as("seconds from SIGTERM until every process of the stack was gone")
                .isLessThan(30);
        String console = read(upLog);
        assertThat(console).contains("territory: stopped in").doesNotContain("after SIGTERM; killed");
        // each service ended by itself: Quarkus' "stopped in", or metrics-service's exit without a Kafka Streams
        // client that did not stop within territory.metrics.close-timeout (StreamsShutdown)
        Map<String, String> serviceStop = new LinkedHashMap<>();
        for (String svc : List.of("inference-service", "metrics-service", "report-service")) {
            String log = read(state.resolve("logs/" + svc + ".log"));
            Matcher m = SERVICE_STOPPED.matcher(log);
            String how = null;
            while (m.find()) {
                how = m.group(2) + " s";
            }
            if (svc.equals("metrics-service") && log.contains("Kafka Streams not stopped within")) {
                how = "exited after its Kafka Streams close timeout";
            }
            serviceStop.put(svc, how);
        }
        assertThat(serviceStop)
                .as("how each service ended (Quarkus 'stopped in', or StreamsShutdown's exit)")
                .doesNotContainValue(null);
        ReliabilityTable.record(
                "fault",
                "SIGTERM to territory up with its broker just killed (-9) and a run in flight",
                "every process of the stack (up, broker, 3 services) gone within 30 s; each service stops by itself with the broker"
                        + " unreachable (no SIGKILL needed)");
        System.out.printf(
                "sigterm: every process gone %.1f s after SIGTERM to up; services' own shutdown %s%n",
                allGone, serviceStop);
    }

    // --- the CLI as a process

    static Process cli(Path output, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dterritory.home=" + home,
                "-jar",
                home.resolve("cli/target/territory-cli.jar").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().put("DJL_OFFLINE", "true");
        return pb.start();
    }

    /** {@code territory submit} of the GQA fixture pair, 32 tokens: 60 vectors. */
    static Process submit(String runId, Path out, Path log) throws IOException {
        return cli(
                log,
                "submit",
                "--base",
                models.resolve("llama3-gqa-base").toString(),
                "--instruct",
                models.resolve("llama3-gqa-instruct").toString(),
                "--max-length",
                "32",
                "--run-id",
                runId,
                "--out",
                out.toString(),
                "--bootstrap-servers",
                bootstrap,
                "--report-url",
                reportUrl,
                "--timeout",
                "10");
    }

    /** An undisturbed run through submit: exit 0, a verdict, and its normalized results.json. */
    static String submitAndCheck(String runId, Path out) throws Exception {
        Path log = root.resolve("submit-" + runId + ".out");
        Process p = submit(runId, out, log);
        assertThat(p.waitFor(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                .as("submit exited; output " + log)
                .isTrue();
        assertThat(p.exitValue()).as(read(log)).isZero();
        assertThat(read(log)).contains("verdict: ");
        return Results.normalized(out.resolve("results.json"), runId);
    }

    static <T extends TerritoryEvent> List<T> metricsOf(String runId, Class<T> type) {
        return events.decoded(Topics.METRICS_COMPUTED, runId, type);
    }

    static List<Double> readyAgainSeconds(String console) {
        return READY_AGAIN
                .matcher(console)
                .results()
                .map(m -> Double.parseDouble(m.group(1)))
                .toList();
    }

    static Map<String, Long> stackPids() throws IOException {
        Map<String, Long> pids = new LinkedHashMap<>();
        for (String name : List.of("up", "kafka", "inference-service", "metrics-service", "report-service")) {
            pids.put(
                    name,
                    Long.parseLong(Files.readString(state.resolve("run/" + name + ".pid"))
                            .trim()));
        }
        return pids;
    }

    static Optional<ProcessHandle> pid(Path file) {
        try {
            return ProcessHandle.of(Long.parseLong(Files.readString(file).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    static void kill9(ProcessHandle h) throws Exception {
        new ProcessBuilder("kill", "-9", Long.toString(h.pid()))
                .inheritIO()
                .start()
                .waitFor();
        h.onExit().get(30, TimeUnit.SECONDS);
    }

    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }

    static void awaitOutput(Path output, String text, Process owner, Duration timeout) {
        awaitOutput(output, () -> read(output).contains(text), "'" + text + "'", owner, timeout);
    }

    static void awaitOutput(
            Path output, java.util.function.BooleanSupplier seen, String what, Process owner, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!seen.getAsBoolean()) {
            if (!owner.isAlive()) {
                throw new AssertionError("exited with " + owner.exitValue() + " before " + what + ":\n" + read(output));
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + what + " within " + timeout.toSeconds() + " s:\n" + read(output));
            }
            Pipeline.sleep(250);
        }
    }

    /** The CLI jar, its lib/ and the services' fast-jars, laid out as a checkout ({@code territory.home}). */
    static Path snapshotHome(Path repo, Path home) throws IOException {
        List<String> parts = List.of(
                "cli/target/territory-cli.jar",
                "cli/target/lib",
                "inference-service/target/quarkus-app",
                "metrics-service/target/quarkus-app",
                "report-service/target/quarkus-app");
        for (String part : parts) {
            Path src = repo.resolve(part);
            if (!Files.exists(src)) {
                throw new IllegalStateException(src + " missing: build first (mvn -B -DskipTests install)");
            }
            try (Stream<Path> walk = Files.walk(src)) {
                for (Path f : walk.toList()) {
                    Path dst = home.resolve(repo.relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(dst);
                    } else {
                        Files.createDirectories(dst.getParent());
                        Files.copy(f, dst, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
        return home;
    }
}
