package dev.territory.inference.telemetry;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness of the model side of the inference service (at {@code /q/health/ready}, next to the
 * Kafka channels' checks that SmallRye Reactive Messaging adds itself): DOWN until the DJL engine
 * is warm, DOWN with the error when warming failed.
 */
@Readiness
@ApplicationScoped
public class ModelEngineReadinessCheck implements HealthCheck {
    private final EngineWarmup warmup;

    @Inject
    public ModelEngineReadinessCheck(EngineWarmup warmup) {
        this.warmup = warmup;
    }

    @Override
    public HealthCheckResponse call() {
        EngineWarmup.State s = warmup.state();
        HealthCheckResponseBuilder b = HealthCheckResponse.named("territory-model-engine").status(s.warm())
                .withData("engine", s.engine());
        if (s.version() != null) {
            b.withData("version", s.version()).withData("gpus", s.gpus()).withData("warmupMillis", s.millis());
        }
        if (s.error() != null) {
            b.withData("error", s.error());
        } else if (!s.warm()) {
            b.withData("state", "warming up");
        }
        return b.build();
    }
}
