package dev.territory.report.web;

import dev.territory.contracts.ModelInfo;
import dev.territory.contracts.RunRequested;
import dev.territory.report.RunState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One run as the run list and its live stream show it.
 *
 * @param progress one entry per (model, seed): prompts done of total and the last stage seen
 * @param done prompts done over all models and seeds
 * @param total prompts expected over all models and seeds (0 while unknown)
 */
public record RunSummary(
        String runId,
        String status,
        String base,
        String instruct,
        String verdict,
        Boolean architectureInvariant,
        String failure,
        List<ModelProgress> progress,
        int done,
        int total,
        Instant updatedAt,
        String page) {

    /** Prompts done of total for one model and seed. */
    public record ModelProgress(String role, String seed, int done, int total, String stage) {}

    public static RunSummary of(RunState s) {
        List<ModelProgress> rows = new ArrayList<>();
        int done = 0;
        int total = 0;
        for (Map.Entry<String, Map<String, RunState.Progress>> role :
                s.progressByModel().entrySet()) {
            for (Map.Entry<String, RunState.Progress> seed : role.getValue().entrySet()) {
                RunState.Progress p = seed.getValue();
                rows.add(new ModelProgress(role.getKey(), seed.getKey(), p.done(), p.total(), p.stage()));
                done += p.done();
                total += p.total();
            }
        }
        RunRequested r = s.request();
        if (r != null) {
            // Models and seeds not yet started count too, so the bar does not jump back.
            int expected = 2 * r.seeds().size() * r.prompts().resolve().size();
            total = Math.max(total, expected);
        }
        if (RunState.COMPLETED.equals(s.status()) && total > 0) {
            done = total;
        }
        return new RunSummary(
                s.runId(),
                s.status(),
                name(s, "base"),
                name(s, "instruct"),
                s.verdict(),
                s.architectureInvariant(),
                s.failure(),
                List.copyOf(rows),
                done,
                total,
                s.updatedAt(),
                "/runs/" + s.runId());
    }

    private static String name(RunState s, String role) {
        ModelInfo m = s.models() == null ? null : s.models().get(role);
        if (m != null) {
            return m.name();
        }
        if (s.request() != null) {
            return ("base".equals(role) ? s.request().base() : s.request().instruct()).describe();
        }
        return null;
    }
}
