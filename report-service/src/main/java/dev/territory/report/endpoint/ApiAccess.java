package dev.territory.report.endpoint;

import dev.territory.report.config.ReportConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Access to the report service's HTTP API. Anything that changes state (every method
 * other than GET, HEAD and OPTIONS) needs an API key of role {@code write} in the {@code X-Api-Key}
 * header: none or an unknown one is 401, a {@code read} key is 403. Reading is open unless
 * {@code territory.report.auth.read=authenticated}, then any known key is needed (401 without).
 * With no keys configured every write is refused (401), never allowed. Health, metrics and
 * OpenAPI under {@code /q} are not JAX-RS resources and stay open for probes and scrapers.
 *
 * <p>OIDC bearer tokens are not implemented: quarkus-oidc needs a live (or mocked) identity
 * provider that these offline tests cannot run. See docs/reliability.md for how to add it.
 */
@ApplicationScoped
public class ApiAccess {

    public static final String HEADER = "X-Api-Key";
    static final String CALLER = "territory.caller";
    private static final Logger LOG = Logger.getLogger(ApiAccess.class);

    @Inject
    ReportConfig config;

    private volatile ApiKeys keys;

    ApiKeys keys() {
        ApiKeys k = keys;
        if (k == null) {
            String env = config.auth().apiKeysEnv();
            k = ApiKeys.load(
                    Optional.ofNullable(System.getenv(env)), config.auth().apiKeysFile());
            if (k.isEmpty()) {
                LOG.warnf(
                        "no API keys configured (%s or territory.report.auth.api-keys-file): submitting and cancelling runs is refused",
                        env);
            }
            keys = k;
        }
        return k;
    }

    @ServerRequestFilter
    public Optional<Response> check(ContainerRequestContext request) {
        String method = request.getMethod();
        boolean write = !(method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS"));
        boolean readNeedsAuth = "authenticated".equals(config.auth().read());
        if (!write && !readNeedsAuth) {
            return Optional.empty();
        }
        Optional<ApiKeys.Caller> caller = keys().authenticate(request.getHeaderString(HEADER));
        if (caller.isEmpty()) {
            String why = request.getHeaderString(HEADER) == null ? "missing " + HEADER + " header" : "unknown API key";
            return Optional.of(error(Response.Status.UNAUTHORIZED, why, true));
        }
        if (write && !caller.get().canWrite()) {
            return Optional.of(
                    error(Response.Status.FORBIDDEN, caller.get().name() + " may read but not change runs", false));
        }
        request.setProperty(CALLER, caller.get());
        return Optional.empty();
    }

    private static Response error(Response.Status status, String message, boolean challenge) {
        Response.ResponseBuilder b = Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", message, "status", status.getStatusCode()));
        if (challenge) {
            b.header("WWW-Authenticate", "ApiKey header=\"" + HEADER + "\"");
        }
        return b.build();
    }
}
