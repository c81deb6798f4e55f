package dev.territory.report.web;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.ModelInfo;
import dev.territory.contracts.ModelLoaded;
import dev.territory.contracts.ModelRef;
import dev.territory.contracts.ModelShape;
import dev.territory.contracts.Role;
import dev.territory.contracts.RoleMetricsComputed;
import dev.territory.contracts.RunProgress;
import dev.territory.contracts.RunRequested;
import dev.territory.contracts.RunStatisticsComputed;
import dev.territory.contracts.TerritoryEvent;
import dev.territory.contracts.Topics;
import dev.territory.kafka.test.KafkaResource;
import dev.territory.kafka.test.TestKafka;
import dev.territory.statistics.MetricsJson;
import dev.territory.statistics.NotebookMetrics;
import dev.territory.statistics.PromptReductions;
import dev.territory.statistics.RoleMetrics;
import dev.territory.statistics.SeedMetrics;
import dev.territory.statistics.StatisticsBlock;
import dev.territory.statistics.Uncertainty;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The pages in headless Chromium (Debian's chromium + chromium-driver): a run fed through Kafka with the
 * GQA fixture's metrics completes, its page shows the verdict, the metric table and the figure, and a
 * screenshot of it is saved and checked not to be blank; the run list shows progress live.
 */
@QuarkusTest
@QuarkusTestResource(
        value = KafkaResource.class,
        initArgs = @ResourceArg(name = "territory.report.results-dir", value = "report-results"))
class RunPagesBrowserTest {

    static final Path SCREENSHOTS = Path.of("target", "screenshots");
    static ChromeDriver browser;

    @TestHTTPResource("/")
    URL base;

    @jakarta.inject.Inject
    dev.territory.report.RunStore store;

    @BeforeAll
    static void startBrowser() {
        File driver = new File(System.getProperty("territory.chromedriver", "/usr/bin/chromedriver"));
        File chromium = new File(System.getProperty("territory.chromium", "/usr/bin/chromium"));
        assertThat(driver)
                .as("chromedriver (apt-get install chromium-driver; ./territory test installs it)")
                .exists();
        assertThat(chromium).as("chromium (apt-get install chromium)").exists();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium);
        options.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--window-size=1400,1100");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(driver)
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void completedRunPageShowsVerdictTableAndFigure() throws Exception {
        JsonNode reference = new ObjectMapper()
                .readTree(repo().resolve("testdata/fixtures/reference/llama3-gqa.float32.json")
                        .toFile());
        String runId = "web-" + UUID.randomUUID();
        String verdict = reference.at("/verdict/code").asText();
        send(completedRun(runId, reference));
        waitForStatus(runId, "COMPLETED", Duration.ofSeconds(60));

        // Scripts keep getting JSON at /runs/{id}; a browser gets the page.
        given().get("/runs/" + runId).then().statusCode(200).contentType("application/json");
        given().accept("text/html").get("/runs/" + runId).then().statusCode(200).contentType("text/html");

        browser.get(base + "runs/" + runId);
        WebElement verdictBox = browser.findElement(By.id("verdict"));
        assertThat(verdictBox.getText()).contains(verdict).contains("collapse criteria hold");
        // From the run's statistics event: the verdict's uncertainty in the verdict box, intervals
        // and p-values in the metric table, the within-layer redundancy beside the cross-layer correlation.
        JsonNode results = new ObjectMapper()
                .readTree(given().get("/runs/" + runId + "/files/results.json").asString());
        JsonNode st = results.get("statistics");
        WebElement uncertainty = browser.findElement(By.id("verdict-uncertainty"));
        assertThat(verdictBox.findElements(By.id("verdict-uncertainty"))).hasSize(1);
        assertThat(uncertainty.getText())
                .startsWith(st.at("/verdict_uncertainty/significant_criteria").asInt()
                        + " of 2 independent criteria exclude 0 at 95%");
        assertThat(verdictBox.findElement(By.className("code")).getText())
                .isEqualTo(results.at("/results/verdict/line").asText())
                .startsWith(verdict + " (");
        assertThat(verdictBox.getText()).contains("interval [").contains("p = ");
        List<WebElement> rows = browser.findElements(By.cssSelector("table.metrics tbody tr"));
        assertThat(rows).hasSize(12);
        assertThat(rows.get(0).getText())
                .startsWith("Specialization Index")
                .contains(String.format(
                        java.util.Locale.ROOT,
                        "%.4f",
                        reference
                                .at("/base/aggregate/specialization/specialization_index")
                                .asDouble()));
        JsonNode delta = st.at("/bootstrap/delta/specialization_index");
        assertThat(rows.get(0).findElement(By.cssSelector("td.interval")).getText())
                .isEqualTo(String.format(
                        java.util.Locale.ROOT,
                        "[%+.4f, %+.4f]",
                        delta.get(0).asDouble(),
                        delta.get(1).asDouble()));
        assertThat(rows.get(0).findElement(By.cssSelector("td.p")).getText())
                .isEqualTo(String.format(
                        java.util.Locale.ROOT,
                        "%.3g",
                        st.at("/permutation/p_values/specialization_index").asDouble()));
        assertThat(rows.get(1).getText()).startsWith("Mean Head Correlation");
        assertThat(rows.get(2).getText()).startsWith("Within-layer Head Redundancy");
        WebElement redundancy = browser.findElement(By.id("redundancy"));
        assertThat(redundancy.findElement(By.cssSelector("tr.cross")).getText())
                .contains(String.format(
                        java.util.Locale.ROOT,
                        "%.4f",
                        st.at("/head_redundancy/cross_layer_correlation/base").asDouble()));
        assertThat(redundancy.findElement(By.cssSelector("tr.within")).getText())
                .contains(String.format(
                        java.util.Locale.ROOT,
                        "%.4f",
                        st.at("/head_redundancy/base/overall").asDouble()));
        assertThat(redundancy.findElements(By.cssSelector("tr.layer"))).hasSize(6);
        WebElement figure = browser.findElement(By.id("figure-img"));
        Number naturalWidth = (Number) browser.executeScript("return arguments[0].naturalWidth", figure);
        assertThat(naturalWidth.intValue()).as("figure decoded").isEqualTo(1800);
        assertThat(browser.findElement(By.id("warnings")).getText()).contains("in fact GQA");
        assertThat(browser.findElements(By.cssSelector("#downloads a")))
                .extracting(WebElement::getText)
                .contains("results.json", "figure.png", "report.html");

        byte[] png = browser.getScreenshotAs(OutputType.BYTES);
        Files.createDirectories(SCREENSHOTS);
        Files.write(SCREENSHOTS.resolve("run-page.png"), png);
        BufferedImage shot = ImageIO.read(new ByteArrayInputStream(png));
        assertNotBlank(shot);

        // The downloads work.
        given().get("/runs/" + runId + "/files/figure.png").then().statusCode(200);
        // The OpenAPI document names the JSON API.
        String openapi =
                given().get("/q/openapi").then().statusCode(200).extract().asString();
        assertThat(openapi).contains("/api/runs/stream").contains("/api/runs/{runId}");
    }

    @Test
    void runListShowsProgressLive() throws Exception {
        String runId = "live-" + UUID.randomUUID();
        Path models = repo().resolve("testdata/fixtures/models");
        RunRequested request = RunRequested.of(
                runId,
                ModelRef.local(models.resolve("llama3-gqa-base").toString()),
                ModelRef.local(models.resolve("llama3-gqa-instruct").toString()));
        send(List.of(record(Topics.RUNS_REQUESTED, request)));
        waitForStatus(runId, "PENDING", Duration.ofSeconds(30));

        browser.get(base.toString());
        By row = By.cssSelector("tr[data-run='" + runId + "']");
        waitUntil(
                "SSE connected",
                () -> browser.findElement(By.id("live")).getText().equals("connected"));
        waitUntil("row of " + runId, () -> !browser.findElements(row).isEmpty());

        // Progress arrives after the page was loaded: the row changes without a reload.
        Object marker = browser.executeScript("window.__notReloaded = true; return true;");
        assertThat(marker).isEqualTo(true);
        send(List.of(record(
                Topics.RUNS_PROGRESS, RunProgress.of(runId, Role.BASE, 42, RunProgress.Stage.COMPUTING, 3, 10, null))));
        waitUntil("live progress 3/10", () -> browser.findElement(row).getText().contains("base 42: 3/10"));
        assertThat(browser.findElement(row).getText()).contains("RUNNING").contains("3/60");
        assertThat(browser.executeScript("return window.__notReloaded === true"))
                .isEqualTo(true);
    }

    static void waitUntil(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (org.openqa.selenium.WebDriverException e) {
                // element replaced by the live update while we read it: look again
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for " + what);
    }

    static void assertNotBlank(BufferedImage img) {
        Set<Integer> colours = new HashSet<>();
        long nonWhite = 0;
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                int rgb = img.getRGB(x, y) & 0xffffff;
                colours.add(rgb);
                if (rgb != 0xffffff) {
                    nonWhite++;
                }
            }
        }
        double fraction = nonWhite / ((img.getWidth() / 2.0) * (img.getHeight() / 2.0));
        assertThat(colours.size()).as("distinct colours in the screenshot").isGreaterThan(50);
        assertThat(fraction).as("share of non-white pixels").isGreaterThan(0.05);
    }

    static Path repo() {
        String root = System.getProperty("territory.repo.root");
        return root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
    }

    static void waitForStatus(String runId, String status, Duration timeout) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        String seen = "";
        while (System.currentTimeMillis() < deadline) {
            var response = given().get("/api/runs/" + runId);
            seen = response.statusCode() == 200 ? response.jsonPath().getString("status") : "";
            if (status.equals(seen)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("run " + runId + " did not reach " + status + " (last seen: " + seen + ")");
    }

    /** The events the other services send for a completed run of the GQA fixture pair. */
    static List<ProducerRecord<String, byte[]>> completedRun(String runId, JsonNode reference) {
        Path models = repo().resolve("testdata/fixtures/models");
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        records.add(record(
                Topics.RUNS_REQUESTED,
                RunRequested.of(
                                runId,
                                ModelRef.local(models.resolve("llama3-gqa-base").toString()),
                                ModelRef.local(
                                        models.resolve("llama3-gqa-instruct").toString()))
                        .withDtype("float32"))); // the metrics below
        List<PromptReductions> prompts = new ArrayList<>();
        List<RoleMetrics> roles = new ArrayList<>();
        for (Role role : Role.values()) {
            String name = "llama3-gqa-" + role.id();
            records.add(record(
                    Topics.RUNS_PROGRESS,
                    ModelLoaded.of(
                            runId,
                            role,
                            new ModelInfo(
                                    name,
                                    models.resolve(name).toString(),
                                    null,
                                    "llama",
                                    6,
                                    8,
                                    2,
                                    16,
                                    "float32",
                                    2048,
                                    null,
                                    List.of()),
                            0.1)));
            List<SeedMetrics> seeds = new ArrayList<>();
            List<Integer> ids = new ArrayList<>();
            reference
                    .get(role.id())
                    .get("seeds")
                    .forEach(seed -> ids.add(seed.get("seed").asInt()));
            for (JsonNode seed : reference.get(role.id()).get("seeds")) {
                // as the pipeline carries them: float32 vectors, widened to double by the metrics service, whose
                // statistics event (below) resamples the first seed's
                double[][][] cube = MetricsJson.readCube(seed.get("per_prompt_entropies"));
                for (int p = 0; p < cube.length; p++) {
                    float[][] f = new float[cube[p].length][];
                    for (int l = 0; l < cube[p].length; l++) {
                        f[l] = new float[cube[p][l].length];
                        for (int h = 0; h < f[l].length; h++) {
                            f[l][h] = (float) cube[p][l][h];
                            cube[p][l][h] = f[l][h];
                        }
                    }
                    if (seed.get("seed").asInt() == ids.get(0)) {
                        prompts.add(new PromptReductions(role.id(), ids.get(0), p, cube[p], null, null, null, 20));
                    }
                }
                seeds.add(NotebookMetrics.seed(
                        seed.get("seed").asInt(),
                        cube,
                        reference.get("num_kv_heads").asInt()));
            }
            RoleMetrics metrics = NotebookMetrics.aggregate(seeds);
            roles.add(metrics);
            records.add(record(
                    Topics.METRICS_COMPUTED,
                    new RoleMetricsComputed(
                            RoleMetricsComputed.idFor(runId, role),
                            1,
                            Instant.now(),
                            runId,
                            role,
                            ids,
                            10,
                            new ModelShape("llama", 6, 8, 2),
                            "float32",
                            "e11-v3",
                            "test",
                            MetricsJson.roleDocument(metrics))));
        }
        StatisticsBlock block = StatisticsBlock.compute(
                new StatisticsBlock.Run(List.of(42, 123, 456), "e11-v3", 2),
                roles.get(0),
                roles.get(1),
                prompts,
                Uncertainty.Options.defaults());
        records.add(record(
                Topics.METRICS_COMPUTED, RunStatisticsComputed.of(runId, block.json(), block.uncertaintyJson())));
        return records;
    }

    static ProducerRecord<String, byte[]> record(String topic, TerritoryEvent event) {
        return new ProducerRecord<>(topic, event.runId(), EventCodec.encode(event));
    }

    static void send(List<ProducerRecord<String, byte[]>> records) {
        try (var producer = new KafkaProducer<String, byte[]>(
                Map.of("bootstrap.servers", TestKafka.bootstrapServers()),
                new StringSerializer(),
                new ByteArraySerializer())) {
            records.forEach(producer::send);
        }
    }
}
