package dev.territory.report.web;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriBuilder;
import jakarta.ws.rs.ext.Provider;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Content negotiation for {@code GET /runs/{runId}}: a client that prefers HTML to JSON (a browser)
 * gets the run page ({@code /pages/runs/{runId}}); any other client (curl, scripts, tests with
 * {@code Accept: *}{@code /*}) keeps getting the run's JSON from the pipeline's resource.
 */
@Provider
@PreMatching
public class HtmlRunRoute implements ContainerRequestFilter {

    private static final Pattern RUN_PATH = Pattern.compile("^/?runs/([^/]+)/?$");

    @Override
    public void filter(ContainerRequestContext request) {
        if (!"GET".equals(request.getMethod())) {
            return;
        }
        var matcher = RUN_PATH.matcher(request.getUriInfo().getPath());
        if (matcher.matches() && prefersHtml(request.getAcceptableMediaTypes())) {
            request.setRequestUri(UriBuilder.fromUri(request.getUriInfo().getRequestUri())
                    .replacePath("/pages/runs/" + matcher.group(1))
                    .build());
        }
    }

    /** True when text/html is named explicitly and ranks above application/json. */
    static boolean prefersHtml(List<MediaType> acceptable) {
        double html = -1;
        double json = -1;
        for (MediaType m : acceptable) {
            double q = quality(m);
            if ("text".equals(m.getType()) && "html".equals(m.getSubtype())) {
                html = Math.max(html, q);
            } else if (m.isCompatible(MediaType.APPLICATION_JSON_TYPE) && !m.isWildcardType()) {
                json = Math.max(json, q);
            }
        }
        return html > 0 && html >= json;
    }

    private static double quality(MediaType m) {
        try {
            return Double.parseDouble(m.getParameters().getOrDefault("q", "1"));
        } catch (NumberFormatException e) {
            return 1;
        }
    }
}
