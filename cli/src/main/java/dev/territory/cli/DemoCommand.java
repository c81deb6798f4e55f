package dev.territory.cli;

import dev.territory.contracts.RunRequested;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code territory demo}: the whole pipeline on the fixture models shipped in the repository. Runs
 * the MHA pair (against the built-in E11 Mistral numbers), then the GQA pair with the MHA run as
 * its reference, as the notebook compares GQA with MHA. Uses a running {@code territory up} if
 * there is one; otherwise starts its own and stops it at the end.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description =
                "Runs the fixture pairs (MHA, then GQA against it) through a local pipeline and prints the verdict.")
final class DemoCommand implements Callable<Integer> {

    @Option(
            names = "--out",
            description = "directory for the runs' files (default ${DEFAULT-VALUE})",
            defaultValue = "territory-out")
    Path out;

    @Option(names = "--verbose", description = "print stack traces of errors")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        UpCommand.quietKafkaClients();
        long t0 = System.nanoTime();
        Path home = UpCommand.Stack.home();
        Path models = home.resolve("testdata/fixtures/models");
        for (String m :
                new String[] {"mistral-mha-base", "mistral-mha-instruct", "llama3-gqa-base", "llama3-gqa-instruct"}) {
            AnalyzeCommand.requireModelDir(models.resolve(m), "fixture");
        }
        Optional<Properties> running = UpCommand.Stack.running(home);
        UpCommand.Stack own = null;
        String bootstrap;
        String report;
        if (running.isPresent()) {
            bootstrap = running.get().getProperty("bootstrap.servers");
            report = running.get().getProperty("report.url");
            System.out.println("demo: using the pipeline of 'territory up' (" + report + ")");
        } else {
            System.out.println("demo: starting a local pipeline (Kafka + 3 services)");
            own = UpCommand.Stack.start(home, 0, 0, System.out);
            bootstrap = own.bootstrapServers();
            report = own.reportUrl();
        }
        UpCommand.Stack stack = own;
        Thread stopper = new Thread(() -> {
            if (stack != null) {
                stack.close();
            }
        });
        Runtime.getRuntime().addShutdownHook(stopper);
        try {
            String stamp = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                    .withZone(ZoneOffset.UTC)
                    .format(java.time.Instant.now());
            SubmitCommand.Submission submission = new SubmitCommand.Submission(bootstrap, report, System.out);
            String mhaId = "demo-mha-" + stamp;
            RunRequested mha = SubmitCommand.request(
                    models.resolve("mistral-mha-base"),
                    models.resolve("mistral-mha-instruct"),
                    null,
                    null,
                    null,
                    mhaId,
                    null,
                    null);
            Path mhaOut = out.resolve(mhaId);
            SubmitCommand.Result mhaResult = submission.run(mha, mhaOut, Duration.ofMinutes(30));
            String gqaId = "demo-gqa-" + stamp;
            RunRequested gqa = SubmitCommand.request(
                    models.resolve("llama3-gqa-base"),
                    models.resolve("llama3-gqa-instruct"),
                    null,
                    null,
                    null,
                    gqaId,
                    mhaId,
                    null);
            Path gqaOut = out.resolve(gqaId);
            SubmitCommand.Result gqaResult = submission.run(gqa, gqaOut, Duration.ofMinutes(30));
            System.out.println();
            System.out.println("MHA fixture pair (mistral-mha): verdict " + mhaResult.verdict() + "; results.json: "
                    + mhaOut.resolve("results.json").toAbsolutePath());
            System.out.println("GQA fixture pair (llama3-gqa) vs the MHA run: verdict " + gqaResult.verdict()
                    + "; results.json: " + gqaOut.resolve("results.json").toAbsolutePath());
            System.out.println(
                    "note: these are small random-weight test models; the verdicts exercise the pipeline and "
                            + "mean nothing about real fine-tuning.");
            System.out.printf("demo: done in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            return Files.isRegularFile(gqaOut.resolve("results.json")) ? 0 : 1;
        } finally {
            if (own != null) {
                own.close();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(stopper);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
    }
}
