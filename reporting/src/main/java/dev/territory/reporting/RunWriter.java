package dev.territory.reporting;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes every file of a run into one directory: results.json, figure.png, figure.svg,
 * report.html, entropies.jsonl, entropies.csv, metrics.csv, a line appended to
 * artifact_log.jsonl, and a zip holding all of them (the notebook's auto-download, cell 12).
 */
public final class RunWriter {

    public static final String RESULTS_JSON = "results.json";
    public static final String FIGURE_PNG = "figure.png";
    public static final String FIGURE_SVG = "figure.svg";
    public static final String REPORT_HTML = "report.html";
    public static final String ENTROPIES_JSONL = "entropies.jsonl";
    public static final String ENTROPIES_CSV = "entropies.csv";
    public static final String METRICS_CSV = "metrics.csv";
    public static final String ARTIFACT_LOG = "artifact_log.jsonl";

    /** Paths of what was written; {@code zip} holds all the others. */
    public record RunFiles(Path directory, List<Path> files, Path zip) {}

    private RunWriter() {}

    /** The zip's file name for a run: {@code E11_results_<runId>.zip}. */
    public static String zipName(RunReport report) {
        return "E11_results_" + report.description().runId().replaceAll("[^A-Za-z0-9._-]", "_") + ".zip";
    }

    public static RunFiles write(RunReport report, Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();

        Path results = dir.resolve(RESULTS_JSON);
        Json.MAPPER.writeValue(results.toFile(), report.results());
        files.add(results);

        Figure figure = Figure.render(report);
        Path png = dir.resolve(FIGURE_PNG);
        Files.write(png, figure.png());
        files.add(png);
        Path svg = dir.resolve(FIGURE_SVG);
        Files.writeString(svg, figure.svg(), StandardCharsets.UTF_8);
        files.add(svg);

        Path html = dir.resolve(REPORT_HTML);
        Files.writeString(html, HtmlReport.render(report, figure), StandardCharsets.UTF_8);
        files.add(html);

        if (!report.entropies().isEmpty()) {
            Path jsonl = dir.resolve(ENTROPIES_JSONL);
            try (Writer w = Files.newBufferedWriter(jsonl, StandardCharsets.UTF_8)) {
                Exports.entropiesJsonl(report.entropies(), w);
            }
            files.add(jsonl);
            Path csv = dir.resolve(ENTROPIES_CSV);
            try (Writer w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
                Exports.entropiesCsv(report.entropies(), w);
            }
            files.add(csv);
        }
        Path metrics = dir.resolve(METRICS_CSV);
        try (Writer w = Files.newBufferedWriter(metrics, StandardCharsets.UTF_8)) {
            Exports.metricsCsv(report, w);
        }
        files.add(metrics);

        Path log = dir.resolve(ARTIFACT_LOG);
        List<String> names = new ArrayList<>(
                files.stream().map(p -> p.getFileName().toString()).toList());
        names.add(ARTIFACT_LOG);
        names.add(zipName(report));
        appendArtifactEntry(report, names, log);
        files.add(log);

        Path zip = dir.resolve(zipName(report));
        zip(files, zip);
        return new RunFiles(dir, List.copyOf(files), zip);
    }

    /**
     * Appends the run's artifact-log line (cell 11) to {@code log}, creating it when absent: the
     * notebook keeps one cumulative {@code results/E11T_artifact_log.jsonl} across runs.
     */
    public static void appendArtifactEntry(RunReport report, List<String> fileNames, Path log) throws IOException {
        if (log.getParent() != null) {
            Files.createDirectories(log.getParent());
        }
        try (BufferedWriter w = Files.newBufferedWriter(
                log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            w.write(Json.line(Exports.artifactEntry(report, fileNames)));
            w.write('\n');
        }
    }

    private static void zip(List<Path> files, Path zip) throws IOException {
        try (OutputStream os = Files.newOutputStream(zip);
                ZipOutputStream z = new ZipOutputStream(os)) {
            for (Path f : files) {
                z.putNextEntry(new ZipEntry(f.getFileName().toString()));
                Files.copy(f, z);
                z.closeEntry();
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
