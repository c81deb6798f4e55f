package dev.territory.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.ModelInfo;
import dev.territory.contracts.Role;
import dev.territory.contracts.RoleMetricsComputed;
import dev.territory.contracts.RunProgress;
import dev.territory.contracts.RunRequestValidator;
import dev.territory.contracts.RunRequested;
import dev.territory.contracts.RunStatisticsComputed;
import dev.territory.contracts.SeedMetricsComputed;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The runs the report service knows, kept in memory and in {@code <resultsDir>/<runId>/}
 * ({@code run-state.json} plus the run's files), reloaded at startup. Thread-safe: each change
 * is one synchronized step that ends with the state written to disk (write, then atomic move).
 * The web pages read runs, their progress per model and seed, and their files through it.
 */
public class RunStore {

    public static final String STATE_FILE = "run-state.json";
    private static final Logger LOG = Logger.getLogger(RunStore.class);
    private static final ObjectMapper JSON = EventCodec.mapper();

    private final Path root;
    private final Map<String, RunState> runs = new HashMap<>();

    public RunStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
        try {
            Files.createDirectories(this.root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the results directory " + this.root, e);
        }
        load();
    }

    private void load() {
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                Path state = dir.resolve(STATE_FILE);
                if (Files.isRegularFile(state)) {
                    try {
                        RunState s = JSON.readValue(state.toFile(), RunState.class);
                        runs.put(s.runId(), s);
                    } catch (IOException e) {
                        LOG.warnf("ignoring unreadable %s: %s", state, e.getMessage());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
        LOG.infof("%d runs in %s", runs.size(), root);
    }

    /** All runs, most recently updated first. */
    public synchronized List<RunState> list() {
        List<RunState> out = new ArrayList<>();
        runs.values().forEach(s -> out.add(copy(s)));
        out.sort(Comparator.comparing(RunState::updatedAt).reversed());
        return out;
    }

    public synchronized Optional<RunState> get(String runId) {
        return Optional.ofNullable(runs.get(runId)).map(RunStore::copy);
    }

    /** The run's directory; the run id is checked first, so no id can name a path outside the results directory. */
    public Path runDir(String runId) {
        if (!RunRequestValidator.RUN_ID.matcher(runId).matches()) {
            throw new IllegalArgumentException("invalid run id '" + runId + "'");
        }
        return root.resolve(runId);
    }

    /** A file of a completed run, if the run lists it (names only: no directories, no traversal). */
    public synchronized Optional<Path> file(String runId, String name) {
        RunState s = runs.get(runId);
        if (s == null || s.files() == null || !s.files().contains(name) || name.contains("/") || name.contains("\\")) {
            return Optional.empty();
        }
        Path file = runDir(runId).resolve(name);
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    synchronized RunState recordRequest(RunRequested request) {
        RunState s = state(request.runId());
        if (s.request() != null) {
            return s;
        }
        return put(s.with(
                s.finished() ? s.status() : s.status(),
                request,
                s.verdict(),
                s.architectureInvariant(),
                s.failure(),
                s.files()));
    }

    synchronized RunState recordProgress(RunProgress p) {
        RunState s = state(p.runId());
        if (p.role() != null && p.seed() != null) {
            RunState.Progress old = s.progress().get(p.role().id() + "/" + p.seed());
            if (old == null || p.done() >= old.done()) {
                s.progress()
                        .put(
                                p.role().id() + "/" + p.seed(),
                                new RunState.Progress(
                                        p.done(), p.total(), p.stage().name()));
            }
        }
        return put(running(s));
    }

    synchronized RunState recordModel(String runId, Role role, ModelInfo model) {
        RunState s = state(runId);
        s.models().put(role.id(), model);
        return put(running(s));
    }

    synchronized RunState recordRoleMetrics(RoleMetricsComputed metrics) {
        RunState s = state(metrics.runId());
        s.roleMetrics().putIfAbsent(metrics.role().id(), metrics);
        return put(running(s));
    }

    /** Keeps the first seed's event of a role (the one carrying the prompts' vectors); the other seeds' are not kept. */
    synchronized RunState recordSeedMetrics(SeedMetricsComputed metrics) {
        RunState s = state(metrics.runId());
        if (!metrics.prompts().isEmpty()) {
            s.firstSeedMetrics().putIfAbsent(metrics.role().id(), metrics);
        }
        return put(running(s));
    }

    synchronized RunState recordStatistics(RunStatisticsComputed statistics) {
        RunState s = state(statistics.runId());
        return s.statistics() != null ? s : put(running(s).withStatistics(statistics));
    }

    synchronized RunState markFailed(String runId, String reason) {
        RunState s = state(runId);
        if (s.finished()) {
            return s;
        }
        return put(s.with(RunState.FAILED, s.request(), null, null, reason, s.files()));
    }

    synchronized RunState markCompleted(String runId, String verdict, boolean invariant, List<String> files) {
        RunState s = state(runId);
        return put(s.with(RunState.COMPLETED, s.request(), verdict, invariant, null, List.copyOf(files)));
    }

    private static RunState running(RunState s) {
        return s.finished() || RunState.RUNNING.equals(s.status())
                ? s
                : s.with(RunState.RUNNING, s.request(), s.verdict(), s.architectureInvariant(), s.failure(), s.files());
    }

    private RunState state(String runId) {
        runDir(runId); // validates the id
        return runs.computeIfAbsent(runId, RunState::empty);
    }

    private RunState put(RunState s) {
        Path dir = runDir(s.runId());
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve(STATE_FILE + ".tmp");
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), s);
            try {
                Files.move(
                        tmp,
                        dir.resolve(STATE_FILE),
                        StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir.resolve(STATE_FILE), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the state of run " + s.runId() + " to " + dir, e);
        }
        runs.put(s.runId(), s); // after the write: a failed write leaves nothing the retry would take as done
        return copy(s);
    }

    private static RunState copy(RunState s) {
        return JSON.convertValue(s, RunState.class);
    }
}
