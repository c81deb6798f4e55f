package dev.territory.deploycheck;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The service Dockerfiles take their base images as build arguments whose defaults are the public
 * images users pull, so that {@code docker build} with no argument builds what a user gets, and
 * deploy/local-images.sh builds the same files from local stand-ins by argument only.
 */
class DockerfileTest {
    private static final Pattern ARG = Pattern.compile("(?m)^ARG ([A-Z_]+)(?:=(\\S+))?$");
    private static final Pattern FROM = Pattern.compile("(?m)^FROM (\\S+)(?: AS (\\S+))?$");
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Z_]+)}");

    /** The base image of every stage, with the build arguments at their defaults (stages named by earlier stages excluded). */
    static List<String> baseImages(String dockerfile) {
        String text = Repo.read(dockerfile);
        Map<String, String> defaults = new TreeMap<>();
        Matcher a = ARG.matcher(text);
        while (a.find()) {
            if (a.group(2) != null) {
                defaults.putIfAbsent(a.group(1), a.group(2));
            }
        }
        List<String> bases = new ArrayList<>();
        Set<String> stages = new TreeSet<>();
        Matcher f = FROM.matcher(text);
        while (f.find()) {
            String image = REFERENCE.matcher(f.group(1)).replaceAll(r -> {
                String value = defaults.get(r.group(1));
                assertThat(value)
                        .as("%s: FROM uses ${%s}, which has no default", dockerfile, r.group(1))
                        .isNotNull();
                return Matcher.quoteReplacement(value);
            });
            if (!stages.contains(image)) {
                bases.add(image);
            }
            if (f.group(2) != null) {
                stages.add(f.group(2));
            }
        }
        return bases;
    }

    @Test
    void theDefaultBaseImagesAreThePublicOnes() {
        assertThat(baseImages("deploy/docker/inference-service/Dockerfile"))
                .containsExactly("eclipse-temurin:17-jdk", "nvidia/cuda:12.8.1-runtime-ubuntu22.04");
        assertThat(baseImages("deploy/docker/metrics-service/Dockerfile")).containsExactly("eclipse-temurin:17-jre");
        assertThat(baseImages("deploy/docker/report-service/Dockerfile")).containsExactly("eclipse-temurin:17-jre");
    }

    @Test
    void everyBaseImageIsAnArgument() {
        for (String service : ManifestTest.SERVICES) {
            String text = Repo.read("deploy/docker/" + service + "/Dockerfile");
            Matcher f = FROM.matcher(text);
            while (f.find()) {
                assertThat(f.group(1)).as("%s: FROM %s", service, f.group(1)).matches("\\$\\{[A-Z_]+_IMAGE}");
            }
        }
    }

    @Test
    void theLocalImagesScriptOverridesExactlyThoseArguments() {
        String script = Repo.read("deploy/local-images.sh");
        for (String arg : List.of("JDK_IMAGE", "RUNTIME_IMAGE", "JRE_IMAGE")) {
            assertThat(script).contains("--build-arg " + arg + "=");
        }
        assertThat(script).contains("--build-arg PYTORCH_FLAVOR=cpu");
    }
}
