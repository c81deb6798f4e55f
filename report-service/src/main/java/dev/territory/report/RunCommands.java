package dev.territory.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.RunFailed;
import dev.territory.contracts.RunRequestValidator;
import dev.territory.contracts.RunRequested;
import dev.territory.contracts.TerritoryEvent;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

/**
 * Submitting and cancelling runs over HTTP (issue 7); both need a {@code write} API key
 * ({@link ApiAccess}). Submitting produces the same {@link RunRequested} the console producer or
 * {@code territory submit} would. Cancelling produces a {@link RunFailed} with reason
 * "cancelled ...": every inference replica follows runs.failed, skips the run's queued jobs and
 * stops a running one after the seed in progress (not between prompts); the run ends FAILED here.
 */
@Path("/api/runs")
public class RunCommands {

    static final String REQUESTS_OUT = "api-requests-out";
    static final String CANCEL_OUT = "api-cancel-out";

    @Inject
    RunStore store;

    @Inject
    @Channel(REQUESTS_OUT)
    Emitter<byte[]> requests;

    @Inject
    @Channel(CANCEL_OUT)
    Emitter<byte[]> cancels;

    @POST
    @Blocking
    @Produces(MediaType.APPLICATION_JSON)
    public Response submit(byte[] body) {
        RunRequested request;
        try {
            JsonNode node = EventCodec.mapper().readTree(body == null ? new byte[0] : body);
            if (!(node instanceof ObjectNode o)) {
                return bad(List.of("the body must be a JSON object (a RunRequested; eventId, occurredAt, schemaVersion and runId may be left out)"));
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
        return Response.accepted(out).header("Location", "/api/runs/" + request.runId()).build();
    }

    @POST
    @Path("/{runId}/cancel")
    @Blocking
    @Produces(MediaType.APPLICATION_JSON)
    public Response cancel(@PathParam("runId") String runId, @Context ContainerRequestContext context) {
        RunState s = store.get(runId).orElse(null);
        if (s == null) {
            return Response.status(404).entity(Map.of("error", "no run " + runId)).build();
        }
        if (s.finished()) {
            return Response.status(409).entity(Map.of("error", "run " + runId + " is already " + s.status())).build();
        }
        ApiKeys.Caller caller = (ApiKeys.Caller) context.getProperty(ApiAccess.CALLER);
        String who = caller == null ? "an authenticated caller" : caller.name();
        send(cancels, runId, RunFailed.of(runId, ReportListeners.SERVICE, "cancelled by " + who));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("runId", runId);
        out.put("status", "CANCEL_REQUESTED");
        out.put("note", "the inference service skips the run's queued model jobs and stops a running one after the seed"
                + " in progress; the run ends FAILED with reason 'cancelled by " + who + "'");
        return Response.accepted(out).build();
    }

    private static Response bad(List<String> problems) {
        return Response.status(400).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", "invalid run request", "problems", problems)).build();
    }

    private static void send(Emitter<byte[]> emitter, String key, TerritoryEvent event) {
        CompletableFuture<Void> done = AckedSends.send(emitter, key, event);
        try {
            done.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (Exception e) {
            throw new jakarta.ws.rs.ServiceUnavailableException("Kafka did not acknowledge the event: " + e.getMessage());
        }
    }
}
