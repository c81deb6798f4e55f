package dev.territory.report.endpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.contracts.Channels;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.RunFailed;
import dev.territory.contracts.RunRequestValidator;
import dev.territory.contracts.RunRequested;
import dev.territory.contracts.TerritoryEvent;
import dev.territory.kafka.messaging.AckedSends;
import dev.territory.report.ReportListeners;
import dev.territory.report.RunState;
import dev.territory.report.RunStore;
import dev.territory.report.web.RunSummary;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.jboss.resteasy.reactive.RestStreamElementType;

/**
 * The runs over HTTP, one resource over the {@link RunStore}. The OpenAPI document is at {@code /q/openapi}.
 * <ul>
 * <li>{@code /runs}: each run's recorded state as JSON, and its files ({@code /runs/{runId}/files/{name}},
 *     the address {@code RunCompleted} gives); a browser asking for {@code /runs/{runId}} gets the run
 *     page instead ({@code web.HtmlRunRoute}).</li>
 * <li>{@code /api/runs}: summaries for scripts and the pages' live updates, the state, results.json,
 *     and the two commands: submitting and cancelling a run.</li>
 * </ul>
 * The commands need a {@code write} API key ({@link ApiAccess}). Submitting produces the same
 * {@link RunRequested} the console producer or {@code territory submit} would. Cancelling produces a
 * {@link RunFailed} with reason "cancelled ...": every inference replica follows runs.failed, skips
 * the run's queued jobs and stops a running one after the seed in progress (not between prompts);
 * the run ends FAILED here.
 */
@Path("/")
@Tag(name = "runs", description = "Runs the report service knows: state, progress per model and seed, verdict, files")
public class RunsResource {

    /** How often the live stream looks for changes (a change is sent once, within this interval). */
    static final Duration STREAM_INTERVAL = Duration.ofMillis(500);

    @Inject
    RunStore store;

    @Inject
    @Channel(Channels.API_REQUESTS_OUT)
    Emitter<byte[]> requests;

    @Inject
    @Channel(Channels.API_CANCEL_OUT)
    Emitter<byte[]> cancels;

    @GET
    @Path("runs")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Every run's recorded state")
    public List<RunState> states() {
        return store.list();
    }

    @GET
    @Path("runs/{runId}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Everything the service recorded about a run (request, models, metrics events, files)")
    public RunState state(@PathParam("runId") String runId) {
        return find(runId);
    }

    @GET
    @Path("runs/{runId}/files/{name}")
    @Operation(summary = "One of the run's files (results.json, report.html, figures, exports)")
    public Response file(@PathParam("runId") String runId, @PathParam("name") String name) throws java.io.IOException {
        java.nio.file.Path file = store.file(runId, name)
                .orElseThrow(() -> new NotFoundException("run " + runId + " has no file " + name));
        String type = Files.probeContentType(file);
        if (name.endsWith(".json") || name.endsWith(".jsonl")) {
            type = MediaType.APPLICATION_JSON;
        }
        return Response.ok(file.toFile(), type == null ? MediaType.APPLICATION_OCTET_STREAM : type)
                .header("Content-Disposition", "inline; filename=\"" + name + "\"")
                .build();
    }

    @GET
    @Path("api/runs")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "All runs, most recently updated first")
    public List<RunSummary> list() {
        return store.list().stream().map(RunSummary::of).toList();
    }

    @GET
    @Path("api/runs/{runId}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "One run: its state, progress, verdict and the names of its files")
    public RunSummary get(@PathParam("runId") String runId) {
        return RunSummary.of(find(runId));
    }

    @GET
    @Path("api/runs/{runId}/state")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Everything the service recorded about a run (request, models, metrics events, files)")
    public RunState apiState(@PathParam("runId") String runId) {
        return find(runId);
    }

    @GET
    @Path("api/runs/{runId}/results")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The run's results.json (notebook cell-9 schema plus provenance, warnings, statistics)")
    public Response results(@PathParam("runId") String runId) {
        find(runId);
        return store.file(runId, "results.json")
                .map(f -> Response.ok(f.toFile(), MediaType.APPLICATION_JSON).build())
                .orElseThrow(() -> new NotFoundException("run " + runId + " has no results.json yet"));
    }

    @GET
    @Path("api/runs/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @Operation(summary = "Server-sent events: the run list, sent now and again whenever any run changes")
    public Multi<List<RunSummary>> stream() {
        return Multi.createFrom()
                .ticks()
                .every(STREAM_INTERVAL)
                .onOverflow()
                .drop()
                .map(tick -> list())
                .skip()
                .repetitions();
    }

    @POST
    @Path("api/runs")
    @Blocking
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Submit a run: a RunRequested whose eventId, occurredAt, schemaVersion and runId may be left out")
    public Response submit(byte[] body) {
        RunRequested request;
        try {
            JsonNode node = EventCodec.mapper().readTree(body == null ? new byte[0] : body);
            if (!(node instanceof ObjectNode o)) {
                return bad(
                        List.of(
                                "the body must be a JSON object (a RunRequested; eventId, occurredAt, schemaVersion and runId may be left out)"));
            }
            if (!o.hasNonNull("type")) {
                o.put("type", "RunRequested");
            }
            if (!o.hasNonNull("runId")) {
                o.put("runId", "run-" + UUID.randomUUID());
            }
            if (!o.hasNonNull("eventId")) {
                o.put("eventId", UUID.randomUUID().toString());
            }
            if (!o.hasNonNull("schemaVersion")) {
                o.put("schemaVersion", RunRequested.SCHEMA_VERSION);
            }
            if (!o.hasNonNull("occurredAt")) {
                o.put("occurredAt", Instant.now().toString());
            }
            request = EventCodec.decode(EventCodec.mapper().writeValueAsBytes(o), RunRequested.class);
        } catch (java.io.IOException | RuntimeException e) {
            return bad(List.of(e.getMessage()));
        }
        List<String> problems = RunRequestValidator.problems(request);
        if (!problems.isEmpty()) {
            return bad(problems);
        }
        send(requests, request.runId(), request);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("runId", request.runId());
        out.put("status", "REQUESTED");
        out.put("state", "/api/runs/" + request.runId());
        return Response.accepted(out)
                .header("Location", "/api/runs/" + request.runId())
                .build();
    }

    @POST
    @Path("api/runs/{runId}/cancel")
    @Blocking
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Cancel a run that has not finished")
    public Response cancel(@PathParam("runId") String runId, @Context ContainerRequestContext context) {
        RunState s = store.get(runId).orElse(null);
        if (s == null) {
            return Response.status(404)
                    .entity(Map.of("error", "no run " + runId))
                    .build();
        }
        if (s.finished()) {
            return Response.status(409)
                    .entity(Map.of("error", "run " + runId + " is already " + s.status()))
                    .build();
        }
        ApiKeys.Caller caller = (ApiKeys.Caller) context.getProperty(ApiAccess.CALLER);
        String who = caller == null ? "an authenticated caller" : caller.name();
        send(cancels, runId, RunFailed.of(runId, ReportListeners.SERVICE, "cancelled by " + who));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("runId", runId);
        out.put("status", "CANCEL_REQUESTED");
        out.put(
                "note",
                "the inference service skips the run's queued model jobs and stops a running one after the seed"
                        + " in progress; the run ends FAILED with reason 'cancelled by " + who + "'");
        return Response.accepted(out).build();
    }

    private RunState find(String runId) {
        return store.get(runId).orElseThrow(() -> new NotFoundException("no run " + runId));
    }

    private static Response bad(List<String> problems) {
        return Response.status(400)
                .type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", "invalid run request", "problems", problems))
                .build();
    }

    private static void send(Emitter<byte[]> emitter, String key, TerritoryEvent event) {
        CompletableFuture<Void> done = AckedSends.send(emitter, key, event);
        try {
            done.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (Exception e) {
            throw new jakarta.ws.rs.ServiceUnavailableException(
                    "Kafka did not acknowledge the event: " + e.getMessage());
        }
    }
}
