package dev.territory.deploycheck;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.contracts.Topics;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** deploy/k8s: every manifest typed, and the rendered base and overlays checked for what a deployment needs. */
class ManifestTest {
    static final List<String> SERVICES = List.of("inference-service", "metrics-service", "report-service");

    static List<HasMetadata> rendered(String dir) {
        return MiniKustomize.render(Repo.path("deploy/k8s/" + dir)).stream()
                .map(Typed::of)
                .toList();
    }

    static <T extends HasMetadata> T one(List<HasMetadata> rs, Class<T> type, String name) {
        List<T> found = rs.stream()
                .filter(type::isInstance)
                .map(type::cast)
                .filter(r -> r.getMetadata().getName().equals(name))
                .toList();
        assertThat(found).as("%s %s", type.getSimpleName(), name).hasSize(1);
        return found.get(0);
    }

    static GenericKubernetesResource custom(List<HasMetadata> rs, String kind, String name) {
        List<GenericKubernetesResource> found = rs.stream()
                .filter(r -> r instanceof GenericKubernetesResource)
                .map(r -> (GenericKubernetesResource) r)
                .filter(r -> r.getKind().equals(kind))
                .filter(r -> r.getMetadata().getName().equals(name))
                .toList();
        assertThat(found).as("%s %s", kind, name).hasSize(1);
        return found.get(0);
    }

    static JsonNode spec(GenericKubernetesResource r) {
        return Repo.JSON.valueToTree(r.getAdditionalProperties().get("spec"));
    }

    static Container container(Deployment d) {
        List<Container> cs = d.getSpec().getTemplate().getSpec().getContainers();
        assertThat(cs).as("containers of %s", d.getMetadata().getName()).hasSize(1);
        return cs.get(0);
    }

    @Test
    void everyManifestFileParsesIntoTypedModelWithoutUnknownFields() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(Repo.path("deploy/k8s"))) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThan(10);
        Map<String, List<String>> problems = new TreeMap<>();
        int typed = 0;
        for (Path f : files) {
            for (ObjectNode doc : Repo.yamlDocuments(f)) {
                if (f.getFileName().toString().equals("kustomization.yaml")) {
                    assertThat(doc.path("apiVersion").asText())
                            .as(f.toString())
                            .isEqualTo("kustomize.config.k8s.io/v1beta1");
                    continue;
                }
                assertThat(doc.hasNonNull("apiVersion") && doc.hasNonNull("kind"))
                        .as("%s has apiVersion and kind", f)
                        .isTrue();
                HasMetadata r = Typed.of(doc);
                if (!(r instanceof GenericKubernetesResource)) {
                    typed++;
                }
                List<String> unknown = Typed.unknownFields(r);
                if (!unknown.isEmpty()) {
                    problems.put(f.toString(), unknown);
                }
            }
        }
        assertThat(problems).as("fields the Kubernetes model does not know").isEmpty();
        assertThat(typed).as("built-in resources parsed into typed classes").isGreaterThanOrEqualTo(10);
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/gpu", "overlays/strimzi"})
    void everyServiceHasProbesResourcesServiceAndItsVolumesAndConfig(String dir) {
        List<HasMetadata> rs = rendered(dir);
        for (HasMetadata r : rs) {
            assertThat(Typed.unknownFields(r))
                    .as("unknown fields in rendered %s", dir)
                    .isEmpty();
        }
        for (String name : SERVICES) {
            Deployment d = one(rs, Deployment.class, name);
            Container c = container(d);
            Probe live = c.getLivenessProbe();
            Probe ready = c.getReadinessProbe();
            assertThat(live.getHttpGet().getPath()).as("%s liveness", name).isEqualTo("/q/health/live");
            assertThat(ready.getHttpGet().getPath()).as("%s readiness", name).isEqualTo("/q/health/ready");
            assertThat(c.getStartupProbe().getHttpGet().getPath())
                    .as("%s startup", name)
                    .isEqualTo("/q/health/started");
            for (Probe p : List.of(live, ready, c.getStartupProbe())) {
                assertThat(p.getHttpGet().getPort().getStrVal()).isEqualTo("http");
            }
            assertThat(c.getPorts()).anySatisfy(p -> {
                assertThat(p.getName()).isEqualTo("http");
                assertThat(p.getContainerPort()).isEqualTo(8080);
            });
            assertThat(c.getResources().getRequests()).as("%s requests", name).containsKeys("cpu", "memory");
            assertThat(c.getResources().getLimits()).as("%s limits", name).containsKey("memory");
            assertThat(c.getImage()).as("%s image", name).isEqualTo("territory/" + name + ":0.1.0-SNAPSHOT");

            Map<String, String> podLabels =
                    d.getSpec().getTemplate().getMetadata().getLabels();
            assertThat(podLabels).containsAllEntriesOf(d.getSpec().getSelector().getMatchLabels());
            Service svc = one(rs, Service.class, name);
            assertThat(podLabels).containsAllEntriesOf(svc.getSpec().getSelector());
            assertThat(svc.getSpec().getPorts())
                    .anySatisfy(p -> assertThat(p.getName()).isEqualTo("http"));

            for (Volume v : d.getSpec().getTemplate().getSpec().getVolumes() == null
                    ? List.<Volume>of()
                    : d.getSpec().getTemplate().getSpec().getVolumes()) {
                if (v.getPersistentVolumeClaim() != null) {
                    one(
                            rs,
                            PersistentVolumeClaim.class,
                            v.getPersistentVolumeClaim().getClaimName());
                }
            }
            c.getEnvFrom()
                    .forEach(e -> one(rs, ConfigMap.class, e.getConfigMapRef().getName()));
            for (EnvVar e : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
                if (e.getValueFrom() != null && e.getValueFrom().getConfigMapKeyRef() != null) {
                    ConfigMap cm = one(
                            rs,
                            ConfigMap.class,
                            e.getValueFrom().getConfigMapKeyRef().getName());
                    assertThat(cm.getData())
                            .containsKey(e.getValueFrom().getConfigMapKeyRef().getKey());
                }
            }
        }
        if (!dir.equals("base")) {
            assertThat(rs)
                    .filteredOn(r -> !r.getKind().equals("Namespace"))
                    .allSatisfy(r -> assertThat(r.getMetadata().getNamespace()).isEqualTo("territory"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/gpu", "overlays/strimzi"})
    void hfTokenComesFromASecretAndNoSecretIsWrittenDown(String dir) {
        List<HasMetadata> rs = rendered(dir);
        assertThat(rs).noneSatisfy(r -> assertThat(r.getKind()).isEqualTo("Secret"));
        EnvVar hf = container(one(rs, Deployment.class, "inference-service")).getEnv().stream()
                .filter(e -> e.getName().equals("HF_TOKEN"))
                .findFirst()
                .orElseThrow();
        assertThat(hf.getValue()).isNull();
        assertThat(hf.getValueFrom().getSecretKeyRef().getName()).isEqualTo("territory-hf");
        assertThat(hf.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("token");
        for (Deployment d : rs.stream()
                .filter(Deployment.class::isInstance)
                .map(Deployment.class::cast)
                .toList()) {
            for (EnvVar e : container(d).getEnv() == null
                    ? List.<EnvVar>of()
                    : container(d).getEnv()) {
                if (e.getName().matches("(?i).*(TOKEN|SECRET|PASSWORD|KEY).*")) {
                    assertThat(e.getValue())
                            .as("%s env %s is a literal", d.getMetadata().getName(), e.getName())
                            .isNull();
                    assertThat(e.getValueFrom().getSecretKeyRef())
                            .as("%s env %s", d.getMetadata().getName(), e.getName())
                            .isNotNull();
                }
            }
        }
        for (ConfigMap cm : rs.stream()
                .filter(ConfigMap.class::isInstance)
                .map(ConfigMap.class::cast)
                .toList()) {
            assertThat(cm.getData().keySet()).noneMatch(k -> k.matches("(?i).*(TOKEN|SECRET|PASSWORD).*"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlays/gpu", "overlays/strimzi"})
    void inferenceGetsOneGpuATolerationAndANodeSelector(String dir) {
        List<HasMetadata> rs = rendered(dir);
        Deployment d = one(rs, Deployment.class, "inference-service");
        var pod = d.getSpec().getTemplate().getSpec();
        Map<String, Quantity> limits = container(d).getResources().getLimits();
        assertThat(limits).containsKey("nvidia.com/gpu");
        assertThat(Quantity.getAmountInBytes(limits.get("nvidia.com/gpu")).intValueExact())
                .isEqualTo(1);
        assertThat(pod.getTolerations()).extracting(Toleration::getKey).contains("nvidia.com/gpu");
        Toleration t = pod.getTolerations().stream()
                .filter(x -> "nvidia.com/gpu".equals(x.getKey()))
                .findFirst()
                .orElseThrow();
        assertThat(t.getOperator()).isEqualTo("Exists");
        assertThat(t.getEffect()).isEqualTo("NoSchedule");
        assertThat(pod.getNodeSelector()).isNotEmpty();
        assertThat(pod.getNodeSelector().keySet()).anyMatch(k -> k.startsWith("nvidia.com/"));
        // the CPU-only services stay off the GPU nodes' resources
        for (String other : List.of("metrics-service", "report-service")) {
            assertThat(container(one(rs, Deployment.class, other))
                            .getResources()
                            .getLimits())
                    .doesNotContainKey("nvidia.com/gpu");
        }
        // the forward passes run on the pod's GPUs (territory.inference.device), and the service knows that setting
        assertThat(container(d).getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("TERRITORY_INFERENCE_DEVICE");
            assertThat(e.getValue()).matches("auto|gpu:\\d+(,gpu:\\d+)*");
        });
        // the libtorch flavor asked for at run time is the one the image baked in (else DJL falls back to the CPU)
        java.util.regex.Matcher baked = java.util.regex.Pattern.compile("(?m)^ARG PYTORCH_FLAVOR=(\\S+)$")
                .matcher(Repo.read("deploy/docker/inference-service/Dockerfile"));
        assertThat(baked.find())
                .as("ARG PYTORCH_FLAVOR=... in the inference Dockerfile")
                .isTrue();
        assertThat(container(d).getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("PYTORCH_FLAVOR");
            assertThat(e.getValue()).isEqualTo(baked.group(1));
        });
        ServiceConfig inference = ServiceConfig.of("inference-service");
        if (inference != null) {
            assertThat(inference.get("territory.inference.device"))
                    .as("territory.inference.device in application.properties")
                    .isNotNull();
        }
        // the model cache is mounted
        assertThat(container(d).getVolumeMounts())
                .anySatisfy(m -> assertThat(m.getName()).isEqualTo("model-cache"));
        PersistentVolumeClaim cache = one(rs, PersistentVolumeClaim.class, "territory-model-cache");
        assertThat(cache.getSpec().getResources().getRequests()).containsKey("storage");
    }

    @Test
    void baseNeedsNoGpuAndNoCustomResources() {
        List<HasMetadata> rs = rendered("base");
        assertThat(rs).noneMatch(r -> r instanceof GenericKubernetesResource);
        assertThat(container(one(rs, Deployment.class, "inference-service"))
                        .getResources()
                        .getLimits())
                .doesNotContainKey("nvidia.com/gpu");
        assertThat(container(one(rs, Deployment.class, "inference-service")).getEnv())
                .noneSatisfy(e -> assertThat(e.getName()).isEqualTo("TERRITORY_INFERENCE_DEVICE"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlays/gpu", "overlays/strimzi"})
    void kedaScalesInferenceOnTheLagOfItsOwnConsumerGroup(String dir) {
        List<HasMetadata> rs = rendered(dir);
        GenericKubernetesResource so = custom(rs, "ScaledObject", "inference-service");
        assertThat(so.getApiVersion()).isEqualTo("keda.sh/v1alpha1");
        JsonNode spec = spec(so);
        Deployment d = one(
                rs, Deployment.class, spec.path("scaleTargetRef").path("name").asText());
        assertThat(d.getMetadata().getName()).isEqualTo("inference-service");
        JsonNode triggers = spec.path("triggers");
        assertThat(triggers.size()).isGreaterThanOrEqualTo(1);
        for (JsonNode trigger : triggers) {
            assertThat(trigger.path("type").asText()).isEqualTo("kafka");
            JsonNode md = trigger.path("metadata");
            assertThat(md.path("consumerGroup").asText())
                    .as("KEDA consumerGroup vs inference-service group.id (application.properties)")
                    .isEqualTo(ServiceConfig.inferenceGroup());
            assertThat(md.path("topic").asText()).isEqualTo(ServiceConfig.inferenceJobsTopic());
            String env = md.path("bootstrapServersFromEnv").asText();
            assertThat(container(d).getEnv())
                    .as("KEDA reads %s from the target container", env)
                    .anySatisfy(e -> assertThat(e.getName()).isEqualTo(env));
            assertThat(Integer.parseInt(md.path("lagThreshold").asText())).isPositive();
        }
        int partitions = Topics.ALL.stream()
                .filter(t -> t.name().equals(ServiceConfig.inferenceJobsTopic()))
                .mapToInt(Topics.Spec::partitions)
                .findFirst()
                .orElseThrow();
        assertThat(spec.path("maxReplicaCount").asInt())
                .as("no more replicas than partitions")
                .isBetween(1, partitions);
        assertThat(spec.path("minReplicaCount").asInt()).isGreaterThanOrEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlays/gpu", "overlays/strimzi"})
    void serviceMonitorScrapesEveryServiceAtQuarkusMetrics(String dir) {
        List<HasMetadata> rs = rendered(dir);
        GenericKubernetesResource sm = custom(rs, "ServiceMonitor", "territory");
        JsonNode spec = spec(sm);
        Map<String, String> selector = Repo.JSON.convertValue(
                spec.path("selector").path("matchLabels"),
                Repo.JSON.getTypeFactory().constructMapType(Map.class, String.class, String.class));
        List<String> selected = rs.stream()
                .filter(Service.class::isInstance)
                .filter(s -> s.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
                .map(s -> s.getMetadata().getName())
                .sorted()
                .toList();
        assertThat(selected).containsExactlyElementsOf(SERVICES);
        assertThat(spec.path("endpoints")).allSatisfy(e -> {
            assertThat(e.path("path").asText()).isEqualTo("/q/metrics");
            assertThat(e.path("port").asText()).isEqualTo("http");
        });
    }

    @Test
    void strimziOverlayCreatesTheKafkaClusterAndEveryTopic() {
        List<HasMetadata> rs = rendered("overlays/strimzi");
        GenericKubernetesResource kafka = custom(rs, "Kafka", "territory");
        assertThat(kafka.getMetadata().getAnnotations())
                .containsEntry("strimzi.io/kraft", "enabled")
                .containsEntry("strimzi.io/node-pools", "enabled");
        GenericKubernetesResource pool = custom(rs, "KafkaNodePool", "dual-role");
        assertThat(pool.getMetadata().getLabels()).containsEntry("strimzi.io/cluster", "territory");
        assertThat(spec(pool).path("roles").toString()).contains("controller").contains("broker");
        JsonNode plain = null;
        for (JsonNode l : spec(kafka).path("kafka").path("listeners")) {
            if (l.path("name").asText().equals("plain")) {
                plain = l;
            }
        }
        assertThat(plain).isNotNull();
        ConfigMap cm = one(rs, ConfigMap.class, "territory-config");
        assertThat(cm.getData().get("KAFKA_BOOTSTRAP_SERVERS"))
                .isEqualTo("territory-kafka-bootstrap:" + plain.path("port").asInt());

        Map<String, Integer> topics = new TreeMap<>();
        for (HasMetadata r : rs) {
            if (r instanceof GenericKubernetesResource g && g.getKind().equals("KafkaTopic")) {
                assertThat(g.getMetadata().getLabels()).containsEntry("strimzi.io/cluster", "territory");
                JsonNode s = spec(g);
                assertThat(s.path("replicas").asInt()).isEqualTo(3);
                topics.put(s.path("topicName").asText(), s.path("partitions").asInt());
            }
        }
        Map<String, Integer> expected = Topics.ALL.stream()
                .collect(Collectors.toMap(Topics.Spec::name, Topics.Spec::partitions, (a, b) -> a, TreeMap::new));
        assertThat(topics).as("KafkaTopics vs contracts' Topics.ALL").containsAllEntriesOf(expected);
        // every topic a service binds a channel to exists
        List<String> missing = new ArrayList<>();
        for (String service : SERVICES) {
            ServiceConfig c = ServiceConfig.of(service);
            if (c != null) {
                c.channelTopics().forEach((channel, topic) -> {
                    if (!topics.containsKey(topic)) {
                        missing.add(service + " " + channel + " -> " + topic);
                    }
                });
            }
        }
        assertThat(missing).as("channel topics without a KafkaTopic").isEmpty();
    }

    @Test
    void overlaysOnlyAddToTheBase() {
        Set<String> base = rendered("base").stream()
                .map(r -> r.getKind() + "/" + r.getMetadata().getName())
                .collect(Collectors.toSet());
        Set<String> gpu = rendered("overlays/gpu").stream()
                .map(r -> r.getKind() + "/" + r.getMetadata().getName())
                .collect(Collectors.toSet());
        Set<String> strimzi = rendered("overlays/strimzi").stream()
                .map(r -> r.getKind() + "/" + r.getMetadata().getName())
                .collect(Collectors.toSet());
        assertThat(gpu)
                .containsAll(base)
                .contains("ScaledObject/inference-service", "ServiceMonitor/territory", "Namespace/territory");
        assertThat(strimzi).containsAll(gpu).contains("Kafka/territory", "KafkaNodePool/dual-role");
    }
}
