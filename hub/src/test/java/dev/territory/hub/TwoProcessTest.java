package dev.territory.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two JVMs fetch one model into one cache at the same time: the blob lock serializes them. */
class TwoProcessTest {

    @Test
    void twoProcessesShareOneCacheWithoutCorruptingIt(@TempDir Path tmp) throws Exception {
        try (FakeHub hub = new FakeHub()) {
            HubFixtures.populate(hub);
            // About 1.4 s for the weights: both JVMs are up long before the first one finishes.
            hub.throttleMillisPer64k = 20;
            Path cache = tmp.resolve("cache");
            String java =
                    Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<Process> processes = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                processes.add(new ProcessBuilder(
                                java,
                                "-cp",
                                System.getProperty("java.class.path"),
                                ResolveInChildProcess.class.getName(),
                                hub.endpoint(),
                                cache.toString(),
                                HubFixtures.LLAMA)
                        .redirectErrorStream(true)
                        .start());
            }
            int downloaded = 0;
            String dir = null;
            Pattern line = Pattern.compile("dir=(\\S+) downloaded=(\\d+) bytes=(\\d+)");
            for (Process p : processes) {
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.exitValue()).as(out).isZero();
                Matcher m = line.matcher(out);
                assertThat(m.find()).as(out).isTrue();
                downloaded += Integer.parseInt(m.group(2));
                assertThat(dir == null || dir.equals(m.group(1))).isTrue();
                dir = m.group(1);
            }
            byte[] weights = HubFixtures.llama().get("model.safetensors");
            assertThat(hub.blobGets(FakeHub.hex("SHA-256", weights))).isEqualTo(1);
            assertThat(downloaded).isEqualTo(4); // each file fetched by one of the two
            assertThat(Files.readAllBytes(Path.of(dir).resolve("model.safetensors")))
                    .isEqualTo(weights);
            try (var blobs = Files.list(cache.resolve("models--territory--llama3-gqa-base/blobs"))) {
                assertThat(blobs.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".incomplete"));
            }
        }
    }
}
