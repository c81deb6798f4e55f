package dev.territory.report.web;

import dev.territory.report.RunState;
import dev.territory.report.RunStore;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The HTML pages: the run list with live progress at {@code /} and one page per run. A browser's
 * {@code GET /runs/{runId}} (Accept: text/html) is routed to the run page by {@link HtmlRunRoute};
 * other clients get the run's JSON there. Files are served under {@code /runs/{runId}/files/{name}}.
 */
@Path("/")
@Tag(name = "pages", description = "HTML pages for people")
public class Pages {

    @Inject
    RunStore store;

    @GET
    @Produces(MediaType.TEXT_HTML)
    @Operation(summary = "Run list with live progress (server-sent events from /api/runs/stream)")
    public String index() {
        return PageHtml.runList(store.list().stream().map(RunSummary::of).toList());
    }

    @GET
    @Path("pages/runs/{runId}")
    @Produces(MediaType.TEXT_HTML)
    @Operation(
            summary =
                    "One run: verdict, metric table, comparison, figure, methodology, provenance, warnings, downloads")
    public Response run(@PathParam("runId") String runId) throws IOException {
        Optional<RunState> state;
        try {
            state = store.get(runId);
        } catch (IllegalArgumentException e) {
            state = Optional.empty();
        }
        if (state.isEmpty()) {
            return Response.status(Response.Status.NOT_FOUND)
                    .type(MediaType.TEXT_HTML)
                    .entity(PageHtml.notFound(runId))
                    .build();
        }
        RunState s = state.get();
        String report = null;
        Optional<java.nio.file.Path> html = store.file(runId, "report.html");
        if (html.isPresent()) {
            report = Files.readString(html.get(), StandardCharsets.UTF_8);
        }
        return Response.ok(PageHtml.runPage(RunSummary.of(s), s, report), MediaType.TEXT_HTML)
                .build();
    }
}
