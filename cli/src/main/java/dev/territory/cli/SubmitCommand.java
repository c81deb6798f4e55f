package dev.territory.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.ModelRef;
import dev.territory.contracts.PairName;
import dev.territory.contracts.PromptSpec;
import dev.territory.contracts.RunCompleted;
import dev.territory.contracts.RunFailed;
import dev.territory.contracts.RunProgress;
import dev.territory.contracts.RunRequestValidator;
import dev.territory.contracts.RunRequested;
import dev.territory.contracts.TerritoryEvent;
import dev.territory.contracts.Topics;
import dev.territory.hub.ModelReference;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code territory submit}: produces one {@link RunRequested} on the request topic, follows the
 * run's progress events with a progress bar, prints the verdict, and downloads the run's files
 * from the report service into {@code --out}.
 */
@Command(
        name = "submit",
        mixinStandardHelpOptions = true,
        description = "Submits a run to the pipeline started by 'territory up', follows it, and downloads its files.")
final class SubmitCommand implements Callable<Integer> {

    @Option(
            names = "--base",
            required = true,
            paramLabel = "DIR|ORG/NAME[@REV]",
            description =
                    "base model: a directory the inference service can read, or a Hub id with an optional revision "
                            + "(downloaded by the inference service into its Hub cache)")
    String base;

    @Option(
            names = "--instruct",
            required = true,
            paramLabel = "DIR|ORG/NAME[@REV]",
            description = "instruction-tuned model: a directory or a Hub id, as --base")
    String instruct;

    @Option(
            names = "--prompts",
            paramLabel = "FILE",
            description = "prompts: a JSON array of strings or one per line (default: Standard-10 v3)")
    Path prompts;

    @Option(names = "--seeds", split = ",", paramLabel = "N", description = "seeds (default 42,123,456)")
    List<Integer> seeds;

    @Option(names = "--max-length", paramLabel = "N", description = "tokens per prompt (default 128)")
    Integer maxLength;

    @Option(names = "--run-id", paramLabel = "ID", description = "run id (default: <pair>-<timestamp>)")
    String runId;

    @Option(
            names = "--reference",
            paramLabel = "e11-mistral|RUN_ID",
            description = "MHA reference (default e11-mistral)")
    String reference;

    @Option(
            names = "--dtype",
            paramLabel = "DTYPE",
            description = "compute dtype: bfloat16 (the notebook's, emulated), " + "float32 or float16 (default "
                    + RunRequested.DEFAULT_DTYPE + ")")
    String dtype;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "where the run's files are written")
    Path out;

    @Option(
            names = "--bootstrap-servers",
            description = "Kafka (default: the stack of 'territory up', else $KAFKA_BOOTSTRAP_SERVERS)")
    String bootstrapServers;

    @Option(names = "--report-url", description = "report service base URL (default: the stack of 'territory up')")
    String reportUrl;

    @Option(
            names = "--timeout",
            description = "give up after this many minutes (default ${DEFAULT-VALUE})",
            defaultValue = "120")
    int timeoutMinutes;

    @Option(names = "--verbose", description = "print stack traces of errors")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        UpCommand.quietKafkaClients();
        ModelRef baseRef = modelRef(base, "--base");
        ModelRef instructRef = modelRef(instruct, "--instruct");
        Properties stack = UpCommand.Stack.running(UpCommand.Stack.home()).orElse(new Properties());
        String kafka = bootstrapServers != null
                ? bootstrapServers
                : stack.getProperty("bootstrap.servers", System.getenv("KAFKA_BOOTSTRAP_SERVERS"));
        String report = reportUrl != null ? reportUrl : stack.getProperty("report.url");
        if (kafka == null || report == null) {
            throw new IllegalStateException(
                    "no running pipeline: start one with ./territory up (or pass --bootstrap-servers and --report-url)");
        }
        RunRequested request = request(baseRef, instructRef, prompts, seeds, maxLength, runId, reference, dtype);
        Result result = new Submission(kafka, report, System.out).run(request, out, Duration.ofMinutes(timeoutMinutes));
        System.out.println("results.json: " + out.resolve("results.json").toAbsolutePath());
        return result.completed() ? 0 : 1;
    }

    /**
     * A {@code --base}/{@code --instruct} argument as the request names it: a local directory
     * (checked here, sent as an absolute path), or a Hub id sent as {@code hubId} and
     * {@code revision} ({@code main} when none is given) for the inference service to download.
     */
    static ModelRef modelRef(String argument, String option) {
        ModelReference parsed;
        try {
            parsed = ModelReference.parse(argument);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
        if (parsed instanceof ModelReference.Hub hub) {
            return ModelRef.hub(hub.repoId(), hub.revision());
        }
        Path dir = ((ModelReference.Local) parsed).directory();
        AnalyzeCommand.requireModelDir(dir, option);
        return ModelRef.local(dir.toString());
    }

    static RunRequested request(
            Path base,
            Path instruct,
            Path promptsFile,
            List<Integer> seeds,
            Integer maxLength,
            String runId,
            String reference,
            String dtype)
            throws IOException {
        return request(
                ModelRef.local(base.toAbsolutePath().normalize().toString()),
                ModelRef.local(instruct.toAbsolutePath().normalize().toString()),
                promptsFile,
                seeds,
                maxLength,
                runId,
                reference,
                dtype);
    }

    /** The request of these arguments; null ones take the request's defaults. */
    static RunRequested request(
            ModelRef base,
            ModelRef instruct,
            Path promptsFile,
            List<Integer> seeds,
            Integer maxLength,
            String runId,
            String reference,
            String dtype)
            throws IOException {
        String id = runId != null
                ? runId
                : PairName.of(shortName(base), shortName(instruct)) + "-"
                        + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'")
                                .withZone(ZoneOffset.UTC)
                                .format(java.time.Instant.now());
        RunRequested r = RunRequested.of(id, base, instruct);
        if (promptsFile != null) {
            r = r.withPrompts(
                    PromptSpec.inline(promptsFile.getFileName().toString(), AnalyzeCommand.readPrompts(promptsFile)));
        }
        if (seeds != null) {
            r = r.withSeeds(seeds);
        }
        if (maxLength != null) {
            r = r.withMaxLength(maxLength);
        }
        if (reference != null) {
            r = r.withReference(reference);
        }
        if (dtype != null) {
            r = r.withDtype(dtype);
        }
        return RunRequestValidator.validate(r);
    }

    /** The directory's name, or the name part of a Hub id (run ids allow no '/'). */
    static String shortName(ModelRef ref) {
        if (ref.hubId() != null) {
            return ref.hubId().substring(ref.hubId().indexOf('/') + 1);
        }
        return Path.of(ref.path()).getFileName().toString();
    }

    record Result(boolean completed, String verdict, List<Path> files) {}

    /** One run through the pipeline: request out, events in, files down. */
    static final class Submission {
        private final String bootstrap;
        private final String reportUrl;
        private final PrintStream out;
        private final HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        /** How long Kafka may be unreachable when the run is submitted (a broker restart takes seconds). */
        static final Duration KAFKA_WAIT = Duration.ofSeconds(60);

        Submission(String bootstrap, String reportUrl, PrintStream out) {
            this.bootstrap = bootstrap;
            this.reportUrl = reportUrl;
            this.out = out;
        }

        /** How often the report service is asked for the run's state, besides the events. */
        static final Duration STATE_CHECK_EVERY = Duration.ofSeconds(10);

        /**
         * Follows the run through its progress, completion and failure events and, every
         * {@link #STATE_CHECK_EVERY}, through the report service's state of the run: a completion
         * whose event never reaches this consumer (sent while the broker was restarting, or read
         * past after one) still ends the wait. The consumer reconnects by itself when the broker
         * comes back on the same address.
         *
         * @throws IllegalStateException with the pipeline's reason when the run fails, or after the timeout
         */
        Result run(RunRequested request, Path outDir, Duration timeout) throws Exception {
            String runId = request.runId();
            int perRole = request.seeds().size() * request.prompts().resolve().size();
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                    Map.of(
                            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                            // a position beyond a restarted broker's log end rereads the topic (events are filtered by
                            // run id)
                            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                    new StringDeserializer(),
                    new ByteArrayDeserializer())) {
                List<TopicPartition> partitions = new ArrayList<>();
                for (String topic : List.of(Topics.RUNS_PROGRESS, Topics.RUNS_COMPLETED, Topics.RUNS_FAILED)) {
                    try {
                        consumer.partitionsFor(topic, KAFKA_WAIT)
                                .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
                    } catch (org.apache.kafka.common.errors.TimeoutException e) {
                        throw new IllegalStateException(
                                "cannot reach Kafka at " + bootstrap + " within " + KAFKA_WAIT.toSeconds()
                                        + " s (is 'territory up' running?)",
                                e);
                    }
                }
                consumer.assign(partitions);
                consumer.seekToEnd(partitions);
                partitions.forEach(consumer::position); // fix the start before the request goes out
                try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                        new StringSerializer(),
                        new ByteArraySerializer())) {
                    producer.send(new ProducerRecord<>(Topics.RUNS_REQUESTED, runId, EventCodec.encode(request)))
                            .get(KAFKA_WAIT.toSeconds() * 3, java.util.concurrent.TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    throw new IllegalStateException(
                            "cannot send run " + runId + " to Kafka at " + bootstrap + ": "
                                    + (e.getCause() != null ? e.getCause().getMessage() : "no acknowledgement"),
                            e);
                }
                out.printf(
                        "run %s submitted: %s vs %s, seeds %s, reference %s%n",
                        runId,
                        request.base().describe(),
                        request.instruct().describe(),
                        request.seeds(),
                        request.reference());
                Map<String, Integer> done = new HashMap<>();
                long deadline = System.nanoTime() + timeout.toNanos();
                long nextStateCheck = System.nanoTime() + STATE_CHECK_EVERY.toNanos();
                try (ProgressBar bar = new ProgressBar("run " + runId, 2L * perRole)) {
                    while (System.nanoTime() < deadline) {
                        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(250))) {
                            if (!runId.equals(r.key())) {
                                continue;
                            }
                            TerritoryEvent e;
                            try {
                                e = EventCodec.decode(r.value());
                            } catch (RuntimeException ex) {
                                continue;
                            }
                            if (e instanceof RunProgress p && p.role() != null && p.seed() != null) {
                                done.merge(p.role().id() + "/" + p.seed(), p.done(), Math::max);
                                bar.update(done.values().stream()
                                        .mapToInt(Integer::intValue)
                                        .sum());
                            } else if (e instanceof RunFailed f) {
                                bar.close();
                                throw new IllegalStateException(
                                        "run " + runId + " failed: " + f.service() + ": " + f.reason());
                            } else if (e instanceof RunCompleted c) {
                                bar.update(2L * perRole);
                                bar.close();
                                return completed(runId, c.verdict(), c.architectureInvariant(), c.files(), outDir);
                            }
                        }
                        if (System.nanoTime() >= nextStateCheck) {
                            nextStateCheck = System.nanoTime() + STATE_CHECK_EVERY.toNanos();
                            JsonNode state = runStateOrNull(runId);
                            if (state != null
                                    && "FAILED".equals(state.path("status").asText())) {
                                bar.close();
                                throw new IllegalStateException("run " + runId + " failed: "
                                        + state.path("failure").asText());
                            }
                            if (state != null
                                    && "COMPLETED".equals(state.path("status").asText())) {
                                bar.update(2L * perRole);
                                bar.close();
                                List<String> files = new ArrayList<>();
                                state.path("files").forEach(f -> files.add(f.asText()));
                                return completed(
                                        runId,
                                        state.path("verdict").asText(),
                                        state.path("architectureInvariant").asBoolean(),
                                        files,
                                        outDir);
                            }
                        }
                    }
                }
                throw new IllegalStateException("run " + runId + ": no result within " + timeout.toMinutes()
                        + " min; follow it at " + reportUrl + "/runs/" + runId);
            }
        }

        private Result completed(String runId, String verdict, boolean invariant, List<String> names, Path outDir)
                throws IOException, InterruptedException {
            List<Path> files = download(runId, names, outDir);
            String line = verdict;
            String label = invariant ? "architecture-invariant" : "architecture-dependent";
            Path results = outDir.resolve("results.json");
            if (Files.isRegularFile(results)) {
                // the event carries the code; the evidence is in the results it announces
                JsonNode doc = new ObjectMapper().readTree(results.toFile());
                line = doc.at("/results/verdict/line").asText(line);
                label = doc.at("/results/mha_comparison/architecture_label").asText(label);
            }
            out.printf("verdict: %s (comparison with the reference: %s)%n", line, label);
            return new Result(true, line, files);
        }

        /** The report service's state of the run, or null when it has none or cannot be reached now. */
        private JsonNode runStateOrNull(String runId) {
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create(
                                        reportUrl + "/runs/" + URLEncoder.encode(runId, StandardCharsets.UTF_8)))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                return r.statusCode() == 200 ? EventCodec.mapper().readTree(r.body()) : null;
            } catch (IOException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }

        private List<Path> download(String runId, List<String> names, Path outDir)
                throws IOException, InterruptedException {
            Files.createDirectories(outDir);
            List<Path> files = new ArrayList<>();
            for (String name : names) {
                URI uri = URI.create(reportUrl + "/runs/" + URLEncoder.encode(runId, StandardCharsets.UTF_8) + "/files/"
                        + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20"));
                Path target = outDir.resolve(Path.of(name).getFileName().toString());
                HttpResponse<Path> r = http.send(
                        HttpRequest.newBuilder(uri)
                                .timeout(Duration.ofMinutes(2))
                                .build(),
                        HttpResponse.BodyHandlers.ofFile(target));
                if (r.statusCode() != 200) {
                    Files.deleteIfExists(target);
                    throw new IOException(uri + ": HTTP " + r.statusCode());
                }
                files.add(target);
            }
            return files;
        }
    }
}
