package dev.territory.report.web;

import dev.territory.report.RunState;
import dev.territory.report.RunStore;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestStreamElementType;

/** JSON about runs, for scripts and for the pages' live updates. The OpenAPI document is at {@code /q/openapi}. */
@Path("/api/runs")
@Tag(name = "runs", description = "Runs the report service knows: state, progress per model and seed, verdict, files")
public class RunsApi {

    /** How often the live stream looks for changes (a change is sent once, within this interval). */
    static final Duration STREAM_INTERVAL = Duration.ofMillis(500);

    @Inject
    RunStore store;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "All runs, most recently updated first")
    public List<RunSummary> list() {
        return store.list().stream().map(RunSummary::of).toList();
    }

    @GET
    @Path("/{runId}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "One run: its state, progress, verdict and the names of its files")
    public RunSummary get(@PathParam("runId") String runId) {
        return RunSummary.of(find(runId));
    }

    @GET
    @Path("/{runId}/state")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Everything the service recorded about a run (request, models, metrics events, files)")
    public RunState state(@PathParam("runId") String runId) {
        return find(runId);
    }

    @GET
    @Path("/{runId}/results")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The run's results.json (notebook cell-9 schema plus provenance, warnings, statistics)")
    public Response results(@PathParam("runId") String runId) {
        find(runId);
        return store.file(runId, "results.json")
                .map(f -> Response.ok(f.toFile(), MediaType.APPLICATION_JSON).build())
                .orElseThrow(() -> new NotFoundException("run " + runId + " has no results.json yet"));
    }

    @GET
    @Path("/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @Operation(summary = "Server-sent events: the run list, sent now and again whenever any run changes")
    public Multi<List<RunSummary>> stream() {
        return Multi.createFrom().ticks().every(STREAM_INTERVAL)
                .onOverflow().drop()
                .map(tick -> list())
                .skip().repetitions();
    }

    RunState find(String runId) {
        try {
            return store.get(runId).orElseThrow(() -> new NotFoundException("no run " + runId));
        } catch (IllegalArgumentException e) {
            throw new NotFoundException(e.getMessage());
        }
    }
}
