package dev.territory.report;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.file.Files;
import java.util.List;

/** The runs as JSON and the files of each run. */
@Path("/runs")
public class RunsResource {

    @Inject
    RunStore store;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public List<RunState> list() {
        return store.list();
    }

    @GET
    @Path("/{runId}")
    @Produces(MediaType.APPLICATION_JSON)
    public RunState get(@PathParam("runId") String runId) {
        return store.get(runId).orElseThrow(() -> new NotFoundException("no run " + runId));
    }

    @GET
    @Path("/{runId}/files/{name}")
    public Response file(@PathParam("runId") String runId, @PathParam("name") String name) throws java.io.IOException {
        java.nio.file.Path file = store.file(runId, name)
                .orElseThrow(() -> new NotFoundException("run " + runId + " has no file " + name));
        String type = Files.probeContentType(file);
        if (name.endsWith(".json") || name.endsWith(".jsonl")) {
            type = MediaType.APPLICATION_JSON;
        }
        return Response.ok(file.toFile(), type == null ? MediaType.APPLICATION_OCTET_STREAM : type)
                .header("Content-Disposition", "inline; filename=\"" + name + "\"").build();
    }
}
