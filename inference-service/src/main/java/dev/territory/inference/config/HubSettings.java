package dev.territory.inference.config;

import dev.territory.hub.HubConfig;
import dev.territory.hub.ModelResolver;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The Hub settings of the service: the same variables as Python's {@code huggingface_hub}
 * ({@code HF_ENDPOINT}, {@code HF_TOKEN} or the file {@code HF_TOKEN_PATH}, {@code HF_HUB_CACHE},
 * {@code HF_HOME}, {@code HF_HUB_OFFLINE}; docs/hub.md), read through the service's configuration,
 * whose sources include the process environment (and, in tests, the test resources' values).
 */
public final class HubSettings {

    static final List<String> VARIABLES = List.of(
            "HF_ENDPOINT",
            "HF_TOKEN",
            "HUGGING_FACE_HUB_TOKEN",
            "HF_TOKEN_PATH",
            "HF_HUB_CACHE",
            "HUGGINGFACE_HUB_CACHE",
            "HF_HOME",
            "XDG_CACHE_HOME",
            "HF_HUB_OFFLINE");

    private HubSettings() {}

    /** A resolver for the settings in effect now (a token file mounted or rotated since is read again). */
    public static ModelResolver resolver() {
        return new ModelResolver(HubConfig.fromEnvironment(variables(ConfigProvider.getConfig())));
    }

    static Map<String, String> variables(Config config) {
        Map<String, String> env = new HashMap<>();
        for (String name : VARIABLES) {
            config.getOptionalValue(name, String.class).ifPresent(v -> env.put(name, v));
        }
        return env;
    }
}
