package dev.territory.codecheck;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every method of dev.territory's main code has a caller in main code (a call or a method
 * reference), or is one of the entry points a framework calls. A method only tests call is dead
 * code: the tests exercise something the product never runs.
 *
 * <p>Entry points, each because no Java call site exists for it:
 * <ul>
 * <li>methods annotated by a framework (JAX-RS, CDI {@code @Produces}, SmallRye
 *     {@code @Incoming}/{@code @Outgoing}, Quarkus {@code @Scheduled}/{@code @ServerRequestFilter},
 *     picocli, Jackson, MicroProfile health): their callers are the frameworks;</li>
 * <li>methods with a parameter annotated {@code @Observes} (CDI events);</li>
 * <li>overrides of a library type's method ({@code Callable.call}, {@code Processor.process},
 *     {@code Object.toString}): the library calls them;</li>
 * <li>record accessors, and the interface methods records implement with them: Jackson serializes
 *     records through them (events, results.json parts);</li>
 * <li>{@code main(String[])} and the compiler's own methods (synthetic, bridge, an enum's
 *     {@code values}/{@code valueOf}).</li>
 * </ul>
 * An override of a dev.territory method counts as called when the method it overrides is called
 * (a call through the interface reaches every implementation).
 *
 * <p>A caller in test code counts only for the test-support modules (local-kafka's options for the
 * reliability tests, test-kafka), and for the few {@link #TEST_SEAMS}, each kept for a named reason.
 * A seam that no test calls any more fails too, so the list cannot go stale. Test classes are read
 * from each module's {@code target/test-classes}, so run this after the other modules' test
 * compilation (the root build does: this module is last in the reactor).
 */
class EveryMethodHasACallerTest {

    /** Annotation packages whose methods a framework calls. */
    private static final List<String> FRAMEWORK_ANNOTATIONS = List.of(
            "jakarta.",
            "javax.",
            "io.quarkus.",
            "io.smallrye.",
            "org.eclipse.microprofile.",
            "org.jboss.resteasy.",
            "picocli.",
            "com.fasterxml.jackson.");

    /** Packages whose main code exists for tests: a caller in test code is their caller. */
    private static final List<String> TEST_SUPPORT = List.of("dev.territory.kafka.local.", "dev.territory.kafka.test.");

    /** Main-code methods only tests call, each with why it stays in main code. */
    static final Map<String, String> TEST_SEAMS = Map.ofEntries(
            Map.entry(
                    "dev.territory.contracts.EventCodec.decode(java.lang.String)",
                    "tests read events logged as JSON text; the services decode bytes"),
            Map.entry(
                    "dev.territory.statistics.MetricsJson.readCube(com.fasterxml.jackson.databind.JsonNode)",
                    "the reference fixtures' per-prompt entropies, read by the tests of three modules"),
            Map.entry(
                    "dev.territory.statistics.MetricsJson.readVerdict(com.fasterxml.jackson.databind.JsonNode)",
                    "the reference verdict, read back by the parity test beside readSeed and readRole"),
            Map.entry(
                    "dev.territory.reporting.FigureData.withSiIntervals([D, [D)",
                    "the figure test draws interval bars without running the bootstrap"),
            Map.entry(
                    "dev.territory.hub.HubConfig.withOffline(boolean)",
                    "offline mode comes from HF_HUB_OFFLINE in production; tests set it without the environment"),
            Map.entry(
                    "dev.territory.hub.ModelResolver.config()",
                    "tests check the configuration a resolver was built with"),
            Map.entry(
                    "dev.territory.hub.ModelResolver.resolve(java.lang.String, dev.territory.hub.ProgressListener)",
                    "tests resolve a plain model id; the service resolves a parsed ModelRef"),
            Map.entry(
                    "dev.territory.inference.ModelJobRunner.run(dev.territory.contracts.ModelJobRequested, "
                            + "dev.territory.engine.EntropyEngine, dev.territory.inference.ModelJobRunner$Sink)",
                    "tests run a job without a model cache"),
            Map.entry(
                    "dev.territory.metrics.MetricsTopology.build(dev.territory.metrics.MetricsTopology$TopicNames, "
                            + "dev.territory.metrics.AggregationListener)",
                    "the topology without the vector gate, for TopologyTestDriver tests of the aggregation alone"),
            Map.entry(
                    "dev.territory.cli.UpCommand$Stack.kill(java.lang.String)",
                    "the pipeline test kills a service to see the supervisor restart it"),
            Map.entry(
                    "dev.territory.engine.EntropyEngine.devices()",
                    "tests check which devices a device setting picked"),
            Map.entry(
                    "dev.territory.contracts.EntropyVectorComputed.reduction(java.lang.String)",
                    "tests read one named reduction of a vector; the metrics service reads them all"),
            Map.entry(
                    "dev.territory.engine.decoder.Decoder.managerOf(int)",
                    "the multi-device test checks that each layer's weights live in its device's manager"),
            Map.entry(
                    "dev.territory.engine.decoder.DecoderModel.decoder()",
                    "the multi-device test reaches the decoder to check where its weights live"),
            Map.entry(
                    "dev.territory.statistics.Uncertainty.analyze([[[D, [[[D, int, dev.territory.statistics.Uncertainty$Options)",
                    "the coverage study and the scipy comparison run the bootstrap on synthetic cubes"),
            Map.entry(
                    "dev.territory.engine.EngineOptions.withChunkSize(int)",
                    "tests force small attention chunks to check that chunking does not change a number"),
            Map.entry(
                    "dev.territory.engine.EngineOptions.withDevice(java.lang.String)",
                    "tests build engines on CPU stand-in devices"),
            Map.entry(
                    "dev.territory.engine.EngineOptions.withDeviceCapacities(java.util.List)",
                    "tests give stand-in devices capacities to force a multi-device plan"),
            Map.entry(
                    "dev.territory.engine.decoder.AttentionChunks.cudaRows(long, int, int, int, int, int)",
                    "the CUDA chunk rule is checked on a machine without a GPU"),
            Map.entry(
                    "dev.territory.engine.decoder.AttentionChunks.cpuRows(long, int, int, int)",
                    "the CPU chunk rule is checked apart from a loaded model"),
            Map.entry(
                    "dev.territory.engine.cache.ModelCache$Lease.bytes()",
                    "tests check what a cached model is counted as"),
            Map.entry("dev.territory.engine.cache.ModelCache.stats()", "tests check loads, reuses and evictions"),
            Map.entry(
                    "dev.territory.engine.EntropyRequest.notebook()",
                    "tests ask for the notebook's reduction alone, without the extras the entry points add"),
            Map.entry(
                    "dev.territory.engine.EntropyRequest.comparing(java.util.Set)",
                    "tests ask for a chosen set of protocols"),
            Map.entry(
                    "dev.territory.reporting.ResultsAssembler.assemble(dev.territory.reporting.RunDescription, "
                            + "dev.territory.statistics.RoleMetrics, dev.territory.statistics.RoleMetrics, "
                            + "dev.territory.reporting.ComparisonReference, java.util.List)",
                    "tests assemble a report with the default bootstrap settings"),
            Map.entry(
                    "dev.territory.engine.decoder.DecoderModel.load(java.nio.file.Path, java.util.List, java.util.List, "
                            + "dev.territory.engine.EngineOptions)",
                    "tests load a model on chosen device managers without an engine"),
            Map.entry(
                    "dev.territory.engine.placement.LayerPlan.devicesUsed()",
                    "tests check how many devices a plan uses"),
            Map.entry(
                    "dev.territory.contracts.EventCodec.encodeToString(dev.territory.contracts.TerritoryEvent)",
                    "tests write events as JSON text, the counterpart of decode(String)"));

    private static JavaClasses classes;

    @BeforeAll
    static void importMainAndTestCode() throws IOException {
        // main classes from the classpath (this module depends on every module), test classes from each module's build
        List<Path> testClasses;
        try (Stream<Path> modules = Files.list(Repo.root())) {
            testClasses = modules.map(m -> m.resolve("target/test-classes"))
                    .filter(Files::isDirectory)
                    .filter(d -> !d.startsWith(Repo.root().resolve("code-check")))
                    .toList();
        }
        ClassFileImporter importer = new ClassFileImporter();
        List<com.tngtech.archunit.core.importer.Location> locations = new ArrayList<>();
        for (var l : com.tngtech.archunit.core.importer.Locations.ofPackage("dev.territory")) {
            if (!l.contains("/test-classes/") && !l.contains("-tests.jar")) {
                locations.add(l);
            }
        }
        testClasses.forEach(d -> locations.add(com.tngtech.archunit.core.importer.Location.of(d)));
        classes = importer.importLocations(locations);
    }

    static boolean test(JavaClass c) {
        return c.getSource()
                .map(s -> s.getUri().toString().contains("/test-classes/"))
                .orElse(false);
    }

    @Test
    void theImportSeesEveryModule() {
        // a module missing from the classpath would pass vacuously
        Set<String> packages = new TreeSet<>();
        classes.stream().filter(c -> !test(c)).forEach(c -> packages.add(c.getPackageName()));
        assertThat(packages)
                .contains(
                        "dev.territory.contracts",
                        "dev.territory.engine",
                        "dev.territory.statistics",
                        "dev.territory.reporting",
                        "dev.territory.hub",
                        "dev.territory.cli",
                        "dev.territory.kafka.local",
                        "dev.territory.inference.telemetry",
                        "dev.territory.metrics.telemetry",
                        "dev.territory.report.telemetry");
        // the test seams need the modules' compiled tests (mvn install -DskipTests compiles them)
        assertThat(classes.stream()
                        .filter(EveryMethodHasACallerTest::test)
                        .map(JavaClass::getPackageName)
                        .distinct())
                .as("compiled test classes")
                .contains("dev.territory.cli", "dev.territory.reliability", "dev.territory.hub");
    }

    @Test
    void everyMainMethodHasACaller() {
        List<String> uncalled = new ArrayList<>();
        Set<String> seams = new TreeSet<>();
        for (JavaClass c : classes) {
            if (test(c)) {
                continue;
            }
            for (JavaMethod m : c.getMethods()) {
                boolean testSupport = TEST_SUPPORT.stream().anyMatch(c.getName()::startsWith);
                if (entryPoint(m) || called(m, false)) {
                    continue;
                }
                if (TEST_SEAMS.containsKey(m.getFullName()) && called(m, true)) {
                    seams.add(m.getFullName());
                } else if (!(testSupport && called(m, true))) {
                    uncalled.add(m.getFullName() + " ("
                            + c.getSource().flatMap(s -> s.getFileName()).orElse("?") + ":"
                            + m.getSourceCodeLocation().getLineNumber()
                            + (called(m, true) ? ", only tests call it" : "") + ")");
                }
            }
        }
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(uncalled)
                    .as("main-code methods without a caller in main code")
                    .isEmpty();
            soft.assertThat(seams).as("test seams that only tests call").isEqualTo(new TreeSet<>(TEST_SEAMS.keySet()));
        });
    }

    static boolean entryPoint(JavaMethod m) {
        Set<JavaModifier> mods = m.getModifiers();
        if (mods.contains(JavaModifier.SYNTHETIC) || mods.contains(JavaModifier.BRIDGE)) {
            return true;
        }
        if (m.getName().equals("main")
                && mods.contains(JavaModifier.STATIC)
                && m.getRawParameterTypes().size() == 1) {
            return true;
        }
        JavaClass owner = m.getOwner();
        if (owner.isEnum() && (m.getName().equals("values") || m.getName().equals("valueOf"))) {
            return true;
        }
        if (recordAccessor(owner, m)) {
            return true;
        }
        if (owner.isInterface()
                && owner.getAllSubclasses().stream()
                        .anyMatch(sub -> sameSignature(sub, m)
                                .filter(impl -> recordAccessor(sub, impl))
                                .isPresent())) {
            return true;
        }
        if (m.getAnnotations().stream().anyMatch(a -> framework(a.getRawType().getName()))) {
            return true;
        }
        return m.getParameters().stream()
                .flatMap(p -> p.getAnnotations().stream())
                .anyMatch(a -> a.getRawType().getName().equals("jakarta.enterprise.event.Observes"));
    }

    static boolean framework(String annotation) {
        return FRAMEWORK_ANNOTATIONS.stream().anyMatch(annotation::startsWith);
    }

    static boolean recordAccessor(JavaClass owner, JavaMethod m) {
        return isRecord(owner)
                && m.getRawParameterTypes().isEmpty()
                && owner.getFields().stream()
                        .anyMatch(f -> !f.getModifiers().contains(JavaModifier.STATIC)
                                && f.getName().equals(m.getName()));
    }

    static boolean isRecord(JavaClass c) {
        return c.getRawSuperclass()
                .map(s -> s.getName().equals("java.lang.Record"))
                .orElse(false);
    }

    /**
     * Called directly, or overrides a library method, or overrides a dev.territory method that is
     * called; by main code, or by any code when {@code fromTests}.
     */
    static boolean called(JavaMethod m, boolean fromTests) {
        if (accessed(m, fromTests)) {
            return true;
        }
        for (JavaMethod s : overridden(m)) {
            if (!s.getOwner().getPackageName().startsWith("dev.territory") || accessed(s, fromTests)) {
                return true;
            }
        }
        // an interface or abstract method is used when some implementation of it is called
        return m.getOwner().getAllSubclasses().stream()
                .filter(sub -> !test(sub))
                .map(sub -> sameSignature(sub, m))
                .flatMap(Optional::stream)
                .anyMatch(impl -> accessed(impl, fromTests));
    }

    static boolean accessed(JavaMethod m, boolean fromTests) {
        return m.getAccessesToSelf().stream().anyMatch(a -> fromTests || !test(a.getOriginOwner()));
    }

    static List<JavaMethod> overridden(JavaMethod m) {
        if (m.getModifiers().contains(JavaModifier.STATIC) || m.getModifiers().contains(JavaModifier.PRIVATE)) {
            return List.of();
        }
        JavaClass owner = m.getOwner();
        return Stream.concat(owner.getAllRawSuperclasses().stream(), owner.getAllRawInterfaces().stream())
                .map(s -> sameSignature(s, m))
                .flatMap(Optional::stream)
                .toList();
    }

    static Optional<JavaMethod> sameSignature(JavaClass c, JavaMethod m) {
        String[] params =
                m.getRawParameterTypes().stream().map(JavaClass::getName).toArray(String[]::new);
        return c.tryGetMethod(m.getName(), params).filter(found -> found != m);
    }
}
