package dev.territory.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubConfigTest {

    @Test
    void defaultsAreTheHubsOwn(@TempDir Path home) {
        HubConfig c = HubConfig.fromEnvironment(Map.of("HF_HOME", home.toString()));
        assertThat(c.endpoint()).isEqualTo("https://huggingface.co");
        assertThat(c.cacheDir()).isEqualTo(home.resolve("hub"));
        assertThat(c.token()).isEmpty();
        assertThat(c.offline()).isFalse();
    }

    @Test
    void environmentOverrides(@TempDir Path dir) {
        HubConfig c = HubConfig.fromEnvironment(Map.of(
                "HF_ENDPOINT",
                "http://127.0.0.1:9/",
                "HF_HUB_CACHE",
                dir.resolve("c").toString(),
                "HF_HOME",
                dir.toString(),
                "HF_HUB_OFFLINE",
                "1"));
        assertThat(c.endpoint()).isEqualTo("http://127.0.0.1:9");
        assertThat(c.cacheDir()).isEqualTo(dir.resolve("c"));
        assertThat(c.offline()).isTrue();
        assertThat(HubConfig.fromEnvironment(Map.of("HF_HOME", dir.toString(), "HF_HUB_OFFLINE", "TRUE"))
                        .offline())
                .isTrue();
        assertThat(HubConfig.fromEnvironment(Map.of("HF_HOME", dir.toString(), "HF_HUB_OFFLINE", "0"))
                        .offline())
                .isFalse();
    }

    @Test
    void tokenFromEnvironmentBeatsTokenFileAndIsNeverPrinted(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("token"), "hf_fromfile_secret\n");
        HubConfig fromFile = HubConfig.fromEnvironment(Map.of("HF_HOME", dir.toString()));
        assertThat(fromFile.token()).get().extracting(HubToken::source).isEqualTo(file.toString());
        assertThat(fromFile.token().get().bearerHeader()).isEqualTo("Bearer hf_fromfile_secret");

        Path mounted = Files.writeString(dir.resolve("mounted"), "hf_mounted_secret");
        HubConfig fromMount =
                HubConfig.fromEnvironment(Map.of("HF_HOME", dir.toString(), "HF_TOKEN_PATH", mounted.toString()));
        assertThat(fromMount.token().get().bearerHeader()).isEqualTo("Bearer hf_mounted_secret");

        HubConfig fromEnv = HubConfig.fromEnvironment(Map.of("HF_HOME", dir.toString(), "HF_TOKEN", "hf_env_secret"));
        assertThat(fromEnv.token().get().source()).isEqualTo("HF_TOKEN");
        assertThat(fromEnv.token().get().bearerHeader()).isEqualTo("Bearer hf_env_secret");
        assertThat(fromEnv.toString()).doesNotContain("secret");
        assertThat(fromFile.toString()).doesNotContain("secret");
    }
}
